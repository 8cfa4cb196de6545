import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { LogRecord, SpanRecord } from '../../pipeline/record.ts'
import { decodeLogs, decodeTraces, type DecodeResult, type OtlpFormat } from './decode.ts'
import { isAscii } from 'node:buffer'
import { loadConfig } from '../../config/load.ts'
import { createRowEncoder } from '../../store/encode.ts'
import { referenceEncoder } from '../../../test/tsv-reference.ts'
import { DEFAULT_LIMITS, limits, realisticLog, sdkLogs, sdkSpans, serializeLogs, serializeSpans, type LogSpec } from './test-utils.ts'

/**
 * Payloads from the official serializers (what the OTLP exporters send), decoded by both decoders.
 */

const opts = { limits: DEFAULT_LIMITS, nowNano: '1700000000000000000' }
const FORMATS: OtlpFormat[] = ['protobuf', 'json']

function ok<T>(r: DecodeResult<T>): T[] {
  if (!r.ok) assert.fail(`decode failed: ${r.message}`)
  return r.records
}

for (const format of FORMATS) {
  test(`${format}: SDK log records decode with resource, scope, ids, severity, body and attributes`, async () => {
    const logs = await sdkLogs([
      { ...realisticLog(0), timestamp: 1_700_000_000_123, eventName: 'order.viewed' },
      { body: 'plain', severityText: 'warn' },
    ], 'shop-api', { 'deployment.environment': 'prod' })
    const [a, b] = ok(decodeLogs(format, serializeLogs(format, logs), opts))
    assert.equal(a.serviceName, 'shop-api')
    assert.equal(a.resource['service.name'], 'shop-api')
    assert.equal(a.resource['deployment.environment'], 'prod')
    assert.equal(a.scopeName, 'beacon-test')
    assert.equal(a.scopeVersion, '1.2.3')
    assert.equal(a.timeUnixNano, '1700000000123000000')
    assert.match(a.observedTimeUnixNano, /^\d{19}$/)
    assert.equal(a.severityNumber, 17)
    assert.equal(a.severityText, 'ERROR')
    assert.equal(a.eventName, 'order.viewed')
    assert.match(a.body, /^GET \/orders\/ORD-100000 500/)
    assert.equal(a.traceId, '00000000abcdef0123456789abcdef01')
    assert.equal(a.spanId, '0000000101234567')
    assert.equal(a.traceFlags, 1)
    assert.deepEqual({ ...a.attributes }, {
      'order.id': 'ORD-100000', 'user.id': 'u-0', 'http.request.method': 'GET', 'http.route': '/orders/:id',
      'http.response.status_code': '500', 'client.address': '10.0.0.0',
    })
    assert.equal(b.body, 'plain')
    assert.equal(b.severityText, 'warn')
    assert.equal(b.severityNumber, 0)
    assert.equal(b.traceId, '')
    assert.equal(b.spanId, '')
    assert.equal(b.resource, a.resource, 'records of one resource share its attribute map')
  })

  test(`${format}: AnyValue attributes flatten to dotted keys with string values`, async () => {
    const logs = await sdkLogs([{
      body: { msg: 'hi', n: 3, nested: { ok: true } },
      attributes: {
        str: 's', int: 42, neg: -7, big: 2 ** 53 + 2, dbl: 1.5, bool: false, arr: ['a', 1, true],
        bytes: new Uint8Array([1, 2, 255]),
        kv: { a: 'x', b: { c: 2 } } as never,
      },
    }])
    const [r] = ok(decodeLogs(format, serializeLogs(format, logs), opts))
    const at = r.attributes
    assert.equal(at.str, 's')
    assert.equal(at.int, '42')
    assert.equal(at.neg, '-7')
    assert.equal(at.big, String(2 ** 53 + 2))
    assert.equal(at.dbl, '1.5')
    assert.equal(at.bool, 'false')
    assert.equal(at.arr, '["a",1,true]')
    assert.equal(at.bytes, Buffer.from([1, 2, 255]).toString('base64'))
    assert.equal(at['kv.a'], 'x')
    assert.equal(at['kv.b.c'], '2')
    assert.deepEqual(JSON.parse(r.body), { msg: 'hi', n: 3, nested: { ok: true } })
  })

  test(`${format}: SDK spans decode with kind, status, duration, parent, events and links`, async () => {
    const spans = ok(decodeTraces(format, serializeSpans(format, await sdkSpans(2)), opts))
    assert.equal(spans.length, 2)
    const child = spans.find((s) => s.name === 'SELECT orders') as SpanRecord
    const root = spans.find((s) => s.name === 'GET /orders/:id') as SpanRecord
    assert.equal(root.kind, 'Server')
    assert.equal(child.kind, 'Client')
    assert.equal(root.durationNano, '50000000')
    assert.equal(child.durationNano, '10000000')
    assert.equal(root.parentSpanId, '')
    assert.equal(child.parentSpanId, root.spanId)
    assert.equal(child.traceId, root.traceId)
    assert.match(root.traceId, /^[0-9a-f]{32}$/)
    assert.match(root.spanId, /^[0-9a-f]{16}$/)
    assert.equal(child.statusCode, 'Error')
    assert.equal(child.statusMessage, 'timeout')
    assert.equal(root.statusCode, 'Unset')
    assert.equal(root.attributes['order.id'], 'ORD-0')
    assert.equal(root.attributes['http.response.status_code'], '200')
    assert.equal(root.serviceName, 'shop-api')
    assert.equal(child.events.length, 1)
    assert.equal(child.events[0].name, 'rows fetched')
    assert.equal(child.events[0].attributes.rows, '3')
    assert.equal(BigInt(root.timeUnixNano) + 15_000_000n, BigInt(child.events[0].timeUnixNano))
    assert.equal(child.links.length, 1)
    assert.deepEqual({ ...child.links[0], attributes: { ...child.links[0].attributes } },
      { traceId: root.traceId, spanId: root.spanId, traceState: '', attributes: { 'link.kind': 'self' } })
  })

  test(`${format}: an empty request decodes to no records`, () => {
    assert.deepEqual(decodeLogs(format, Buffer.alloc(0), opts), { ok: true, records: [], rejected: 0 })
  })
}

