import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeLogs, decodeTraces, type DecodeResult } from './decode.ts'
import { DEFAULT_LIMITS, pb, realisticLog, sdkLogs, sdkSpans, serializeLogs, serializeSpans } from './test-utils.ts'

const opts = { limits: DEFAULT_LIMITS, nowNano: '1700000000000000000' }
const TRACE = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex')
const SPAN = Buffer.from('0102030405060708', 'hex')
const T0 = 1_700_000_000_000_000_000n

function failed(r: DecodeResult<unknown>): string {
  assert.equal(r.ok, false, 'expected an undecodable payload')
  return (r as { message: string }).message
}

function json(doc: unknown): Buffer {
  return Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc))
}

/** A span message body (Span fields). */
function span(fields: { traceId?: Buffer; spanId?: Buffer; parent?: Buffer; name?: string; start?: bigint; end?: bigint }): Buffer {
  const parts: Buffer[] = []
  if (fields.traceId) parts.push(pb.bytes(1, fields.traceId))
  if (fields.spanId) parts.push(pb.bytes(2, fields.spanId))
  if (fields.parent) parts.push(pb.bytes(4, fields.parent))
  parts.push(pb.str(5, fields.name ?? 'op'))
  if (fields.start !== undefined) parts.push(pb.fixed64(7, fields.start))
  if (fields.end !== undefined) parts.push(pb.fixed64(8, fields.end))
  return Buffer.concat(parts)
}

function tracesRequest(...spans: Buffer[]): Buffer {
  return pb.msg(1, pb.msg(1, pb.kv(1, 'service.name', pb.str(1, 'svc'))), pb.msg(2, ...spans.map((s) => pb.msg(2, s))))
}

// ── protobuf ────────────────────────────────────────────────────────────────────────────────

test('garbage protobuf answers an error naming the byte offset and the problem', () => {
  assert.match(failed(decodeLogs('protobuf', Buffer.from('this is not protobuf'), opts)), /^invalid protobuf at byte 0: unsupported wire type 4/)
  assert.match(failed(decodeLogs('protobuf', Buffer.from('{"resourceLogs":[]}'), opts)), /^invalid protobuf at byte 0: unsupported wire type 3/)
  assert.match(failed(decodeTraces('protobuf', Buffer.from([0x0a, 0x7f, 0x01]), opts)), /^invalid protobuf at byte 1: length 127 exceeds the 1 bytes left/)
})

test('a truncated protobuf payload is undecodable, not partially stored', async () => {
  const body = serializeLogs('protobuf', await sdkLogs([realisticLog(1), realisticLog(2)]))
  const message = failed(decodeLogs('protobuf', body.subarray(0, body.length - 7), opts))
  assert.match(message, /^invalid protobuf at byte \d+: /)
})

test('a known field with the wrong wire type is an error', () => {
  // LogRecord.time_unix_nano (field 1) is fixed64; here it is a varint.
  const body = pb.logsRequest([], pb.int(1, 5))
  assert.match(failed(decodeLogs('protobuf', body, opts)), /LogRecord field 1 has wire type 0, which does not match its declared type/)
})

test('unknown fields are skipped (forward compatibility)', () => {
  const body = pb.logsRequest([pb.kv(1, 'service.name', pb.str(1, 'svc')), pb.int(9, 3)], Buffer.concat([pb.str(3, 'INFO'), pb.int(99, 1), pb.str(98, 'x'), pb.fixed64(97, 1n)]))
  const r = decodeLogs('protobuf', body, opts)
  assert.ok(r.ok)
  assert.equal(r.records[0].severityText, 'INFO')
  assert.equal(r.records[0].serviceName, 'svc')
})

test('random corruption of a valid payload never throws', async () => {
  const logs = serializeLogs('protobuf', await sdkLogs([realisticLog(3), { body: { a: [1, { b: 2 }] }, attributes: { k: 'v' } }]))
  const spans = serializeSpans('protobuf', await sdkSpans(2))
  let seed = 7
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
  for (let i = 0; i < 3000; i++) {
    const src = i % 2 ? logs : spans
    const b = Buffer.from(src)
    for (let k = 0; k < 1 + rand(4); k++) b[rand(b.length)] = rand(256)
    const cut = rand(5) === 0 ? b.subarray(0, rand(b.length)) : b
    const r = i % 2 ? decodeLogs('protobuf', cut, opts) : decodeTraces('protobuf', cut, opts)
    if (!r.ok) assert.match(r.message, /^invalid protobuf at byte \d+: /)
  }
})

