/**
 * CRM API (Fastify + PostgreSQL): customers and orders. A new order is stored, then published to
 * RabbitMQ as a production order for the MES; its status is read back from the MES API.
 *
 *   POST   /customers            register            POST /auth/verify     check a password
 *   POST   /orders               create + publish    GET  /orders/:orderId  order + MES status
 *   PATCH  /orders/:orderId      update (audit)      DELETE /orders/:orderId cancel (audit)
 *   GET    /customers/:id/orders                     GET  /reports/sales    sales report (?heavy=1: a slow report;
 *                                                           ?by=region: a report whose column is not deployed yet → 500)
 *
 * Express orders (`express: true`) are published under `order.express.created`, a routing key the
 * production queue (`order.*`) is not bound to: RabbitMQ drops them silently — a lost CRM → MES
 * message, the bug Beacon's lost-message detector is there to catch.
 */
import { randomUUID, scryptSync, timingSafeEqual, randomBytes } from 'node:crypto'
import amqp from 'amqplib'
import type { Beacon } from '@beacon/sdk'
import { withOrder, tagRequest } from '@beacon/sdk'
import { loadCompanyConfig } from '../shared/config.ts'
import { createPool, ensureSchema, inTransaction } from '../shared/db.ts'
import { createApp, HttpError } from '../shared/fastify-app.ts'
import { createJsonClient, UpstreamError } from '../shared/http-client.ts'
import { assertTopology, topologyNames } from '../shared/topology.ts'
import { CRM_SCHEMA } from './schema.ts'
import { priceOf } from '../shared/catalog.ts'
import type { Running } from '../shared/service.ts'

function hashPassword(password: string): string {
  const salt = randomBytes(16)
  return `${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`
}

function checkPassword(password: string, stored: string): boolean {
  const [salt, hash] = stored.split(':')
  const got = scryptSync(password, Buffer.from(salt, 'hex'), 32)
  return timingSafeEqual(got, Buffer.from(hash, 'hex'))
}

const itemSchema = { type: 'object', required: ['sku', 'qty'], properties: { sku: { type: 'string', minLength: 1 }, qty: { type: 'integer', minimum: 1, maximum: 1000 } } }

