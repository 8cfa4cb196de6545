/**
 * MES API (Fastify + PostgreSQL): production orders and their status. The worker reports every
 * status change here; the CRM and the shop read status from here. Every change is an
 * `order.status_changed` business event (order id, from, to).
 *
 *   POST  /production-orders                      accept an order (status accepted)
 *   PATCH /production-orders/:orderId/status      {status, reason?}: move it (checked against TRANSITIONS)
 *   PATCH /production-orders/:orderId             {cost?, equipmentId?}
 *   GET   /production-orders/:orderId             status + history
 *   POST  /equipment/:equipmentId/events          {kind, orderId?, detail?}
 */
import type { Beacon } from '@beacon/sdk'
import { loadCompanyConfig } from '../shared/config.ts'
import { createPool, ensureSchema, inTransaction } from '../shared/db.ts'
import { createApp, HttpError } from '../shared/fastify-app.ts'
import { MES_SCHEMA, TRANSITIONS } from './schema.ts'
import type { Running } from '../shared/service.ts'

const STATUSES = Object.keys(TRANSITIONS)

export async function start(beacon: Beacon): Promise<Running> {
  const cfg = loadCompanyConfig()
  const { logger, events } = beacon
  const pool = createPool(cfg.databaseUrl)
  await ensureSchema(pool, 4202, MES_SCHEMA)
  const app = await createApp({ beacon, allowCrash: cfg.allowCrash })

  app.post<{ Body: { orderId: string; items?: unknown[] } }>('/production-orders', {
    schema: { body: { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string', minLength: 1, maxLength: 64 }, items: { type: 'array' } } } },
  }, async (req, reply) => {
    const { orderId } = req.body
    const r = await pool.query(`INSERT INTO mes.production_orders (order_id, status, items) VALUES ($1, 'accepted', $2)
      ON CONFLICT (order_id) DO NOTHING RETURNING order_id`, [orderId, JSON.stringify(req.body.items ?? [])])
    if (r.rowCount === 0) return reply.status(200).send({ orderId, status: (await current(orderId)).status, duplicate: true })
    await pool.query("INSERT INTO mes.status_history (order_id, from_status, to_status) VALUES ($1, NULL, 'accepted')", [orderId])
    events.orderStatusChanged({ orderId, to: 'accepted' })
    return reply.status(201).send({ orderId, status: 'accepted' })
  })

  async function current(orderId: string): Promise<{ status: string }> {
    const r = await pool.query('SELECT status FROM mes.production_orders WHERE order_id = $1', [orderId])
    if (r.rowCount === 0) throw new HttpError(404, `production order ${orderId} not found`)
    return r.rows[0]
  }

  app.patch<{ Params: { orderId: string }; Body: { status: string; reason?: string } }>('/production-orders/:orderId/status', {
    schema: { body: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: STATUSES }, reason: { type: 'string', maxLength: 500 } } } },
  }, async (req) => {
    const { orderId } = req.params
    const to = req.body.status
    const from = await inTransaction(pool, async (client) => {
      const r = await client.query('SELECT status FROM mes.production_orders WHERE order_id = $1 FOR UPDATE', [orderId])
      if (r.rowCount === 0) throw new HttpError(404, `production order ${orderId} not found`)
      const current: string = r.rows[0].status
      if (!TRANSITIONS[current]?.includes(to)) throw new HttpError(409, `cannot move order ${orderId} from ${current} to ${to}`)
      await client.query('UPDATE mes.production_orders SET status = $2, updated_at = now() WHERE order_id = $1', [orderId, to])
      await client.query('INSERT INTO mes.status_history (order_id, from_status, to_status, reason) VALUES ($1, $2, $3, $4)', [orderId, current, to, req.body.reason ?? null])
      return current
    })
    events.orderStatusChanged({ orderId, from, to, reason: req.body.reason })
    return { orderId, from, status: to }
  })

  app.patch<{ Params: { orderId: string }; Body: { cost?: number; equipmentId?: string } }>('/production-orders/:orderId', {
    schema: { body: { type: 'object', properties: { cost: { type: 'number', minimum: 0 }, equipmentId: { type: 'string' } } } },
  }, async (req) => {
    const r = await pool.query('UPDATE mes.production_orders SET cost = coalesce($2, cost), equipment_id = coalesce($3, equipment_id), updated_at = now() WHERE order_id = $1 RETURNING status',
      [req.params.orderId, req.body.cost ?? null, req.body.equipmentId ?? null])
    if (r.rowCount === 0) throw new HttpError(404, `production order ${req.params.orderId} not found`)
    return { orderId: req.params.orderId, status: r.rows[0].status }
  })

  app.get<{ Params: { orderId: string } }>('/production-orders/:orderId', async (req) => {
    const r = await pool.query('SELECT order_id, status, cost, equipment_id, updated_at FROM mes.production_orders WHERE order_id = $1', [req.params.orderId])
    if (r.rowCount === 0) throw new HttpError(404, `production order ${req.params.orderId} not found`)
    const h = await pool.query('SELECT from_status, to_status, reason, at FROM mes.status_history WHERE order_id = $1 ORDER BY id', [req.params.orderId])
    const o = r.rows[0]
    return {
      orderId: o.order_id, status: o.status, cost: o.cost === null ? null : Number(o.cost), equipmentId: o.equipment_id, updatedAt: o.updated_at,
      history: h.rows.map((x) => ({ from: x.from_status, to: x.to_status, reason: x.reason ?? undefined, at: x.at })),
    }
  })

  app.post<{ Params: { equipmentId: string }; Body: { kind: string; orderId?: string; detail?: Record<string, unknown> } }>('/equipment/:equipmentId/events', {
    schema: { body: { type: 'object', required: ['kind'], properties: { kind: { type: 'string', maxLength: 64 }, orderId: { type: 'string' }, detail: { type: 'object' } } } },
  }, async (req, reply) => {
    const { equipmentId } = req.params
    await pool.query('INSERT INTO mes.equipment_events (equipment_id, kind, order_id, detail) VALUES ($1, $2, $3, $4)', [equipmentId, req.body.kind, req.body.orderId ?? null, JSON.stringify(req.body.detail ?? {})])
    events.record('equipment.event', {
      level: req.body.kind === 'failure' ? 'error' : 'info', outcome: req.body.kind === 'failure' ? 'failure' : 'success', category: 'host',
      message: `equipment ${equipmentId}: ${req.body.kind}`, 'equipment.id': equipmentId, 'equipment.event.kind': req.body.kind, 'order.id': req.body.orderId,
    })
    return reply.status(201).send({ recorded: true })
  })

  await app.listen({ port: cfg.ports.mes, host: cfg.host })
  logger.info({ port: cfg.ports.mes }, 'mes-api listening')
  return {
    async close() {
      await app.close()
      await pool.end()
    },
  }
}
