import { test } from 'node:test'
import assert from 'node:assert/strict'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { encodeOtlpSpans, linesToSpans, resourceLine, spanLine } from '@beacon/sdk/span-lines'
import { decodeTraces } from '../otlp/decode.ts'
import { DEFAULT_LIMITS, limits, sdkSpans, serializeSpans } from '../otlp/test-utils.ts'
import { decodeSpanLines } from './decode.ts'

const opts = { limits: DEFAULT_LIMITS }
const resource = { 'service.name': 'shop-api', 'service.version': '1.4.0', 'host.name': 'web-1', 'process.pid': 4242 }
const plain = (x: unknown) => JSON.parse(JSON.stringify(x))

/** Real spans from the OpenTelemetry SDK, as the Beacon SDK's span processor writes them. */
function spanLines(): string {
  const lines: string[] = []
  const provider = new BasicTracerProvider({
    spanProcessors: [{ onStart() {}, onEnd: (s: ReadableSpan) => { lines.push(spanLine(s)) }, forceFlush: async () => {}, shutdown: async () => {} }],
  })
  const tracer = provider.getTracer('@beacon/sdk/http-server')
  const root = tracer.startSpan('POST /orders', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': '/orders', 'http.response.status_code': 201, 'order.id': 'ORD-1' } })
  const ctx = trace.setSpan(context.active(), root)
  const query = provider.getTracer('@opentelemetry/instrumentation-pg').startSpan('INSERT crm', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system': 'postgresql', 'db.statement': 'INSERT INTO orders VALUES ($1) — ünïcödé ✓', ratio: 0.25, ok: true, tags: ['a', 'b'], nums: [1, 2.5], flags: [true, false], empty: [] },
    links: [{ context: root.spanContext(), attributes: { 'link.kind': 'self' } }],
  }, ctx)
  query.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'deadlock' })
  query.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' })
  query.end()
  root.setStatus({ code: SpanStatusCode.OK })
  root.end()
  return lines.join('')
}

test('span lines give the same spans as the SDK\'s OTLP/JSON export of the same lines', () => {
  const lines = spanLines()
  const viaLines = decodeSpanLines(Buffer.from(resourceLine(resource) + lines), opts)
  const viaOtlp = decodeTraces('json', Buffer.from(encodeOtlpSpans(linesToSpans(lines), resource)!), opts)
  assert.ok(viaLines.ok && viaOtlp.ok)
  assert.equal(viaLines.records.length, 2)
  assert.equal(viaLines.rejected, 0)
  // Attribute maps differ only by their (key-less) prototype object; compare as plain data.
  assert.deepEqual(plain(viaLines.records), plain(viaOtlp.records))
  const [query, root] = viaLines.records
  assert.equal(root.serviceName, 'shop-api')
  assert.equal(root.kind, 'Server')
  assert.equal(root.statusCode, 'Ok')
  assert.equal(root.parentSpanId, '')
  assert.equal(root.attributes['http.response.status_code'], '201')
  assert.equal(root.resource['process.pid'], '4242')
  assert.equal(root.scopeName, '@beacon/sdk/http-server')
  assert.equal(query.parentSpanId, root.spanId)
  assert.equal(query.traceId, root.traceId)
  assert.equal(query.kind, 'Client')
  assert.equal(query.statusCode, 'Error')
  assert.equal(query.statusMessage, 'deadlock detected')
  assert.equal(query.scopeName, '@opentelemetry/instrumentation-pg')
  assert.deepEqual(plain(query.attributes), {
    'db.system': 'postgresql', 'db.statement': 'INSERT INTO orders VALUES ($1) — ünïcödé ✓', ratio: '0.25', ok: 'true',
    tags: '["a","b"]', nums: '[1,2.5]', flags: '[true,false]', empty: '[]',
  })
  assert.equal(query.events[0].name, 'exception')
  assert.equal(query.events[0].attributes['exception.message'], 'deadlock')
  assert.deepEqual(plain(query.links), [{ traceId: root.traceId, spanId: root.spanId, traceState: '', attributes: { 'link.kind': 'self' } }])
  assert.match(query.durationNano, /^\d+$/)
})