test('protobuf and JSON payloads of the same records decode to the same records', async () => {
  const logs = await sdkLogs(Array.from({ length: 50 }, (_, i) => realisticLog(i)))
  const fromProto = ok(decodeLogs('protobuf', serializeLogs('protobuf', logs), opts))
  const fromJson = ok(decodeLogs('json', serializeLogs('json', logs), opts))
  assert.deepEqual(fromJson.map(plain), fromProto.map(plain))
  const spans = await sdkSpans(10)
  const sp = ok(decodeTraces('protobuf', serializeSpans('protobuf', spans), opts))
  const sj = ok(decodeTraces('json', serializeSpans('json', spans), opts))
  assert.deepEqual(sj.map(plain), sp.map(plain))
})

test('Russian and emoji text: the same records from JSON (read as Latin-1) and protobuf, and intact UTF-8 in the store\'s rows', async () => {
  const ru = (i: number): LogSpec => ({
    body: `Заказ ORD-${1000 + i} оплачен: клиент Иванов, адрес доставки «Москва, ул. Тверская, д. ${i}» 😀📦 — ёжик\tтаб`,
    severityText: i % 2 ? 'ОШИБКА' : 'INFO',
    attributes: { 'пользователь': `Пётр ${i}`, 'order.id': `ЗАК-${i}`, 'сообщение': 'доставка задерживается на 2 дня 🚚 '.repeat(i % 3 + 1), emoji: '🙂' },
    eventName: 'заказ.оплачен',
    traceId: 'ab'.repeat(16),
    spanId: 'cd'.repeat(8),
  })
  const logs = await sdkLogs(Array.from({ length: 12 }, (_, i) => ru(i)), 'магазин-api', { 'deployment.environment': 'прод' })
  const json = serializeLogs('json', logs)
  assert.ok(!isAscii(json))
  const fromJson = ok(decodeLogs('json', json, opts))
  const fromProto = ok(decodeLogs('protobuf', serializeLogs('protobuf', logs), opts))
  assert.deepEqual(fromJson.map(plain), fromProto.map(plain))
  // and the same as a plain UTF-8 string parse of the body would give
  const direct = JSON.parse(json.toString('utf8')).resourceLogs[0].scopeLogs[0].logRecords
  assert.equal(fromJson[5].body, direct[5].body.stringValue)
  assert.equal(fromJson[5].body, ru(5).body)
  assert.equal(fromJson[5].serviceName, 'магазин-api')
  assert.equal(fromJson[5].attributes['пользователь'], 'Пётр 5')
  // the store's bytes: the byte encoder (native writes for long values) = UTF-8 of the string encoder
  const keys = loadConfig({ env: {}, file: '/dev/null' }).businessKeys
  const bytes = Buffer.from(createRowEncoder(keys).logsBytes(fromJson))
  assert.equal(Buffer.compare(bytes, Buffer.from(referenceEncoder(keys).logs(fromJson), 'utf8')), 0)
  const row = bytes.toString('utf8').split('\n')[5].split('\t')
  assert.ok(row.includes(ru(5).body!.toString().replace('\t', '\\t')), 'body with its tab escaped')
  assert.ok(row.includes('ЗАК-5'), 'business key column')
})