test('invalid UTF-8 in protobuf strings becomes U+FFFD', () => {
  const bad = Buffer.from([0x6f, 0x6b, 0xc3, 0x28, 0xff])
  const body = pb.logsRequest([], Buffer.concat([pb.msg(5, pb.bytes(1, bad)), pb.msg(6, pb.bytes(1, bad), pb.msg(2, pb.bytes(1, bad)))]))
  const r = decodeLogs('protobuf', body, opts)
  assert.ok(r.ok)
  assert.equal(r.records[0].body, 'ok\ufffd(\ufffd')
  assert.equal(r.records[0].attributes['ok\ufffd(\ufffd'], 'ok\ufffd(\ufffd')
})

test('a log with a malformed trace id keeps the log, drops the id and keeps its text', () => {
  const body = pb.logsRequest([], Buffer.concat([pb.str(3, 'INFO'), pb.bytes(9, Buffer.from([1, 2, 3])), pb.bytes(10, Buffer.alloc(8))]))
  const r = decodeLogs('protobuf', body, opts)
  assert.ok(r.ok)
  assert.equal(r.rejected, 0)
  assert.equal(r.records[0].traceId, '')
  assert.equal(r.records[0].attributes['trace.id.invalid'], '010203')
  assert.equal(r.records[0].spanId, '', 'an all-zero id means none')
  assert.equal(r.records[0].timeUnixNano, opts.nowNano, 'no times: observed = now, time = observed')
})

test('spans without valid ids or start time are rejected one by one, with the first reason', () => {
  const body = tracesRequest(
    span({ traceId: TRACE, spanId: SPAN, start: T0, end: T0 + 5n }),
    span({ traceId: Buffer.from([1, 2, 3]), spanId: SPAN, start: T0, name: 'short-trace' }),
    span({ traceId: Buffer.alloc(16), spanId: SPAN, start: T0 }),
    span({ traceId: TRACE, start: T0 }),
    span({ traceId: TRACE, spanId: SPAN }),
    span({ traceId: TRACE, spanId: SPAN, parent: Buffer.from([9]), start: T0 }),
    span({ traceId: TRACE, spanId: SPAN, start: T0 + 10n, end: T0 }),
  )
  const r = decodeTraces('protobuf', body, opts)
  assert.ok(r.ok)
  assert.equal(r.records.length, 2)
  assert.equal(r.records[0].durationNano, '5')
  assert.equal(r.records[1].durationNano, '0', 'end before start: 0')
  assert.equal(r.rejected, 5)
  assert.match(r.rejectionMessage ?? '', /^5 spans rejected: traceId has 3 bytes, expected 16 \(span "short-trace" at byte \d+\) \(first of these errors\)$/)
})

test('a resource that follows its records still applies to them', () => {
  const scope = pb.msg(2, pb.msg(1, pb.str(1, 'lib')), pb.msg(2, pb.str(3, 'INFO')))
  const resource = pb.msg(1, pb.kv(1, 'service.name', pb.str(1, 'late')))
  const r = decodeLogs('protobuf', pb.msg(1, scope, resource), opts)
  assert.ok(r.ok)
  assert.equal(r.records[0].serviceName, 'late')
  assert.equal(r.records[0].scopeName, 'lib')
})