test('span lines give the same spans as the official OpenTelemetry OTLP/JSON serializer (but the scope version, not in a line)', async () => {
  const spans = await sdkSpans(4)
  const viaLines = decodeSpanLines(Buffer.from(resourceLine({ 'service.name': 'shop-api' }) + spans.map(spanLine).join('')), opts)
  const viaOtel = decodeTraces('json', serializeSpans('json', spans), opts)
  assert.ok(viaLines.ok && viaOtel.ok)
  assert.equal(viaLines.records.length, 4)
  const comparable = (records: object[]) => plain(records).map((r: Record<string, unknown>) => ({ ...r, scopeVersion: '-', resource: '-' }))
  assert.deepEqual(comparable(viaLines.records), comparable(viaOtel.records))
})

test('the server\'s limits apply as on the OTLP receiver', () => {
  const small = { limits: limits({ maxAttributes: 3, maxAttributeValueBytes: 30 }) }
  const lines = spanLines()
  const viaLines = decodeSpanLines(Buffer.from(resourceLine(resource) + lines), small)
  const viaOtlp = decodeTraces('json', Buffer.from(encodeOtlpSpans(linesToSpans(lines), resource)!), small)
  assert.ok(viaLines.ok && viaOtlp.ok)
  assert.deepEqual(plain(viaLines.records), plain(viaOtlp.records))
  assert.equal(viaLines.records[0].attributes['beacon.truncated'], 'attributes')
  assert.match(viaLines.records[0].attributes['db.statement'], /…\[truncated\]$/)
})

test('a line that is not a JSON object, or not a span, is rejected alone, named by its line number; the others are kept', () => {
  const [one, two] = spanLines().split('\n')
  const noIds = JSON.stringify({ ...JSON.parse(one), t: '00000000000000000000000000000000' })
  const noStart = JSON.stringify({ ...JSON.parse(one), b: 'yesterday' })
  const body = `${resourceLine(resource)}${one}\n{"t":"x", oops}\r\n\n[1,2]\n${noIds}\n${noStart}\n${two}`
  const r = decodeSpanLines(Buffer.from(body), opts)
  assert.ok(r.ok)
  assert.deepEqual(r.records.map((x) => x.name), ['INSERT crm', 'POST /orders'])
  assert.equal(r.rejected, 4)
  assert.match(r.rejectionMessage!, /^4 lines rejected: line 3: not JSON .*\(first of these errors\)$/)
  const alone = (line: string) => (decodeSpanLines(Buffer.from(`${resourceLine(resource)}${line}\n`), opts) as { rejectionMessage: string }).rejectionMessage
  assert.match(alone('[1,2]'), /^1 line rejected: line 2: expected a JSON object, found an array$/)
  assert.match(alone(noIds), /^1 line rejected: line 2: t \(trace id\) "0+" is not 32 lowercase hex digits/)
  assert.match(alone(noStart), /^1 line rejected: line 2: b \(start\) "yesterday" is not \[seconds, nanoseconds\]/)
})

test('a body without a resource line, or with no JSON line at all, is undecodable', () => {
  const noResource = decodeSpanLines(Buffer.from(spanLines()), opts)
  assert.equal(noResource.ok, false)
  assert.match((noResource as { message: string }).message, /^line 1: the first line must be the resource line/)
  const notJson = decodeSpanLines(Buffer.from('span=1\n'), opts)
  assert.match((notJson as { message: string }).message, /^line 1: .*it is not JSON/)
  const noLines = decodeSpanLines(Buffer.from(`${resourceLine(resource)}plain text\nmore text\n`), opts)
  assert.equal(noLines.ok, false)
  assert.match((noLines as { message: string }).message, /^the body is not NDJSON: no line after the resource line is valid JSON \(line 2: /)
})

test('an empty body, or a resource line alone, is an empty success', () => {
  assert.deepEqual(decodeSpanLines(Buffer.alloc(0), opts), { ok: true, records: [], rejected: 0 })
  assert.deepEqual(decodeSpanLines(Buffer.from(resourceLine(resource)), opts), { ok: true, records: [], rejected: 0 })
})
