import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request } from 'node:http'
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { LogShipper } from '../src/logging/shipper.ts'
import { SignalCounter } from '../src/telemetry/bounded.ts'
import { ShippingSpanProcessor } from '../src/telemetry/span-export.ts'
import { linesToOtlpSpans } from '../src/telemetry/span-lines.ts'
import { instrumentHttpServers } from '../src/telemetry/http-server.ts'
import { serverSpanOf } from '../src/telemetry/server-spans.ts'

function setup() {
  const batches: string[] = []
  const counter = new SignalCounter(1000)
  const shipper = new LogShipper({ counter, intervalMs: 10_000, send: async (ndjson) => { batches.push(ndjson); return true } })
  const tp = new BasicTracerProvider({ spanProcessors: [new ShippingSpanProcessor(shipper)] })
  return { batches, counter, shipper, tracer: tp.getTracer('test-scope') }
}

test('spans leave as lines and become an OTLP/JSON request with ids, kind, times, status, attributes, events and links', async () => {
  const { batches, counter, shipper, tracer } = setup()
  const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER })
  const child = tracer.startSpan('child "quoted"', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', n: 3, ratio: 0.5, ok: true, tags: ['a', 'b'] }, links: [{ context: parent.spanContext(), attributes: { why: 'self' } }] },
    trace.setSpan(context.active(), parent))
  child.addEvent('exception', { 'exception.message': 'boom' })
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' })
  child.end()
  parent.end()
  await shipper.flush()
  assert.equal(counter.exported, 2)
  const doc = JSON.parse(linesToOtlpSpans(batches.join(''), { 'service.name': 'svc' })!)
  const rs = doc.resourceSpans[0]
  assert.deepEqual(rs.resource.attributes, [{ key: 'service.name', value: { stringValue: 'svc' } }])
  assert.equal(rs.scopeSpans[0].scope.name, 'test-scope')
  const [c, p] = rs.scopeSpans[0].spans
  assert.equal(c.name, 'child "quoted"')
  assert.equal(c.kind, 3) // OTLP SPAN_KIND_CLIENT
  assert.equal(p.kind, 2) // OTLP SPAN_KIND_SERVER
  assert.equal(c.traceId, parent.spanContext().traceId)
  assert.equal(c.parentSpanId, parent.spanContext().spanId)
  assert.equal(p.parentSpanId, undefined)
  assert.match(c.startTimeUnixNano, /^\d{19}$/)
  assert.ok(BigInt(c.endTimeUnixNano) >= BigInt(c.startTimeUnixNano))
  assert.deepEqual(c.status, { code: 2, message: 'failed' })
  const attr = Object.fromEntries(c.attributes.map((a: { key: string; value: unknown }) => [a.key, a.value]))
  assert.deepEqual(attr['db.system'], { stringValue: 'postgresql' })
  assert.deepEqual(attr.n, { intValue: 3 })
  assert.deepEqual(attr.ratio, { doubleValue: 0.5 })
  assert.deepEqual(attr.ok, { boolValue: true })
  assert.deepEqual(attr.tags, { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } })
  assert.equal(c.events[0].name, 'exception')
  assert.deepEqual(c.events[0].attributes, [{ key: 'exception.message', value: { stringValue: 'boom' } }])
  assert.equal(c.links[0].spanId, parent.spanContext().spanId)
})

test('unsampled spans are not shipped; a full buffer drops and counts', async () => {
  const batches: string[] = []
  const counter = new SignalCounter(2)
  const shipper = new LogShipper({ counter, intervalMs: 10_000, send: async (ndjson) => { batches.push(ndjson); return true } })
  const tracer = new BasicTracerProvider({ spanProcessors: [new ShippingSpanProcessor(shipper)] }).getTracer('t')
  for (let i = 0; i < 5; i++) tracer.startSpan(`s${i}`).end()
  const unsampled = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 0 })
  tracer.startSpan('child of unsampled', {}, trace.setSpan(context.active(), unsampled)).end()
  await shipper.flush()
  assert.equal(counter.exported, 2)
  assert.equal(counter.dropped, 3)
  assert.equal(batches.join('').trim().split('\n').length, 2)
})

test('the SDK\'s HTTP server span continues the caller\'s trace, carries baggage context and ends with the status', async () => {
  const cm = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(cm)
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  const { batches, shipper, tracer } = setup()
  const undo = instrumentHttpServers(tracer)
  let activeInHandler: string | undefined
  let remembered = false
  const server = createServer((req, res) => {
    remembered = serverSpanOf(req) !== undefined
    setImmediate(() => {
      activeInHandler = trace.getActiveSpan()?.spanContext().spanId
      res.statusCode = 503
      res.end('no')
    })
  })
  try {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    const traceId = 'a'.repeat(32)
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/orders/7?token=secret', headers: { traceparent: `00-${traceId}-${'b'.repeat(16)}-01`, 'user-agent': 'test-agent' } }, (res) => { res.resume(); res.on('end', resolve) })
      req.on('error', reject)
      req.end()
    })
    await new Promise((r) => setTimeout(r, 20))
    await shipper.flush()
    const span = JSON.parse(linesToOtlpSpans(batches.join(''), {})!).resourceSpans[0].scopeSpans[0].spans[0]
    assert.equal(span.traceId, traceId)
    assert.equal(span.parentSpanId, 'b'.repeat(16))
    assert.equal(span.kind, 2)
    assert.equal(span.spanId, activeInHandler, 'the handler runs in the server span')
    assert.ok(remembered, 'the span is remembered for request logging')
    const attr = Object.fromEntries(span.attributes.map((a: { key: string; value: Record<string, unknown> }) => [a.key, Object.values(a.value)[0]]))
    assert.equal(attr['http.request.method'], 'GET')
    assert.equal(attr['url.path'], '/orders/7')
    assert.equal(attr['user_agent.original'], 'test-agent')
    assert.equal(attr['http.response.status_code'], 503)
    assert.ok(!JSON.stringify(span).includes('secret'), 'no query string on the span')
    assert.equal(span.status.code, 2)
  } finally {
    undo()
    server.close()
    cm.disable()
    context.disable()
    propagation.disable()
  }
})