test('AnyValue nested 100,000 levels deep neither crashes nor recurses without bound', () => {
  const arrays = nestedAnyValue(100_000, 'array')
  const kvlists = nestedAnyValue(100_000, 'kvlist')
  const body = pb.logsRequest([], Buffer.concat([pb.msg(5, arrays), pb.msg(6, pb.str(1, 'a'), pb.msg(2, arrays)), pb.msg(6, pb.str(1, 'k'), pb.msg(2, kvlists))]))
  const r = decodeLogs('protobuf', body, opts)
  assert.ok(r.ok)
  const rec = r.records[0]
  assert.match(rec.body, /^\[\[\[.*…\[nested too deep\]/)
  assert.match(rec.attributes.a, /…\[nested too deep\]/)
  const deepKey = Object.keys(rec.attributes).find((k) => k.startsWith('k.'))
  assert.equal(deepKey, 'k' + '.k'.repeat(DEFAULT_LIMITS.maxDepth - 1), 'kvlists flatten down to maxDepth, then JSON text')
  assert.match(rec.attributes[deepKey!], /^\{"k":\{"k":.*…\[nested too deep\]/)
})

/** AnyValue nested `levels` deep (built back to front: no quadratic copying). */
function nestedAnyValue(levels: number, kind: 'array' | 'kvlist'): Buffer {
  const out = Buffer.alloc(levels * 16 + 16)
  let pos = out.length
  const prepend = (bytes: Buffer): void => { pos -= bytes.length; bytes.copy(out, pos) }
  prepend(pb.str(1, 'bottom'))
  for (let i = 0; i < levels; i++) {
    if (kind === 'array') {
      prepend(pb.varint(out.length - pos)); prepend(pb.tag(1, 2)) // ArrayValue.values
      prepend(pb.varint(out.length - pos)); prepend(pb.tag(5, 2)) // AnyValue.array_value
    } else {
      prepend(pb.varint(out.length - pos)); prepend(pb.tag(2, 2)) // KeyValue.value
      prepend(pb.str(1, 'k')) // KeyValue.key
      prepend(pb.varint(out.length - pos)); prepend(pb.tag(1, 2)) // KeyValueList.values
      prepend(pb.varint(out.length - pos)); prepend(pb.tag(6, 2)) // AnyValue.kvlist_value
    }
  }
  return out.subarray(pos)
}

test('protobuf: __proto__ and constructor are ordinary attribute keys', () => {
  const kvlist = pb.msg(6, pb.msg(1, pb.str(1, '__proto__'), pb.msg(2, pb.msg(6, pb.kv(1, 'polluted', pb.int(3, 1))))))
  const body = pb.logsRequest([pb.kv(1, '__proto__', pb.str(1, 'r'))], Buffer.concat([
    pb.kv(6, '__proto__', kvlist), pb.kv(6, 'constructor', pb.str(1, 'c')), pb.kv(6, '__proto__', pb.str(1, 'p')),
  ]))
  const r = decodeLogs('protobuf', body, opts)
  assert.ok(r.ok)
  const at = r.records[0].attributes
  assert.equal(at['__proto__.__proto__.polluted'], '1')
  assert.equal(at.constructor, 'c')
  assert.equal(at.__proto__, 'p')
  assert.equal(r.records[0].resource.__proto__, 'r')
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false)
})

// ── JSON ────────────────────────────────────────────────────────────────────────────────────

test('garbage JSON answers the parser\'s message with its position', () => {
  assert.match(failed(decodeLogs('json', Buffer.from('{"resourceLogs": [ }'), opts)), /^JSON: Unexpected token '}'/)
  assert.match(failed(decodeLogs('json', Buffer.from('{"resourceLogs": [] '), opts)), /^JSON: .*(position 20|end of JSON)/)
  assert.match(failed(decodeLogs('json', Buffer.from('\x00\x01binary'), opts)), /^JSON: /)
})

test('JSON of the wrong shape names the offending field', () => {
  assert.equal(failed(decodeLogs('json', json([1, 2]), opts)), 'JSON: the body must be an object like {"resourceLogs":[…]}')
  assert.equal(failed(decodeLogs('json', json({ resourceLogs: 5 }), opts)), 'JSON: resourceLogs must be an array')
  assert.equal(failed(decodeTraces('json', json({ resourceSpans: [{ scopeSpans: {} }] }), opts)), 'JSON: resourceSpans[0].scopeSpans must be an array')
  assert.equal(failed(decodeLogs('json', json({ resourceLogs: [{ scopeLogs: [{ logRecords: 'x' }] }] }), opts)),
    'JSON: resourceLogs[0].scopeLogs[0].logRecords must be an array')
})

test('JSON: snake_case keys, enum names, int64 as string or number, uppercase and base64 ids are accepted', () => {
  const doc = {
    resource_logs: [{
      resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
      scope_logs: [{
        scope: { name: 's' },
        log_records: [
          {
            time_unix_nano: 1700000000000000000, severity_number: 'SEVERITY_NUMBER_WARN', severity_text: 'WARN',
            body: { string_value: 'hello' }, trace_id: '0102030405060708090A0B0C0D0E0F10', span_id: TRACE.subarray(0, 8).toString('base64'),
            attributes: [{ key: 'n', value: { int_value: '9007199254740993' } }, { key: 'm', value: { intValue: 12 } }, { key: 'raw', value: 'bare' }],
          },
        ],
      }],
    }],
  }
  const r = decodeLogs('json', json(doc), opts)
  assert.ok(r.ok)
  const rec = r.records[0]
  assert.equal(rec.serviceName, 'snake')
  assert.equal(rec.timeUnixNano, '1700000000000000000')
  assert.equal(rec.severityNumber, 13)
  assert.equal(rec.body, 'hello')
  assert.equal(rec.traceId, '0102030405060708090a0b0c0d0e0f10')
  assert.equal(rec.spanId, '0102030405060708')
  assert.equal(rec.attributes.n, '9007199254740993')
  assert.equal(rec.attributes.m, '12')
  assert.equal(rec.attributes.raw, 'bare')
})

test('JSON: bad records are rejected one by one with their path; malformed log ids only drop the id', () => {
  const doc = {
    resourceLogs: [{
      scopeLogs: [{
        logRecords: [
          { body: { stringValue: 'good' } },
          42,
          { timeUnixNano: 'yesterday', body: { stringValue: 'bad time' } },
          { traceId: 'xyz', spanId: 12, body: { stringValue: 'bad ids' } },
        ],
      }],
    }],
  }
  const r = decodeLogs('json', json(doc), opts)
  assert.ok(r.ok)
  assert.deepEqual(r.records.map((x) => x.body), ['good', 'bad ids'])
  assert.equal(r.records[1].traceId, '')
  assert.equal(r.records[1].attributes['trace.id.invalid'], 'xyz')
  assert.equal(r.records[1].attributes['span.id.invalid'], '12')
  assert.equal(r.records[0].serviceName, '', 'decoders leave defaults to the normalize stage')
  assert.equal(r.rejected, 2)
  assert.equal(r.rejectionMessage, '2 log records rejected: resourceLogs[0].scopeLogs[0].logRecords[1]: a log record must be an object (first of these errors)')
})

test('JSON: spans with malformed or missing ids are rejected with the reason', () => {
  const good = { traceId: TRACE.toString('hex'), spanId: SPAN.toString('hex'), name: 'ok', startTimeUnixNano: String(T0), endTimeUnixNano: String(T0 + 1500n), kind: 'SPAN_KIND_SERVER', status: { code: 2, message: 'boom' } }
  const doc = { resourceSpans: [{ scopeSpans: [{ spans: [good, { ...good, traceId: 'not-hex' }, { ...good, spanId: undefined }, { ...good, parentSpanId: 'ab' }] }] }] }
  const r = decodeTraces('json', json(doc), opts)
  assert.ok(r.ok)
  assert.equal(r.records.length, 1)
  assert.equal(r.records[0].kind, 'Server')
  assert.equal(r.records[0].statusCode, 'Error')
  assert.equal(r.records[0].durationNano, '1500')
  assert.equal(r.rejected, 3)
  assert.match(r.rejectionMessage ?? '', /^3 spans rejected: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]: traceId "not-hex" is not 32 hex digits/)
})

test('JSON: __proto__ and constructor, as top-level keys and inside kvlists, pollute nothing', () => {
  const text = `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"resourceLogs":[{"__proto__":{"polluted":3},
    "resource":{"attributes":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"polluted","value":{"intValue":4}}]}}}]},
    "scopeLogs":[{"logRecords":[{"__proto__":{"polluted":5},"body":{"kvlistValue":{"values":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"polluted","value":{"intValue":6}}]}}}]}},
      "attributes":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"polluted","value":{"intValue":7}}]}}},
        {"key":"constructor","value":{"stringValue":"c"}},{"key":"x","value":{"kvlistValue":{"values":[{"key":"__proto__","value":{"stringValue":"p"}}]}}}]}]}]}]}`
  const r = decodeLogs('json', Buffer.from(text), opts)
  assert.ok(r.ok)
  const rec = r.records[0]
  assert.equal(rec.attributes['__proto__.polluted'], '7')
  assert.equal(rec.attributes.constructor, 'c')
  assert.equal(rec.attributes['x.__proto__'], 'p')
  assert.equal(rec.resource['__proto__.polluted'], '4')
  assert.deepEqual(JSON.parse(rec.body), JSON.parse('{"__proto__":{"polluted":6}}'))
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false)
})

test('JSON nested 50,000 levels deep does not crash', () => {
  let v = '{"stringValue":"bottom"}'
  for (let i = 0; i < 50_000; i++) v = `{"arrayValue":{"values":[${v}]}}`
  const text = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${v},"attributes":[{"key":"deep","value":${v}}]}]}]}]}`
  const r = decodeLogs('json', Buffer.from(text), opts)
  assert.ok(r.ok)
  assert.match(r.records[0].body, /…\[nested too deep\]/)
  assert.match(r.records[0].attributes.deep, /…\[nested too deep\]/)
})
