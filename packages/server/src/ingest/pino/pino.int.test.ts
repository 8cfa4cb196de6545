import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { createLogger } from '@beacon/sdk'
import { encodeOtlpLogs, linesToRecords, resourceLine } from '@beacon/sdk/pino-lines'
import { startTestBeacon, type TestBeacon } from '../../testing.ts'

/**
 * `POST /v1/pino-lines` on a real Beacon (embedded chDB, auth on): real pino output sent as it is
 * and, the same lines, as the SDK's OTLP/JSON export to /v1/logs — both read back through the
 * search API must give the same events. Then auth, service binding, redaction, retries and bad input.
 */

const MAX_BODY = 256 * 1024
const tb: TestBeacon = await startTestBeacon({ overrides: { 'limits.maxBodyBytes': MAX_BODY } })
after(() => tb.stop())

const key = tb.ingestKey!
const scope = { name: '@beacon/sdk' }

function post(body: string | Buffer, opts: { auth?: string; type?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': opts.type ?? 'application/x-ndjson', ...opts.headers }
  const auth = opts.auth ?? `Bearer ${key}`
  if (auth !== '') headers.authorization = auth
  return fetch(`${tb.otlpUrl}/v1/pino-lines`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) })
}

/** Real pino output: the SDK's logger writing into an array; every line carries `test.case`. */
function pinoLines(testCase: string): string {
  const lines: string[] = []
  const log = createLogger({ service: 'shop-api', level: 'debug', stdout: false, bindings: { 'test.case': testCase }, destination: { write: (s: string) => { lines.push(s) } } })
  const traced = log.child({ trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: 1 })
  log.info({ 'order.id': 'ORD-77', total: 123.5, paid: true }, 'order placed')
  traced.warn({ http: { request: { method: 'POST' }, response: { status_code: 502 } }, tags: ['a', 'b'] }, 'upstream slow')
  log.error({ err: Object.assign(new TypeError('card declined'), { code: 'E_CARD' }) }, 'payment failed')
  log.debug({ user: { id: 7, name: 'Zoë ✓' } }, 'ünïcödé message ✓')
  return lines.join('')
}

async function search(q: string): Promise<Record<string, any>[]> {
  await tb.flush()
  const r = await tb.api(`/api/search?from=now-1h&limit=100&q=${encodeURIComponent(q)}`)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.events
}

test('pino lines read back through the search API as the same events as the SDK\'s OTLP export of the same lines', async () => {
  const lines = pinoLines('both-paths')
  const viaLines = await post(resourceLine({ 'service.name': 'shop-api', 'host.name': 'web-1', 'beacon.path': 'lines' }, scope) + lines)
  assert.equal(viaLines.status, 200)
  assert.deepEqual(await viaLines.json(), { accepted: 4, rejected: 0 })
  const otlp = encodeOtlpLogs(linesToRecords(lines), { 'service.name': 'shop-api', 'host.name': 'web-1', 'beacon.path': 'otlp' }, scope)
  const viaOtlp = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: otlp })
  assert.equal(viaOtlp.status, 200)

  const events = await search('test.case:both-paths')
  assert.equal(events.length, 8)
  // Each event without its id and the resource attribute telling the paths apart.
  const comparable = (path: string) => events.filter((e) => JSON.stringify(e).includes(`"${path}"`)).map((e) => {
    const copy = JSON.parse(JSON.stringify(e).replaceAll(`"${path}"`, '"-"'))
    delete copy.id
    return copy
  }).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  const fromLines = comparable('lines')
  assert.equal(fromLines.length, 4)
  assert.deepEqual(fromLines, comparable('otlp'))

  const text = JSON.stringify(events)
  for (const expected of ['ORD-77', 'card declined', 'E_CARD', 'Zoë ✓', 'ünïcödé message ✓', '0af7651916cd43dd8448eb211c80319c', 'http.response.status_code']) {
    assert.ok(text.includes(expected), `${expected} in ${text.slice(0, 2000)}`)
  }
  const stored = await tb.store.query(
    `SELECT ServiceName, Body, TraceId, SpanId, SeverityText, SeverityNumber, ScopeName, LogAttributes, ResourceAttributes
     FROM otel_logs WHERE LogAttributes['test.case'] = 'both-paths' AND ResourceAttributes['beacon.path'] = 'lines' ORDER BY Timestamp`)
  const warn = stored.find((r: any) => r.Body === 'upstream slow') as Record<string, any>
  assert.equal(warn.ServiceName, 'shop-api')
  assert.equal(warn.SeverityText, 'WARN')
  assert.equal(warn.SeverityNumber, 13)
  assert.equal(warn.TraceId, '0af7651916cd43dd8448eb211c80319c')
  assert.equal(warn.SpanId, 'b7ad6b7169203331')
  assert.equal(warn.ScopeName, '@beacon/sdk')
  assert.equal(warn.LogAttributes['http.response.status_code'], '502')
  assert.equal(warn.LogAttributes.tags, '["a","b"]')
  assert.equal(warn.ResourceAttributes['host.name'], 'web-1')
  const failed = stored.find((r: any) => r.Body === 'payment failed') as Record<string, any>
  assert.equal(failed.LogAttributes['exception.type'], 'TypeError')
  assert.match(failed.LogAttributes['exception.stacktrace'], /^TypeError: card declined/)
})

