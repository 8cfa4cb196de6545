import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger } from '@beacon/sdk'
import { encodeOtlpLogs, linesToRecords, resourceLine } from '@beacon/sdk/pino-lines'
import { decodeLogs } from '../otlp/decode.ts'
import { DEFAULT_LIMITS, limits } from '../otlp/test-utils.ts'
import { decodePinoLines } from './decode.ts'

const opts = { limits: DEFAULT_LIMITS }
const resource = { 'service.name': 'shop-api', 'service.version': '1.4.0', 'host.name': 'web-1', 'process.pid': 4242 }
const scope = { name: '@beacon/sdk' }

/** Real pino output: the SDK's logger writing into an array. */
function pinoLines(): string {
  const lines: string[] = []
  const log = createLogger({ service: 'shop-api', level: 'trace', stdout: false, destination: { write: (s: string) => { lines.push(s) } } })
  const traced = log.child({ trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: 1 })
  log.info({ 'order.id': 'ORD-1', total: 123.5, items: 2, paid: true }, 'order placed')
  traced.warn({ http: { request: { method: 'POST' }, response: { status_code: 502 } }, tags: ['a', 'b'] }, 'upstream slow')
  log.error({ err: Object.assign(new TypeError('card declined'), { code: 'E_CARD' }) }, 'payment failed')
  log.error(new Error('bare error'))
  log.debug({ deep: { a: { b: { c: { d: { e: { f: 1 } } } } } }, big: 'x'.repeat(9000), nothing: null }, 'deep and long')
  log.fatal({ user: { id: 7, name: 'Zoë ✓' } }, 'ünïcödé message ✓')
  log.trace('no fields at all')
  return lines.join('')
}

test('pino lines give the same records as the SDK\'s OTLP/JSON export of the same lines', () => {
  const lines = pinoLines()
  const viaLines = decodePinoLines(Buffer.from(resourceLine(resource, scope) + lines), opts)
  const viaOtlp = decodeLogs('json', Buffer.from(encodeOtlpLogs(linesToRecords(lines), resource, scope)), opts)
  assert.ok(viaLines.ok && viaOtlp.ok)
  assert.equal(viaLines.records.length, 7)
  assert.equal(viaLines.rejected, 0)
  // Attribute maps differ only by their (key-less) prototype object; compare as plain data.
  assert.deepEqual(JSON.parse(JSON.stringify(viaLines.records)), JSON.parse(JSON.stringify(viaOtlp.records)))
  const [placed, slow, failed, bare] = viaLines.records
  assert.equal(placed.serviceName, 'shop-api')
  assert.equal(placed.severityText, 'INFO')
  assert.equal(placed.body, 'order placed')
  assert.equal(placed.attributes['order.id'], 'ORD-1')
  assert.equal(placed.attributes.total, '123.5')
  assert.equal(placed.resource['process.pid'], '4242')
  assert.equal(placed.scopeName, '@beacon/sdk')
  assert.equal(slow.traceId, '0af7651916cd43dd8448eb211c80319c')
  assert.equal(slow.spanId, 'b7ad6b7169203331')
  assert.equal(slow.attributes['http.response.status_code'], '502')
  assert.equal(failed.attributes['exception.type'], 'TypeError')
  assert.equal(failed.attributes['error.code'], 'E_CARD')
  assert.match(failed.attributes['exception.stacktrace'], /^TypeError: card declined/)
  assert.equal(bare.body, 'bare error')
})

test('the server\'s limits apply as on the OTLP receiver', () => {
  const small = { limits: limits({ maxAttributes: 3, maxAttributeValueBytes: 30, maxBodyFieldBytes: 20 }) }
  const lines = pinoLines()
  const viaLines = decodePinoLines(Buffer.from(resourceLine(resource, scope) + lines), small)
  const viaOtlp = decodeLogs('json', Buffer.from(encodeOtlpLogs(linesToRecords(lines), resource, scope)), small)
  assert.ok(viaLines.ok && viaOtlp.ok)
  assert.deepEqual(JSON.parse(JSON.stringify(viaLines.records)), JSON.parse(JSON.stringify(viaOtlp.records)))
  assert.equal(viaLines.records[0].attributes['beacon.truncated'], 'attributes')
  assert.match(viaLines.records[5].body, /…\[truncated\]$/)
})

test('a line that is not a JSON object is rejected alone, named by its line number; the others are kept', () => {
  const body = `${resourceLine(resource)}{"level":"info","time":1764460000000,"msg":"one"}\n{"level":"info", oops}\r\n\n[1,2]\n{"level":"warn","time":1764460000001,"msg":"two"}`
  const r = decodePinoLines(Buffer.from(body), opts)
  assert.ok(r.ok)
  assert.deepEqual(r.records.map((x) => [x.body, x.severityText, x.timeUnixNano]), [['one', 'INFO', '1764460000000000000'], ['two', 'WARN', '1764460000001000000']])
  assert.equal(r.rejected, 2)
  assert.match(r.rejectionMessage!, /^2 lines rejected: line 3: not JSON .*\(first of these errors\)$/)
})

test('a body without a resource line, or with no JSON line at all, is undecodable', () => {
  const noResource = decodePinoLines(Buffer.from('{"level":"info","time":1,"msg":"x"}\n'), opts)
  assert.equal(noResource.ok, false)
  assert.match((noResource as { message: string }).message, /^line 1: the first line must be the resource line/)
  const notJson = decodePinoLines(Buffer.from('level=info msg=hello\n'), opts)
  assert.match((notJson as { message: string }).message, /^line 1: .*it is not JSON/)
  const noLines = decodePinoLines(Buffer.from(`${resourceLine(resource)}plain text\nmore text\n`), opts)
  assert.equal(noLines.ok, false)
  assert.match((noLines as { message: string }).message, /^the body is not NDJSON: no line after the resource line is valid JSON \(line 2: /)
})

test('an empty body, or a resource line alone, is an empty success', () => {
  assert.deepEqual(decodePinoLines(Buffer.alloc(0), opts), { ok: true, records: [], rejected: 0 })
  assert.deepEqual(decodePinoLines(Buffer.from(resourceLine(resource)), opts), { ok: true, records: [], rejected: 0 })
})

test('a time that is not ms since the epoch rejects the line', () => {
  const r = decodePinoLines(Buffer.from(`${resourceLine(resource)}{"level":"info","time":-5,"msg":"x"}\n{"level":"info","time":1764460000000,"msg":"y"}\n`), opts)
  assert.ok(r.ok)
  assert.equal(r.records.length, 1)
  assert.match(r.rejectionMessage!, /line 2: time -5 is not a time in ms since the epoch/)
})
