import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { LogRecord } from '../../pipeline/record.ts'
import { DecodeState, type DecodeResult } from './fields.ts'
import { parseOtlpJson } from './json-common.ts'
import { decodeLogsJson } from './json-logs.ts'
import { scanLogsJson } from './json-scan.ts'
import { limits, realisticLog, sdkLogs, serializeLogs } from './test-utils.ts'

/**
 * The one-pass scanner against JSON.parse + decodeLogsJson: wherever the scanner answers, the two
 * give the same result (records, attribute maps and their key order, rejections); on anything
 * outside its shape it gives up, and the decoder's answer (or 400) stands.
 */

const LIMITS = limits({ maxAttributes: 8, maxAttributeValueBytes: 40, maxBodyFieldBytes: 120, maxDepth: 3 })
const NOW = '1700000000000000000'

function parsed(body: Buffer): DecodeResult<LogRecord> {
  const doc = parseOtlpJson(body)
  return doc.ok ? decodeLogsJson(doc.value, new DecodeState(LIMITS, NOW)) : doc
}

function scanned(body: Buffer): DecodeResult<LogRecord> | undefined {
  return scanLogsJson(body, new DecodeState(LIMITS, NOW))
}

/** The scanner's answer, which must be the decoder's; undefined when it gave up. */
function agree(body: Buffer, what: string): DecodeResult<LogRecord> | undefined {
  const s = scanned(body)
  if (s !== undefined) assert.deepStrictEqual(s, parsed(body), `${what}: ${body.toString().slice(0, 300)}`)
  return s
}

const kv = (key: string, value: unknown): unknown => ({ key, value })
const doc = (records: unknown[], resource: unknown[] = [kv('service.name', { stringValue: 'shop-api' })]): unknown => ({
  resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope: { name: 'lib', version: '1.0' }, logRecords: records }] }],
})
const log = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  timeUnixNano: '1700000000123456789', severityNumber: 9, severityText: 'INFO', body: { stringValue: 'GET /orders 200' },
  traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174',
  attributes: [kv('http.route', { stringValue: '/orders' }), kv('http.response.status_code', { intValue: '200' })], ...extra,
})
const json = (v: unknown, space?: number): Buffer => Buffer.from(JSON.stringify(v, null, space))

test('answers for what the OpenTelemetry JSON serializer sends, with the decoder\'s records', async () => {
  const logs = await sdkLogs([
    ...Array.from({ length: 20 }, (_, i) => realisticLog(i)),
    { body: 'plain' }, { body: 'ünïcödé — 日本語 "quoted" \\ back\nslash\ttab', severityText: 'warn' },
    { body: { msg: 'hi', n: 3 } }, { body: 42 }, { body: true }, { attributes: { big: 2 ** 53 + 2, dbl: 1.5, neg: -7, bool: false } },
  ], 'shop-api', { 'deployment.environment': 'prod' })
  const r = agree(serializeLogs('json', logs), 'SDK payload')
  assert.ok(r?.ok)
  assert.equal(r.records.length, 26)
})

test('kvlist, array, bytes and odd AnyValues are the decoder\'s, parsed on their own', () => {
  const values = [
    { kvlistValue: { values: [kv('b', { stringValue: 'c' }), kv('d', { kvlistValue: { values: [kv('e', { intValue: 1 })] } })] } },
    { arrayValue: { values: [{ stringValue: 'é"' }, { intValue: '7' }, { kvlistValue: { values: [] } }] } }, { bytesValue: 'AAEC' },
    { kvlistValue: { values: [kv('f', { kvlistValue: { values: [kv('g', { kvlistValue: { values: [kv('h', { boolValue: true })] } })] } })] } },
    {}, { stringValue: 'a', intValue: 1 }, { string_value: 'snake' }, { stringValue: { nested: true } }, { kvlistValue: null },
  ]
  const r = agree(json(doc(values.map((v) => log({ body: v, attributes: [kv('a', v), kv('a.b', { stringValue: 'x' })] })))), 'AnyValues')
  assert.ok(r?.ok)
  assert.equal(r.records[0].attributes['a.d.e'], '1')
  assert.equal(r.records[0].attributes['a.b#2'], 'x')
  assert.equal(r.records[3].attributes['a.f.g'], '{"h":true}', 'kvlists deeper than maxDepth are JSON text')
})

