/**
 * The Fastify plugin end to end on `init()`: one request record per request with its fields (method,
 * route, path, redacted query, status, duration, user and order id from the route, `req.user`,
 * baggage, response body), written in the server span's context; the server span named after the
 * route and tagged with the business keys; a failed request gives its ERROR record and an ERROR span.
 * (init() runs once per process, hence its own file.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { context, SpanStatusCode } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { init } from '../src/init.ts'
import { beaconFastify } from '../src/http/fastify.ts'

test('Fastify plugin: request records and server spans', async () => {
  const exporter = new InMemorySpanExporter()
  const lines: Record<string, any>[] = []
  const beacon = init({
    service: 'fastify-test', stdout: false, handleSignals: false, handleCrashes: false, exportIntervalMs: 20,
    spanExporter: exporter,
    logSend: async (ndjson) => { for (const l of ndjson.trim().split('\n')) lines.push(JSON.parse(l)); return true },
  })
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ loggerInstance: beacon.logger, disableRequestLogging: true })
  await app.register(beaconFastify({ logger: beacon.logger }))
  app.addHook('preHandler', async (req) => { (req as unknown as { user?: { id: number } }).user = req.headers['x-user'] ? { id: Number(req.headers['x-user']) } : undefined })
  app.get('/orders/:id', async () => ({ status: 'shipped' }))
  app.post('/carts', async () => ({ cart: 'c-1' }))
  app.get('/fail', async () => { throw new Error('exploded') })
  // The test's own calls untraced: the fetch instrumentation would put its own traceparent on them.
  const call = (url: string, init?: RequestInit) => context.with(suppressTracing(context.active()), () => fetch(url, init))
  try {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const traceId = 'c'.repeat(32)
    const a = await call(`${base}/orders/ORD-7?token=abcdef123456&page=2`, { headers: { 'x-user': '42', 'user-agent': 'test-agent', traceparent: `00-${traceId}-${'d'.repeat(16)}-01` } })
    assert.equal(a.status, 200)
    await a.text()
    const b = await call(`${base}/carts`, { method: 'POST', headers: { 'content-type': 'application/json', baggage: 'user.id=u-9,order.id=ORD-B' }, body: '{"sku":"P-1","password":"hunter2"}' })
    await b.text()
    const c = await call(`${base}/fail`)
    assert.equal(c.status, 500)
    await c.text()
    await new Promise((r) => setTimeout(r, 30))
    await beacon.flush()

    const spans = exporter.getFinishedSpans()
    const span = (name: string) => { const s = spans.find((x) => x.name === name); assert.ok(s, `${name} among ${spans.map((x) => x.name).join(', ')}`); return s }
    const record = (route: string) => { const r = lines.find((l) => l['http.route'] === route && l.level === 'info'); assert.ok(r, `record of ${route}`); return r }

    const orderSpan = span('GET /orders/:id')
    assert.equal(orderSpan.spanContext().traceId, traceId)
    assert.equal(orderSpan.attributes['http.route'], '/orders/:id')
    assert.equal(orderSpan.attributes['order.id'], 'ORD-7')
    assert.equal(orderSpan.attributes['user.id'], '42')
    const ra = record('/orders/:id')
    assert.equal(ra.msg.replace(/ [\d.]+ms$/, ''), 'GET /orders/:id 200')
    assert.equal(ra.service, 'fastify-test')
    assert.equal(ra['http.request.method'], 'GET')
    assert.equal(ra['url.path'], '/orders/ORD-7')
    assert.equal(ra['url.query'], 'token=[REDACTED]&page=2')
    assert.equal(ra['http.response.status_code'], 200)
    assert.equal(typeof ra['http.server.request.duration_ms'], 'number')
    assert.equal(ra['client.address'], '127.0.0.1')
    assert.equal(ra['user_agent.original'], 'test-agent')
    assert.equal(ra['user.id'], '42')
    assert.equal(ra['order.id'], 'ORD-7')
    assert.equal(ra['http.response.body.content'], '{"status":"shipped"}')
    assert.equal(ra['http.response.body.size'], 20)
    assert.equal(ra.trace_id, traceId)
    assert.equal(ra.span_id, orderSpan.spanContext().spanId)

    const rb = record('/carts')
    assert.equal(rb['user.id'], 'u-9', 'the baggage\'s user id')
    assert.equal(rb['order.id'], 'ORD-B', 'the baggage\'s order id')
    assert.equal(rb['http.request.body.content'], '{"sku":"P-1","password":"[REDACTED]"}')
    assert.match(rb['http.request.body.hash'], /^[0-9a-f]{16}$/)
    assert.equal(rb['http.request.body.size'], 34)
    const cartSpan = span('POST /carts')
    assert.equal(cartSpan.attributes['order.id'], 'ORD-B')
    assert.equal(rb.span_id, cartSpan.spanContext().spanId)

    const failSpan = span('GET /fail')
    assert.equal(failSpan.status.code, SpanStatusCode.ERROR)
    assert.equal(failSpan.attributes['http.response.status_code'], 500)
    const err = lines.find((l) => l.level === 'error' && l['http.route'] === '/fail')
    assert.ok(err, 'an ERROR record')
    assert.equal(err.err.message, 'exploded')
    assert.equal(record('/fail')['http.response.status_code'], 500)
    assert.ok(!JSON.stringify(lines).includes('hunter2') && !JSON.stringify(lines).includes('abcdef123456'))
  } finally {
    await app.close()
    await beacon.shutdown()
  }
})
