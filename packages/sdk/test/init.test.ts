/**
 * `init()` end to end in one process, on the SDK's lean tracer: the HTTP server span continues the
 * caller's trace and takes business keys from its baggage, child spans join it, slow and failed
 * query spans give log records in the query span's context, every span reaches the exporter and is
 * counted. (init() runs once per process, hence its own file.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request } from 'node:http'
import { SpanStatusCode, trace } from '@opentelemetry/api'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { init } from '../src/init.ts'

test('init(): server span from traceparent + baggage, child spans, slow/failed query records, export counted', async () => {
  const exporter = new InMemorySpanExporter()
  const lines: Record<string, any>[] = []
  const beacon = init({
    service: 'init-test', stdout: false, handleSignals: false, handleCrashes: false, slowQueryMs: 5, exportIntervalMs: 20,
    spanExporter: exporter,
    logSend: async (ndjson) => { for (const l of ndjson.trim().split('\n')) lines.push(JSON.parse(l)); return true },
  })
  const server = createServer((_req, res) => {
    const tracer = trace.getTracer('app')
    const slow = tracer.startSpan('SELECT', { attributes: { 'db.system.name': 'postgresql', 'db.query.text': "select * from orders where id = 'ORD-1' and n = 5" } })
    setTimeout(() => {
      slow.end()
      const failed = tracer.startSpan('INSERT', { attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'insert into t values ($1)' } })
      failed.recordException(Object.assign(new Error('duplicate key'), { name: 'DatabaseError' }))
      failed.setStatus({ code: SpanStatusCode.ERROR, message: 'duplicate key' })
      failed.end()
      res.end('ok')
    }, 15)
  })
  try {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    const traceId = 'a'.repeat(32)
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/orders', headers: { traceparent: `00-${traceId}-${'b'.repeat(16)}-01`, baggage: 'order.id=ORD-1,user.id=u-9' } }, (res) => { res.resume(); res.on('end', resolve) })
      req.on('error', reject)
      req.end()
    })
    await new Promise((r) => setTimeout(r, 20))
    await beacon.flush()
    const spans = exporter.getFinishedSpans()
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]))
    const srv = byName.GET!
    assert.ok(srv, `server span among ${spans.map((s) => s.name).join(', ')}`)
    assert.equal(srv.spanContext().traceId, traceId)
    assert.equal(srv.parentSpanContext?.spanId, 'b'.repeat(16))
    assert.equal(srv.attributes['order.id'], 'ORD-1')
    assert.equal(srv.attributes['user.id'], 'u-9')
    assert.equal(srv.attributes['http.response.status_code'], 200)
    for (const name of ['SELECT', 'INSERT']) {
      assert.equal(byName[name]!.spanContext().traceId, traceId)
      assert.equal(byName[name]!.parentSpanContext?.spanId, srv.spanContext().spanId, `${name} is the server span's child`)
      assert.equal(byName[name]!.attributes['order.id'], 'ORD-1')
    }
    const slow = lines.find((l) => /slow query/.test(l.msg))
    assert.ok(slow, 'a slow-query record')
    assert.equal(slow['db.query.text'], 'select * from orders where id = ? and n = ?')
    assert.equal(slow.span_id, byName.SELECT!.spanContext().spanId)
    assert.equal(slow.trace_id, traceId)
    const failed = lines.find((l) => /query failed/.test(l.msg))
    assert.ok(failed, 'a failed-query record')
    assert.equal(failed['error.type'], 'DatabaseError')
    assert.equal(failed.span_id, byName.INSERT!.spanContext().spanId)
    assert.equal(beacon.stats().spans.exported, 3)
    assert.equal(beacon.stats().spans.pending, 0)
  } finally {
    server.close()
    await beacon.shutdown()
  }
})