test('answers for compact, pretty-printed and BOM-prefixed bodies, with unknown members skipped', () => {
  const d = doc([log(), log({ droppedAttributesCount: 0, flags: 1, observedTimeUnixNano: '1700000000999999999', eventName: 'e' })])
  const withUnknown = { ...(d as object), extra: [1, { a: [true, null, -1.5e3, 'x\\"y'] }] }
  for (const body of [json(d), json(d, 2), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(d)]), json(withUnknown)]) {
    const r = agree(body, 'shape')
    assert.ok(r?.ok)
    assert.equal(r.records.length, 2)
  }
})

test('strings with escapes and non-ASCII text come out as the decoder gives them', () => {
  const bodies = ['a\\"b', 'tab\\there', '\\u00e9t\\u00e9', 'emoji \\ud83d\\ude00', 'raw é — 日本', '\\u0041\\/']
  for (const s of bodies) {
    const body = Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"${s}"},"attributes":[{"key":"k${s}","value":{"stringValue":"${s}"}}]}]}]}]}`)
    const r = agree(body, s)
    assert.ok(r?.ok, s)
  }
})

test('repeated attribute keys and values at the same position are the decoder\'s in every record', () => {
  const records = ['GET', 'GET', 'POST', 'GE', 'GETS', 'GET'].map((m, i) => log({
    attributes: [kv(i % 2 ? 'http.method' : 'http.request.method', { stringValue: m }), kv('n', { intValue: i }), kv('n', { stringValue: 'dup' })],
  }))
  const r = agree(json(doc(records)), 'cache')
  assert.ok(r?.ok)
  assert.deepEqual(r.records.map((x) => x.attributes['http.request.method'] ?? x.attributes['http.method']), ['GET', 'GET', 'POST', 'GE', 'GETS', 'GET'])
  assert.equal(r.records[0].attributes['n#2'], 'dup')
  // a value cached from an escape is not the same bytes written raw (here invalid UTF-8: U+FFFD)
  const escapedThenRaw = Buffer.concat([
    Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"k","value":{"stringValue":"\\u00e9"}}]},{"attributes":[{"key":"k","value":{"stringValue":"'),
    Buffer.from([0xe9]), Buffer.from('"}}]}]}]}]}'),
  ])
  const e = agree(escapedThenRaw, 'escape, then the raw byte')
  assert.deepEqual(e?.ok && e.records.map((x) => x.attributes.k), ['é', '\ufffd'])
})

test('gives up on what it does not read, and the decoder answers', () => {
  const cases: [string, Buffer][] = [
    ['snake_case keys', Buffer.from('{"resource_logs":[]}')],
    ['a snake_case record field', json(doc([{ ...log(), time_unix_nano: '5' }]))],
    ['a duplicate record field', Buffer.from(json(doc([log()])).toString().replace('"severityNumber":9', '"severityNumber":9,"severityNumber":13'))],
    ['a value before its key', Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"value":{"stringValue":"v"},"key":"k"}]}]}]}]}')],
    ['a resource after its scopes', Buffer.from('{"resourceLogs":[{"scopeLogs":[],"resource":{"attributes":[]}}]}')],
    ['a record the decoder rejects', json(doc([log({ timeUnixNano: 'soon' })]))],
    ['a record that is not an object', json(doc([1]))],
    ['malformed JSON', Buffer.from('{"resourceLogs":[{"scopeLogs":[')],
    ['a raw control character in a string', Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a\tb"}}]}]}]}')],
    ['a leading zero', Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":09}]}]}]}')],
    ['trailing garbage', Buffer.from('{"resourceLogs":[]} x')],
  ]
  for (const [what, body] of cases) assert.equal(agree(body, what), undefined, what)
})

/** A small seeded generator (the same cases on every run). */
function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x80000000
  }
}

test('random documents and corruptions: wherever the scanner answers, it is the decoder\'s answer', () => {
  const rnd = random(13)
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]
  const strings = ['', 'a', 'GET', 'ünï — 日本', 'x"y', 'back\\slash', '\u0001', '5', 'true', '0'.repeat(32), '5B8EFFF798038103D269B633813FC60C', 'a'.repeat(60), 'é'.repeat(30), 'sev', 'SEVERITY_NUMBER_WARN']
  const scalars = (): unknown => pick<unknown>([pick(strings), 0, 7, -3, 1.5, 1e21, 2 ** 60, true, false, null])
  // half of the documents keep to what the scanner reads (so that it answers), half roam
  let tame = false
  const anyValue = (): unknown => tame ? pick<unknown>([{ stringValue: pick(strings) }, { intValue: pick<unknown>(['42', 42, -1, null]) }, { boolValue: pick<unknown>([true, 'no']) }, { doubleValue: 1.5 }, { stringValue: null }, pick<unknown>([...strings, null, 3])]) : pick<unknown>([
    { stringValue: pick(strings) }, { intValue: pick<unknown>(['42', 42, -1, '9'.repeat(25)]) }, { boolValue: pick<unknown>([true, false, 'true', 'no']) },
    { doubleValue: pick<unknown>([1.5, '2.5', 1e300]) }, { bytesValue: 'AAEC' }, { kvlistValue: { values: [kv('x', { stringValue: 'y' })] } }, {}, scalars(),
    { stringValue: 'a', intValue: 1 },
  ])
  const fields = ['timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'body', 'attributes', 'flags', 'traceId', 'spanId', 'eventName', 'droppedAttributesCount', 'trace_id']
  const record = (): unknown => {
    const o: Record<string, unknown> = {}
    for (let i = 0; i < 6; i++) {
      const f = pick(tame ? fields.slice(0, -1) : fields)
      o[f] = f === 'body' ? anyValue() : f === 'attributes' ? Array.from({ length: Math.floor(rnd() * 10) }, () => rnd() < 0.9 ? kv(pick(['a', 'a.b', 'http.route', 'beacon.truncated', '__proto__', 'ü']), anyValue()) : scalars())
        : f === 'timeUnixNano' || f === 'observedTimeUnixNano' ? pick<unknown>(tame ? ['1700000000123456789', 1700000000, '', '0001'] : ['1700000000123456789', 1700000000, '', '0001', -1, '12x']) : f === 'traceId' ? pick<unknown>(['5b8efff798038103d269b633813fc60c', '', null, 'zz', 5]) : scalars()
    }
    return o
  }
  let answered = 0
  for (let n = 0; n < 1500; n++) {
    tame = n % 2 === 0
    const records = Array.from({ length: 1 + Math.floor(rnd() * 4) }, record)
    const resource = rnd() < 0.5 ? [kv('service.name', anyValue())] : [kv('service.name', { stringValue: 'svc' }), kv('host', { stringValue: 'h' })]
    let body = json(doc(records, resource), rnd() < 0.3 ? 1 : undefined)
    if (!tame && rnd() < 0.5) {
      // corrupt a byte, cut, or insert
      const bytes = Buffer.from(body)
      const at = Math.floor(rnd() * bytes.length)
      const k = rnd()
      body = k < 0.4 ? (bytes[at] = Math.floor(rnd() * 256), bytes) : k < 0.7 ? bytes.subarray(0, at) : Buffer.concat([bytes.subarray(0, at), Buffer.from(pick([' ', ',', '"', '\\', '}', ']', '0', 'é'])), bytes.subarray(at)])
    }
    if (agree(body, `case ${n}`) !== undefined) answered++
  }
  assert.ok(answered > 500, `the scanner answered ${answered} of 1500`)
})
