import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { encodeOtlpSpans, linesToSpans, resourceLine, spanLine } from '@beacon/sdk/span-lines'
import { startTestBeacon, type TestBeacon } from '../../testing.ts'

/**
 * `POST /v1/span-lines` on a real Beacon (embedded chDB, auth on): span lines written by the SDK's
 * own `spanLine` from real OpenTelemetry spans, sent as they are and, the same lines, as the SDK's
 * OTLP/JSON export to /v1/traces — both must store the same rows. Then auth, service binding,
 * redaction, retries and bad input.
 */

const MAX_BODY = 256 * 1024
const tb: TestBeacon = await startTestBeacon({ overrides: { 'limits.maxBodyBytes': MAX_BODY } })
after(() => tb.stop())

const key = tb.ingestKey!

function post(body: string | Buffer, opts: { auth?: string; type?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': opts.type ?? 'application/x-ndjson', ...opts.headers }
  const auth = opts.auth ?? `Bearer ${key}`
  if (auth !== '') headers.authorization = auth
  return fetch(`${tb.otlpUrl}/v1/span-lines`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) })
}

/** A server span with a query child (event, link, error status), as the SDK writes them; every span carries `test.case`. */
function spanLines(testCase: string, extra: Record<string, string> = {}): string {
  const lines: string[] = []
  const provider = new BasicTracerProvider({
    spanProcessors: [{ onStart() {}, onEnd: (s: ReadableSpan) => { lines.push(spanLine(s)) }, forceFlush: async () => {}, shutdown: async () => {} }],
  })
  const tracer = provider.getTracer('@beacon/sdk/http-server')
  const root = tracer.startSpan('POST /orders', { kind: SpanKind.SERVER, attributes: { 'test.case': testCase, 'http.request.method': 'POST', 'http.route': '/orders', 'http.response.status_code': 201, 'order.id': 'ORD-77', ...extra } })
  const query = provider.getTracer('@opentelemetry/instrumentation-pg').startSpan('INSERT crm', {
    kind: SpanKind.CLIENT,
    attributes: { 'test.case': testCase, 'db.system': 'postgresql', 'db.statement': 'INSERT INTO orders VALUES ($1) — ünïcödé ✓', rows: 1, tags: ['a', 'b'] },
    links: [{ context: root.spanContext(), attributes: { 'link.kind': 'self' } }],
  }, trace.setSpan(context.active(), root))
  query.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'deadlock' })
  query.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' })
  query.end()
  root.end()
  return lines.join('')
}

async function rows(testCase: string, path?: string): Promise<Record<string, any>[]> {
  await tb.flush()
  return tb.store.query(
    `SELECT * EXCEPT (ResourceAttributes), ResourceAttributes['host.name'] AS host FROM otel_traces
     WHERE SpanAttributes['test.case'] = {c:String} ${path === undefined ? '' : "AND ResourceAttributes['beacon.path'] = {p:String}"} ORDER BY SpanName`,
    { c: testCase, p: path ?? '' })
}