test('attribute limits: count, value size and depth are enforced with markers, the record is kept', async () => {
  const many: Record<string, string> = {}
  for (let i = 0; i < 10; i++) many[`k${i}`] = 'v'
  const logs = await sdkLogs([{
    body: 'é'.repeat(100),
    attributes: { ...many, long: 'x'.repeat(100), deep: { a: { b: { c: 'd' } } } as never },
  }])
  for (const format of FORMATS) {
    const small = { limits: limits({ maxAttributes: 5, maxAttributeValueBytes: 30, maxDepth: 2, maxBodyFieldBytes: 50 }) }
    const [r] = ok(decodeLogs(format, serializeLogs(format, logs), small))
    assert.equal(Object.keys(r.attributes).length, 6, `${format}: 5 kept + marker`)
    assert.equal(r.attributes['beacon.truncated'], 'attributes')
    assert.ok(Buffer.byteLength(r.body) <= 50)
    assert.match(r.body, /^(é)+…\[truncated\]$/, 'cut on a character boundary')
    const wide = { limits: limits({ maxAttributes: 100, maxAttributeValueBytes: 30, maxDepth: 2 }) }
    const [w] = ok(decodeLogs(format, serializeLogs(format, logs), wide))
    assert.equal(w.attributes.long, 'x'.repeat(16) + '…[truncated]')
    assert.equal(Buffer.byteLength(w.attributes.long), 30)
    assert.equal(w.attributes['deep.a'], '{"b":{"c":"d"}}', `${format}: below maxDepth as JSON text`)
    assert.equal(w.attributes['beacon.truncated'], undefined)
  }
})

/** A record as plain data (attribute maps copied) for deep comparison. */
function plain(r: LogRecord | SpanRecord): unknown {
  const copy: Record<string, unknown> = { ...r, resource: { ...r.resource }, attributes: { ...r.attributes } }
  if ('events' in r) {
    copy.events = r.events.map((e) => ({ ...e, attributes: { ...e.attributes } }))
    copy.links = r.links.map((l) => ({ ...l, attributes: { ...l.attributes } }))
  }
  return copy
}

test('JSON: non-ASCII text arrives intact whether written raw or as \\u escapes, in every field', () => {
  const doc = (text: string): Buffer => Buffer.from(`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"${text}"}}]},
    "scopeLogs":[{"scope":{"name":"${text}","version":"${text}"},"logRecords":[{"severityText":"${text}","eventName":"${text}",
    "body":{"kvlistValue":{"values":[{"key":"${text}","value":{"arrayValue":{"values":[{"stringValue":"${text}"}]}}}]}},
    "traceId":"${text}","attributes":[{"key":"${text}","value":{"stringValue":"${text}"}},
    {"key":"list","value":{"arrayValue":{"values":[{"stringValue":"${text}"}]}}},{"key":"map","value":{"kvlistValue":{"values":[{"key":"${text}","value":{"stringValue":"${text}"}}]}}}]}]}]}]}`)
  const expected = 'Grüße — 注文 😀 C:\\users'
  const variants = {
    raw: 'Grüße — 注文 😀 C:\\\\users',
    escaped: 'Gr\\u00fc\\u00dfe \\u2014 \\u6ce8\\u6587 \\ud83d\\ude00 C:\\\\users',
    mixed: 'Grüße \\u2014 注文 😀 C:\\\\users',
    'raw, no escapes at all': 'Grüße — 注文 😀 C:/users',
  }
  for (const [name, text] of Object.entries(variants)) {
    const want = name === 'raw, no escapes at all' ? expected.replace('\\', '/') : expected
    const r = decodeLogs('json', doc(text), opts)
    assert.ok(r.ok, name)
    const rec = r.records[0]
    assert.equal(rec.serviceName, want, name)
    assert.equal(rec.scopeName, want, name)
    assert.equal(rec.scopeVersion, want, name)
    assert.equal(rec.severityText, want, name)
    assert.equal(rec.eventName, want, name)
    assert.equal(rec.attributes[want], want, name)
    assert.equal(rec.attributes.list, JSON.stringify([want]), name)
    assert.equal(rec.attributes[`map.${want}`], want, name)
    assert.equal(rec.attributes['trace.id.invalid'], want, name)
    assert.deepEqual(JSON.parse(rec.body), { [want]: [want] }, name)
  }
})

test('JSON: invalid UTF-8 becomes U+FFFD; a BOM is ignored; parse errors quote the text readably', () => {
  const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a'),
    Buffer.from([0xff, 0xc3]), Buffer.from('b"}}]}]}]}')])
  const r = decodeLogs('json', body, opts)
  assert.ok(r.ok)
  assert.equal(r.records[0].body, 'a\ufffd\ufffdb')
  const bad = decodeLogs('json', Buffer.from('{"resourceLogs": Grüße}'), opts)
  assert.ok(!bad.ok)
  assert.match(bad.message, /^JSON: .*Grüße/)
})
