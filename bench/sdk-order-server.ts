/**
 * The company's order endpoint for the SDK benchmark: the CRM's `POST /orders` (examples/company/
 * src/crm-api/server.ts) — a PostgreSQL transaction (customer check + insert), then the production
 * order published to RabbitMQ with a publisher confirm — with the CRM's own schema, topology and
 * catalog modules, in two modes:
 *
 *   plain         no SDK: Fastify without request logging, the service's own pino logger (to /dev/null)
 *   instrumented  the SDK as the CRM runs it: init() first, its logger as Fastify's, request logging,
 *                 withOrder(), the order.created business event; pg, amqplib and HTTP traced, exported
 *
 *   node --import tsx bench/sdk-order-server.ts <mode>      (COMPANY_DATABASE_URL, COMPANY_AMQP_URL, COMPANY_MQ_PREFIX)
 * Prints `READY <port> <customerId>`.
 */
import { randomUUID } from 'node:crypto'

const mode = process.argv[2] ?? 'plain'
type Sdk = typeof import('@beacon/sdk')
let sdk: Sdk | undefined
let beacon: ReturnType<Sdk['init']> | undefined
if (mode !== 'plain') {
  sdk = await import(process.env.BENCH_SDK ?? '@beacon/sdk') as typeof import('@beacon/sdk')
  // Diagnostics: `no-export` — everything instrumented, nothing exported (no export worker).
  const noExport = mode === 'no-export' ? { logSend: async () => true, spanExporter: { export: (_s: unknown[], done: (r: { code: number }) => void) => done({ code: 0 }), shutdown: async () => {} } } : {}
  beacon = sdk.init({ service: 'crm-api', handleSignals: false, ...noExport })
}
// Loaded after init(), as the company's services do, so pg and amqplib are instrumented.
const { default: Fastify } = await import('fastify')
const { default: amqp } = await import('amqplib')
const { pino } = await import('pino')
const { loadCompanyConfig } = await import('../examples/company/src/shared/config.ts')
const { createPool, ensureSchema, inTransaction } = await import('../examples/company/src/shared/db.ts')
const { assertTopology, topologyNames } = await import('../examples/company/src/shared/topology.ts')
const { CRM_SCHEMA } = await import('../examples/company/src/crm-api/schema.ts')
const { priceOf } = await import('../examples/company/src/shared/catalog.ts')

const cfg = loadCompanyConfig()
const pool = createPool(cfg.databaseUrl)
await ensureSchema(pool, 4201, CRM_SCHEMA)
const topo = topologyNames(cfg.mqPrefix)
const conn = await amqp.connect(cfg.amqpUrl)
const ch = await conn.createConfirmChannel()
await assertTopology(ch, topo)
const customer = await pool.query('INSERT INTO crm.customers (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id', [`bench-${randomUUID()}@example.com`, 'Bench', 'x:y'])
const customerId = Number(customer.rows[0].id)

const logger = beacon?.logger ?? pino({ base: { service: 'crm-api' } }, pino.destination({ dest: '/dev/null', sync: true }))
const app: any = beacon !== undefined
  ? Fastify({ loggerInstance: beacon.logger, disableRequestLogging: true })
  : Fastify({ logger: false })
if (sdk !== undefined && beacon !== undefined) await app.register(sdk.beaconFastify({ logger: beacon.logger, userId: (req: { body?: unknown }) => (req.body as { customerId?: number } | undefined)?.customerId }))
const withOrder = sdk?.withOrder ?? (<T>(_id: string, fn: () => T): T => fn())

const itemSchema = { type: 'object', required: ['sku', 'qty'], properties: { sku: { type: 'string', minLength: 1 }, qty: { type: 'integer', minimum: 1, maximum: 1000 } } }
type OrderRequest = { body: { orderId?: string; customerId: number; items: { sku: string; qty: number }[]; cardLast4?: string } }
app.post('/orders', {
  schema: { body: { type: 'object', required: ['customerId', 'items'], properties: { orderId: { type: 'string', maxLength: 64 }, customerId: { type: 'integer' }, items: { type: 'array', minItems: 1, maxItems: 50, items: itemSchema }, cardLast4: { type: 'string', maxLength: 4 } } } },
}, async (req: OrderRequest, reply: { status(n: number): { send(b: unknown): unknown } }) => {
  const orderId = req.body.orderId ?? `ORD-${randomUUID().slice(0, 8).toUpperCase()}`
  return withOrder(orderId, async () => {
    const { customerId: cid, items } = req.body
    const total = items.reduce((s: number, i: { sku: string; qty: number }) => s + (priceOf(i.sku) ?? 0) * i.qty, 0)
    await inTransaction(pool, async (client) => {
      const exists = await client.query('SELECT 1 FROM crm.customers WHERE id = $1', [cid])
      if (exists.rowCount === 0) throw Object.assign(new Error(`customer ${cid} not found`), { statusCode: 404 })
      await client.query('INSERT INTO crm.orders (id, customer_id, items, total, card_last4) VALUES ($1, $2, $3, $4, $5)', [orderId, cid, JSON.stringify(items), total, req.body.cardLast4 ?? null])
    })
    beacon?.events.orderCreated({ orderId, userId: cid, total, items: items.length })
    const message = { orderId, customerId: cid, items, total, createdAt: new Date().toISOString() }
    ch.publish(topo.exchange, 'order.created', Buffer.from(JSON.stringify(message)), { persistent: true, contentType: 'application/json', messageId: `${orderId}:created`, correlationId: orderId })
    await ch.waitForConfirms()
    logger.info({ 'order.id': orderId, 'messaging.destination.name': topo.exchange }, `order ${orderId} sent to production`)
    return reply.status(201).send({ orderId, status: 'new', total })
  })
})

await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`READY ${(app.server.address() as { port: number }).port} ${customerId}\n`)
process.on('SIGTERM', () => {
  void (async () => {
    await app.close()
    await beacon?.shutdown()
    await conn.close().catch(() => {})
    await pool.end().catch(() => {})
    process.exit(0)
  })()
})