test('span lines store the same rows as the SDK\'s OTLP/JSON export of the same lines to /v1/traces', async () => {
  const lines = spanLines('both-paths')
  const viaLines = await post(resourceLine({ 'service.name': 'shop-api', 'host.name': 'web-1', 'beacon.path': 'lines' }) + lines)
  assert.equal(viaLines.status, 200)
  assert.deepEqual(await viaLines.json(), { accepted: 2, rejected: 0 })
  const otlp = encodeOtlpSpans(linesToSpans(lines), { 'service.name': 'shop-api', 'host.name': 'web-1', 'beacon.path': 'otlp' })!
  const viaOtlp = await fetch(`${tb.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: otlp })
  assert.equal(viaOtlp.status, 200)

  const fromLines = await rows('both-paths', 'lines')
  assert.equal(fromLines.length, 2)
  assert.deepEqual(fromLines, await rows('both-paths', 'otlp'))
  const [query, root] = fromLines
  assert.equal(root.ServiceName, 'shop-api')
  assert.equal(root.SpanKind, 'Server')
  assert.equal(root.OrderId, 'ORD-77')
  assert.equal(root.HttpRoute, '/orders')
  assert.equal(root.host, 'web-1')
  assert.equal(query.ParentSpanId, root.SpanId)
  assert.equal(query.StatusCode, 'Error')
  assert.equal(query.StatusMessage, 'deadlock detected')
  assert.equal(query.ScopeName, '@opentelemetry/instrumentation-pg')
  assert.equal(query.SpanAttributes['db.statement'], 'INSERT INTO orders VALUES ($1) — ünïcödé ✓')
  assert.equal(query.SpanAttributes.tags, '["a","b"]')
  assert.deepEqual(query['Events.Name'], ['exception'])
  assert.deepEqual(query['Links.SpanId'], [root.SpanId])

  // And the trace reads back through the API.
  const t = await tb.api(`/api/traces/${root.TraceId}`)
  assert.equal(t.status, 200, JSON.stringify(t.body))
  assert.ok(JSON.stringify(t.body).includes('INSERT crm'))
})

test('server redaction applies to span attributes sent as lines', async () => {
  assert.equal((await post(resourceLine({ 'service.name': 'shop-api' }) + spanLines('redact', { 'http.request.header.authorization': 'Bearer abcdef0123456789abcdef', note: 'password=hunter2' }))).status, 200)
  const stored = await rows('redact')
  assert.equal(stored.length, 2)
  const text = JSON.stringify(stored)
  assert.ok(!text.includes('hunter2') && !text.includes('abcdef0123456789abcdef'), text)
})

test('a retried request (same body) is stored once; a gzip body is accepted', async () => {
  const body = resourceLine({ 'service.name': 'shop-api' }) + spanLines('retried')
  assert.equal((await post(body)).status, 200)
  assert.equal((await post(body)).status, 200)
  assert.equal((await post(gzipSync(body), { headers: { 'content-encoding': 'gzip' } })).status, 200)
  assert.equal((await rows('retried')).length, 2)
})

test('a line that is not a JSON object or not a span is rejected alone; the rest of the batch is stored', async () => {
  const lines = spanLines('partial').split('\n')
  lines.splice(1, 0, '{"t":"0af7", broken', '[1,2,3]', '{"t":"0af7651916cd43dd8448eb211c80319c","s":"b7ad6b7169203331"}')
  const r = await post(resourceLine({ 'service.name': 'shop-api' }) + lines.join('\n'))
  assert.equal(r.status, 200)
  const answer = await r.json() as { accepted: number; rejected: number; message: string }
  assert.equal(answer.accepted, 2)
  assert.equal(answer.rejected, 3)
  assert.match(answer.message, /^3 lines rejected: line 3: not JSON/)
  assert.equal((await rows('partial')).length, 2)
})

test('credentials: none 401, a read key 403; a key bound to a service writes only that service', async () => {
  const body = resourceLine({ 'service.name': 'shop-api' }) + spanLines('auth')
  assert.equal((await post(body, { auth: '' })).status, 401)
  const read = await tb.api('/api/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'read', name: 'span-reader' }) })
  assert.equal(read.status, 201)
  assert.equal((await post(body, { auth: `Bearer ${read.body.secret}` })).status, 403)

  const bound = await tb.api('/api/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'ingest', service: 'mes-worker', name: 'mes-spans' }) })
  assert.equal(bound.status, 201)
  const other = await post(body, { auth: `Bearer ${bound.body.secret}` })
  assert.equal(other.status, 200)
  assert.deepEqual(await other.json(), { accepted: 0, rejected: 2, message: '2 record(s) rejected: this ingest key may only write service mes-worker' })
  const unnamed = await post(resourceLine({ 'host.name': 'mes-1' }) + spanLines('bound'), { auth: `Bearer ${bound.body.secret}` })
  assert.equal(unnamed.status, 200)
  const stored = await rows('bound')
  assert.equal(stored.length, 2)
  assert.deepEqual([...new Set(stored.map((e) => e.ServiceName))], ['mes-worker'])
  assert.equal((await rows('auth')).length, 0)
})

test('bad input is a clear 4xx and the listener keeps serving', async () => {
  const lines = spanLines('bad')
  const cases: [string, Promise<Response>, number, RegExp][] = [
    ['no resource line', post(lines), 400, /^line 1: the first line must be the resource line/],
    ['not NDJSON', post(`${resourceLine({ 'service.name': 'x' })}hello world\n`), 400, /not NDJSON/],
    ['wrong content type', post(lines, { type: 'application/x-www-form-urlencoded' }), 415, /application\/x-ndjson \(one span line per line/],
    ['not gzip', post('plain', { headers: { 'content-encoding': 'gzip' } }), 400, /not valid gzip/],
    ['too large', post(resourceLine({ 'service.name': 'x' }) + lines.repeat(Math.ceil(MAX_BODY / lines.length) + 1)), 413, /limits\.maxBodyBytes/],
  ]
  for (const [name, pending, status, message] of cases) {
    const r = await pending
    const body = await r.json() as { error: string; message: string }
    assert.equal(r.status, status, `${name}: ${JSON.stringify(body)}`)
    assert.match(body.message, message, name)
    assert.equal(typeof body.error, 'string')
  }
  assert.equal((await post(resourceLine({ 'service.name': 'x' }) + lines)).status, 200)
})