test('server redaction applies on top of the SDK\'s', async () => {
  // Written without the SDK's logger (no redaction at source): the server's rules still apply.
  const line = `{"level":"info","time":${Date.now()},"msg":"login with password=hunter2 ok","test.case":"redact","api_key":"abcdef0123456789"}\n`
  assert.equal((await post(resourceLine({ 'service.name': 'shop-api' }) + line)).status, 200)
  const [e] = await search('test.case:redact')
  assert.ok(e, 'stored')
  assert.ok(!JSON.stringify(e).includes('hunter2') && !JSON.stringify(e).includes('abcdef0123456789'), JSON.stringify(e))
})

test('a retried request (same body) is stored once; a gzip body is accepted', async () => {
  const body = resourceLine({ 'service.name': 'shop-api' }) + pinoLines('retried')
  assert.equal((await post(body)).status, 200)
  assert.equal((await post(body)).status, 200)
  assert.equal((await post(gzipSync(body), { headers: { 'content-encoding': 'gzip' } })).status, 200)
  assert.equal((await search('test.case:retried')).length, 4)
})

test('a line that is not a JSON object is rejected alone; the rest of the batch is stored', async () => {
  const lines = pinoLines('partial').split('\n')
  lines.splice(2, 0, '{"level":"info", broken', '[1,2,3]')
  const r = await post(resourceLine({ 'service.name': 'shop-api' }) + lines.join('\n'))
  assert.equal(r.status, 200)
  const answer = await r.json() as { accepted: number; rejected: number; message: string }
  assert.equal(answer.accepted, 4)
  assert.equal(answer.rejected, 2)
  assert.match(answer.message, /^2 lines rejected: line 4: not JSON/)
  assert.equal((await search('test.case:partial')).length, 4)
})

test('credentials: none 401, a read key 403; a key bound to a service writes only that service', async () => {
  const body = resourceLine({ 'service.name': 'shop-api' }) + pinoLines('auth')
  assert.equal((await post(body, { auth: '' })).status, 401)
  const read = await tb.api('/api/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'read', name: 'reader' }) })
  assert.equal(read.status, 201)
  assert.equal((await post(body, { auth: `Bearer ${read.body.secret}` })).status, 403)

  const bound = await tb.api('/api/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'ingest', service: 'mes-worker', name: 'mes' }) })
  assert.equal(bound.status, 201)
  const other = await post(body, { auth: `Bearer ${bound.body.secret}` })
  assert.equal(other.status, 200)
  assert.deepEqual(await other.json(), { accepted: 0, rejected: 4, message: '4 record(s) rejected: this ingest key may only write service mes-worker' })
  const unnamed = await post(resourceLine({ 'host.name': 'mes-1' }) + pinoLines('bound'), { auth: `Bearer ${bound.body.secret}` })
  assert.equal(unnamed.status, 200)
  const events = await search('test.case:bound')
  assert.equal(events.length, 4)
  assert.deepEqual([...new Set(events.map((e) => e.service))], ['mes-worker'])
  assert.equal((await search('test.case:auth')).length, 0)
})

test('bad input is a clear 4xx and the listener keeps serving', async () => {
  const lines = pinoLines('bad')
  const cases: [string, Promise<Response>, number, RegExp][] = [
    ['no resource line', post(lines), 400, /^line 1: the first line must be the resource line/],
    ['not NDJSON', post(`${resourceLine({ 'service.name': 'x' })}hello world\n`), 400, /not NDJSON/],
    ['wrong content type', post(lines, { type: 'application/x-www-form-urlencoded' }), 415, /application\/x-ndjson/],
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