export async function start(beacon: Beacon): Promise<Running> {
  const cfg = loadCompanyConfig()
  const { logger, events } = beacon
  const pool = createPool(cfg.databaseUrl)
  await ensureSchema(pool, 4201, CRM_SCHEMA)
  const topo = topologyNames(cfg.mqPrefix)
  const conn = await amqp.connect(cfg.amqpUrl)
  conn.on('error', (err) => logger.error({ err }, 'RabbitMQ connection error'))
  const ch = await conn.createConfirmChannel()
  await assertTopology(ch, topo)
  const mes = createJsonClient('mes-api', cfg.urls.mes)

  const app = await createApp({ beacon, allowCrash: cfg.allowCrash, userId: (req) => (req.body as { customerId?: number } | undefined)?.customerId ?? req.headers['x-customer-id'] })

  app.post<{ Body: { email: string; name: string; password: string } }>('/customers', {
    schema: { body: { type: 'object', required: ['email', 'name', 'password'], properties: { email: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' }, name: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 8 } } } },
  }, async (req, reply) => {
    try {
      const r = await pool.query('INSERT INTO crm.customers (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id', [req.body.email.toLowerCase(), req.body.name, hashPassword(req.body.password)])
      const id = String(r.rows[0].id)
      tagRequest(req, { userId: id })
      events.record('customer.registered', { outcome: 'success', category: 'iam', 'user.id': id })
      return reply.status(201).send({ customerId: Number(id) })
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new HttpError(409, 'a customer with this e-mail already exists')
      throw err
    }
  })

  app.post<{ Body: { email: string; password: string } }>('/auth/verify', {
    schema: { body: { type: 'object', required: ['email', 'password'], properties: { email: { type: 'string' }, password: { type: 'string' } } } },
  }, async (req) => {
    const r = await pool.query('SELECT id, name, password_hash FROM crm.customers WHERE email = $1', [req.body.email.toLowerCase()])
    const row = r.rows[0]
    if (row === undefined || !checkPassword(req.body.password, row.password_hash)) return { ok: false }
    return { ok: true, customerId: Number(row.id), name: row.name }
  })

  app.post<{ Body: { orderId?: string; customerId: number; items: { sku: string; qty: number }[]; cardLast4?: string; express?: boolean } }>('/orders', {
    schema: { body: { type: 'object', required: ['customerId', 'items'], properties: { orderId: { type: 'string', maxLength: 64 }, customerId: { type: 'integer' }, items: { type: 'array', minItems: 1, maxItems: 50, items: itemSchema }, cardLast4: { type: 'string', maxLength: 4 }, express: { type: 'boolean' } } } },
  }, async (req, reply) => {
    const orderId = req.body.orderId ?? `ORD-${randomUUID().slice(0, 8).toUpperCase()}`
    return withOrder(orderId, async () => {
      const { customerId, items } = req.body
      const total = items.reduce((s, i) => s + (priceOf(i.sku) ?? 0) * i.qty, 0)
      await inTransaction(pool, async (client) => {
        const exists = await client.query('SELECT 1 FROM crm.customers WHERE id = $1', [customerId])
        if (exists.rowCount === 0) throw new HttpError(404, `customer ${customerId} not found`)
        await client.query('INSERT INTO crm.orders (id, customer_id, items, total, card_last4) VALUES ($1, $2, $3, $4, $5)', [orderId, customerId, JSON.stringify(items), total, req.body.cardLast4 ?? null])
      })
      events.orderCreated({ orderId, userId: customerId, total, items: items.length })
      const message = { orderId, customerId, items, total, createdAt: new Date().toISOString() }
      // The bug: express orders get a routing key of their own that nobody bound (see the header).
      const routingKey = req.body.express === true ? 'order.express.created' : 'order.created'
      ch.publish(topo.exchange, routingKey, Buffer.from(JSON.stringify(message)), { persistent: true, contentType: 'application/json', messageId: `${orderId}:created`, correlationId: orderId })
      await ch.waitForConfirms()
      logger.info({ 'order.id': orderId, 'messaging.destination.name': topo.exchange }, `order ${orderId} sent to production`)
      return reply.status(201).send({ orderId, status: 'new', total })
    })
  })

  async function loadOrder(orderId: string): Promise<Record<string, any>> {
    const r = await pool.query('SELECT id, customer_id, items, total, status, created_at, updated_at FROM crm.orders WHERE id = $1', [orderId])
    if (r.rowCount === 0) throw new HttpError(404, `order ${orderId} not found`)
    const o = r.rows[0]
    return { orderId: o.id, customerId: Number(o.customer_id), items: o.items, total: Number(o.total), status: o.status, createdAt: o.created_at, updatedAt: o.updated_at }
  }

  app.get<{ Params: { orderId: string } }>('/orders/:orderId', async (req) => {
    const order = await loadOrder(req.params.orderId)
    try {
      const production = await mes.request('GET', `/production-orders/${encodeURIComponent(order.orderId)}`)
      return { ...order, production: { status: production.status, history: production.history } }
    } catch (err) {
      if (err instanceof UpstreamError && err.status === 404) return { ...order, production: { status: 'queued', history: [] } }
      throw err
    }
  })

  app.patch<{ Params: { orderId: string }; Body: { items: { sku: string; qty: number }[]; customerId?: number } }>('/orders/:orderId', {
    schema: { body: { type: 'object', required: ['items'], properties: { customerId: { type: 'integer' }, items: { type: 'array', minItems: 1, maxItems: 50, items: itemSchema } } } },
  }, async (req) => {
    const order = await loadOrder(req.params.orderId)
    if (order.status !== 'new') throw new HttpError(409, `order ${order.orderId} is ${order.status} and can no longer change`)
    const total = req.body.items.reduce((s, i) => s + (priceOf(i.sku) ?? 0) * i.qty, 0)
    await pool.query('UPDATE crm.orders SET items = $2, total = $3, updated_at = now() WHERE id = $1', [order.orderId, JSON.stringify(req.body.items), total])
    events.orderUpdated({ orderId: order.orderId, userId: order.customerId, total })
    return { ...order, items: req.body.items, total }
  })

  app.delete<{ Params: { orderId: string } }>('/orders/:orderId', async (req) => {
    const order = await loadOrder(req.params.orderId)
    await pool.query("UPDATE crm.orders SET status = 'cancelled', updated_at = now() WHERE id = $1", [order.orderId])
    events.orderDeleted({ orderId: order.orderId, userId: order.customerId })
    return { orderId: order.orderId, status: 'cancelled' }
  })

  // Customer service records a complaint against an order (Beacon's overview counts them per day).
  app.post<{ Params: { orderId: string }; Body: { reason: string; channel?: string } }>('/orders/:orderId/complaints', {
    schema: { body: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 500 }, channel: { type: 'string', enum: ['phone', 'email', 'chat'] } } } },
  }, async (req, reply) => {
    const order = await loadOrder(req.params.orderId)
    events.complaint({ orderId: order.orderId, customerId: order.customerId, reason: req.body.reason, channel: req.body.channel })
    reply.code(201)
    return { orderId: order.orderId, recorded: true }
  })

  app.get<{ Params: { id: string } }>('/customers/:id/orders', async (req) => {
    const r = await pool.query('SELECT id, total, status, created_at FROM crm.orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 50', [req.params.id])
    return r.rows.map((o) => ({ orderId: o.id, total: Number(o.total), status: o.status, createdAt: o.created_at }))
  })

  app.get<{ Querystring: { days?: string; heavy?: string; by?: string } }>('/reports/sales', async (req) => {
    const days = Math.min(365, Math.max(1, Number(req.query.days) || 30))
    if (req.query.by === 'region') {
      // Shipped before its migration: crm.orders has no region column yet, so every call fails (500).
      const r = await pool.query(`SELECT region, count(*)::int AS orders FROM crm.orders
        WHERE created_at > now() - make_interval(days => $1::int) GROUP BY region`, [days])
      return { days, byRegion: r.rows }
    }
    // ?heavy=1 stands for the report that scans everything: it sleeps in the database to be reliably slow.
    const sleep = req.query.heavy === '1' ? 0.6 : 0
    const r = await pool.query(`WITH scan AS (SELECT pg_sleep($2::float8))
      SELECT count(*)::int AS orders, coalesce(sum(total), 0)::float AS revenue
      FROM crm.orders, scan WHERE created_at > now() - make_interval(days => $1::int)`, [days, sleep])
    return { days, orders: r.rows[0].orders, revenue: r.rows[0].revenue }
  })

  await app.listen({ port: cfg.ports.crm, host: cfg.host })
  logger.info({ port: cfg.ports.crm }, 'crm-api listening')
  return {
    async close() {
      await app.close()
      await conn.close().catch(() => {})
      await pool.end()
    },
  }
}
