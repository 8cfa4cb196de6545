/**
 * Shop API (Fastify): customers register and log in, browse, place orders and follow them.
 * Orders go to the CRM over HTTP; the shop gives each order its number, so the whole order
 * (this request, the CRM, RabbitMQ, the MES) runs under that `order.id`.
 *
 *   POST /register  POST /login  POST /logout  GET /products  POST /orders/quote
 *   POST /orders (express: true → the CRM's unrouted express orders)  GET /orders  GET|PATCH|DELETE /orders/:orderId     (Bearer token)
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { luhnValid, tagRequest, withBusinessKeys, type Beacon } from '@beacon/sdk'
import { loadCompanyConfig } from '../shared/config.ts'
import { createApp, HttpError } from '../shared/fastify-app.ts'
import { createJsonClient, UpstreamError } from '../shared/http-client.ts'
import { CATALOG, priceOf } from '../shared/catalog.ts'
import type { Running } from '../shared/service.ts'

interface Session { customerId: number; email: string }
type AuthedRequest = FastifyRequest & { user?: { id: number; email: string } }

const itemsSchema = { type: 'array', minItems: 1, maxItems: 50, items: { type: 'object', required: ['sku', 'qty'], additionalProperties: false, properties: { sku: { type: 'string', minLength: 1, maxLength: 32 }, qty: { type: 'integer', minimum: 1, maximum: 1000 } } } }

export async function start(beacon: Beacon): Promise<Running> {
  const cfg = loadCompanyConfig()
  const { logger, events } = beacon
  const crm = createJsonClient('crm-api', cfg.urls.crm)
  const sessions = new Map<string, Session>()
  const app = await createApp({ beacon, allowCrash: cfg.allowCrash, userId: (req: AuthedRequest) => req.user?.id })

  async function authenticate(req: AuthedRequest, reply: FastifyReply): Promise<void> {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    const session = m ? sessions.get(m[1]) : undefined
    if (session === undefined) {
      await reply.status(401).send({ error: 'sign in first' })
      return
    }
    req.user = { id: session.customerId, email: session.email }
  }

  app.post<{ Body: { email: string; name: string; password: string } }>('/register', {
    schema: { body: { type: 'object', required: ['email', 'name', 'password'], properties: { email: { type: 'string', maxLength: 200 }, name: { type: 'string', maxLength: 200 }, password: { type: 'string', minLength: 8, maxLength: 200 } } } },
  }, async (req, reply) => {
    const r = await crm.request('POST', '/customers', req.body)
    tagRequest(req, { userId: r.customerId })
    return reply.status(201).send(r)
  })

  app.post<{ Body: { email: string; password: string } }>('/login', {
    schema: { body: { type: 'object', required: ['email', 'password'], properties: { email: { type: 'string', maxLength: 200 }, password: { type: 'string', maxLength: 200 } } } },
  }, async (req, reply) => {
    const r = await crm.request('POST', '/auth/verify', req.body)
    if (!r.ok) {
      events.loginFailed({ userName: req.body.email, reason: 'wrong e-mail or password' })
      return reply.status(401).send({ error: 'wrong e-mail or password' })
    }
    const token = randomBytes(24).toString('base64url')
    sessions.set(token, { customerId: r.customerId, email: req.body.email })
    tagRequest(req, { userId: r.customerId })
    events.loginSucceeded({ userId: r.customerId, method: 'password' })
    return { token, customerId: r.customerId, name: r.name }
  })

  app.post('/logout', { preHandler: authenticate }, async (req: AuthedRequest) => {
    sessions.delete(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '')
    events.logout({ userId: req.user!.id })
    return { ok: true }
  })

  app.get<{ Querystring: { q?: string } }>('/products', async (req) => {
    const q = (req.query.q ?? '').toLowerCase()
    return CATALOG.filter((p) => q === '' || p.name.toLowerCase().includes(q) || p.sku.toLowerCase().includes(q))
  })

  app.post<{ Body: { items: { sku: string; qty: number }[] } }>('/orders/quote', {
    schema: { body: { type: 'object', required: ['items'], properties: { items: itemsSchema } } },
  }, async (req) => {
    const unknown = req.body.items.find((i) => priceOf(i.sku) === undefined)
    if (unknown) throw new HttpError(422, `unknown product ${unknown.sku}`)
    return { total: req.body.items.reduce((s, i) => s + priceOf(i.sku)! * i.qty, 0) }
  })

  app.post<{ Body: { items: { sku: string; qty: number }[]; payment: { cardNumber: string; cvv: string; holder?: string }; express?: boolean } }>('/orders', {
    preHandler: authenticate,
    schema: { body: { type: 'object', required: ['items', 'payment'], properties: { items: itemsSchema, express: { type: 'boolean' }, payment: { type: 'object', required: ['cardNumber', 'cvv'], properties: { cardNumber: { type: 'string', maxLength: 23 }, cvv: { type: 'string', maxLength: 4 }, holder: { type: 'string' } } } } } },
  }, async (req: AuthedRequest & { body: { items: { sku: string; qty: number }[]; payment: { cardNumber: string }; express?: boolean } }, reply) => {
    const user = req.user!
    const digits = req.body.payment.cardNumber.replace(/[ -]/g, '')
    if (!/^\d{13,19}$/.test(digits) || !luhnValid(digits)) throw new HttpError(400, 'the card number is not valid')
    const unknown = req.body.items.find((i) => priceOf(i.sku) === undefined)
    if (unknown) throw new HttpError(422, `unknown product ${unknown.sku}`)
    const orderId = `ORD-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomUUID().slice(0, 8).toUpperCase()}`
    tagRequest(req, { orderId, userId: user.id })
    return withBusinessKeys({ orderId, userId: user.id }, async () => {
      const created = await crm.request('POST', '/orders', { orderId, customerId: user.id, items: req.body.items, cardLast4: digits.slice(-4), ...(req.body.express === true ? { express: true } : {}) })
      logger.info({ 'order.id': orderId, 'user.id': String(user.id), total: created.total }, `order ${orderId} placed`)
      return reply.status(201).send({ orderId, status: created.status, total: created.total })
    })
  })

  app.get('/orders', { preHandler: authenticate }, async (req: AuthedRequest) => crm.request('GET', `/customers/${req.user!.id}/orders`))

  async function ownedOrder(req: AuthedRequest, orderId: string, action: string): Promise<Record<string, any>> {
    tagRequest(req, { orderId })
    let order: Record<string, any>
    try {
      order = await withBusinessKeys({ orderId }, () => crm.request('GET', `/orders/${encodeURIComponent(orderId)}`))
    } catch (err) {
      if (err instanceof UpstreamError && err.status === 404) throw new HttpError(404, `order ${orderId} not found`)
      throw err
    }
    if (order.customerId !== req.user!.id) {
      events.authorizationDenied({ userId: req.user!.id, action, resource: `order/${orderId}`, reason: 'not the owner', 'order.id': orderId })
      throw new HttpError(403, 'this order belongs to another customer')
    }
    return order
  }

  app.get<{ Params: { orderId: string } }>('/orders/:orderId', { preHandler: authenticate }, async (req) => {
    const order = await ownedOrder(req, req.params.orderId, 'read')
    return { orderId: order.orderId, status: order.production?.status ?? order.status, total: order.total, items: order.items, history: order.production?.history ?? [] }
  })

  app.patch<{ Params: { orderId: string }; Body: { items: { sku: string; qty: number }[] } }>('/orders/:orderId', {
    preHandler: authenticate,
    schema: { body: { type: 'object', required: ['items'], properties: { items: itemsSchema } } },
  }, async (req) => {
    await ownedOrder(req, req.params.orderId, 'update')
    return withBusinessKeys({ orderId: req.params.orderId }, () => crm.request('PATCH', `/orders/${encodeURIComponent(req.params.orderId)}`, { items: req.body.items }))
  })

  app.delete<{ Params: { orderId: string } }>('/orders/:orderId', { preHandler: authenticate }, async (req) => {
    await ownedOrder(req, req.params.orderId, 'delete')
    return withBusinessKeys({ orderId: req.params.orderId }, () => crm.request('DELETE', `/orders/${encodeURIComponent(req.params.orderId)}`))
  })

  await app.listen({ port: cfg.ports.shop, host: cfg.host })
  logger.info({ port: cfg.ports.shop }, 'shop-api listening')
  return { close: () => app.close() }
}
