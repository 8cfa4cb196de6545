import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from '../config/load.ts'
import { attrs, type Attributes, type LogRecord, type SpanRecord } from '../pipeline/record.ts'
import { createRowEncoder } from './encode.ts'
import { referenceEncoder } from '../../test/tsv-reference.ts'
import { TsvWriter, tsvQuoted, tsvString } from './tsv.ts'

const keys = loadConfig({ env: {}, file: '/dev/null' }).businessKeys

/** Awkward text: every TSV escape, quotes, 2-, 3- and 4-byte UTF-8, lone surrogates at either end. */
const NASTY = [
  '', 'plain', 'tab\there', 'nl\nand\rcr', 'nul\0bs\bff\f', 'back\\slash', "it's", 'é ü ñ', '日本語', '😀 emoji',
  '\ud800 lone high', 'lone low \udc00', 'end high \ud83d', '\udc00\ud800 reversed', "mix\t'é😀\\\n",
  'x'.repeat(5000) + 'é'.repeat(3000) + '\t',
  // ≥ 32 units: the writer's native path when nothing needs escaping (a quote only inside maps)
  'Заказ оформлен, пользователь уведомлён по почте 😀😀', "a long value with a quote ' that maps escape",
  '\ud800 a lone high surrogate first in a long value', 'a long value that ends in a lone high surrogate \ud83d',
  'a long value with a lone low surrogate \udc00 inside it', 'a long value with a backslash \\ near its end ',
]
const pick = (i: number): string => NASTY[i % NASTY.length]

function map(i: number, n: number): Attributes {
  const a = attrs()
  for (let j = 0; j < n; j++) a[pick(i + j) + String(j)] = pick(i * 7 + j)
  return a
}

function log(i: number): LogRecord {
  const a = map(i, i % 5)
  if (i % 3 === 0) { a['order.id'] = pick(i); a['http.response.status_code'] = String(i * 37 % 70000); a['client.address'] = pick(i + 1) }
  return {
    timeUnixNano: i % 4 === 0 ? String(i) : `17000000001234567${String(i).padStart(2, '0')}`,
    observedTimeUnixNano: '1700000000999999999',
    severityText: pick(i + 2), severityNumber: i * 13, serviceName: pick(i + 3), body: pick(i + 4),
    traceId: i % 2 ? '0123456789abcdef0123456789abcdef' : '', spanId: i % 2 ? '0123456789abcdef' : '', traceFlags: i * 31,
    eventName: pick(i + 5), scopeName: pick(i + 6), scopeVersion: pick(i + 7), resource: map(i + 8, 3), attributes: a,
  }
}

function span(i: number): SpanRecord {
  return {
    timeUnixNano: '1700000000123456789', durationNano: String(i * 1000), traceId: '0123456789abcdef0123456789abcdef',
    spanId: '0123456789abcdef', parentSpanId: i % 2 ? '' : 'fedcba9876543210', traceState: pick(i), name: pick(i + 1),
    kind: 'Server', serviceName: pick(i + 2), scopeName: pick(i + 3), scopeVersion: pick(i + 4), resource: map(i, 2),
    attributes: map(i + 5, 4), statusCode: 'Error', statusMessage: pick(i + 6),
    events: Array.from({ length: i % 3 }, (_, j) => ({ timeUnixNano: String(1700000000123456789n + BigInt(j)), name: pick(i + j), attributes: map(i + j, 2) })),
    links: Array.from({ length: i % 2 }, (_, j) => ({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: pick(i + j), attributes: map(j, 1) })),
  }
}

test('logsBytes and spansBytes write exactly the UTF-8 bytes of the reference string encoder', () => {
  const enc = createRowEncoder(keys)
  const ref = referenceEncoder(keys)
  for (let n = 0; n < 60; n += 7) {
    const logs = Array.from({ length: n }, (_, i) => log(i + n))
    assert.equal(Buffer.compare(enc.logsBytes(logs), Buffer.from(ref.logs(logs), 'utf8')), 0, `logs, ${n} records`)
    const spans = Array.from({ length: n }, (_, i) => span(i + n))
    assert.equal(Buffer.compare(enc.spansBytes(spans), Buffer.from(ref.spans(spans), 'utf8')), 0, `spans, ${n} records`)
  }
  // long values with and without escapes, as written by the native path and by the loop
  const w = new TsvWriter()
  for (const v of NASTY) {
    w.reset()
    w.string(v)
    w.quoted(v)
    assert.equal(Buffer.compare(w.take(), Buffer.from(tsvString(v) + tsvQuoted(v), 'utf8')), 0, JSON.stringify(v.slice(0, 40)))
  }
  // escapes really are there (not only equal to a wrong reference)
  const one = enc.logsBytes([log(2)]).toString('utf8').split('\t')
  assert.equal(one[5], 'nul\\0bs\\bff\\f')
})

test('the scratch buffer grows past its first size and is reused', () => {
  const w = new TsvWriter(8)
  w.string('a'.repeat(100) + '\t' + '😀')
  assert.equal(w.take().toString(), 'a'.repeat(100) + '\\t😀')
  w.reset()
  w.map(Object.assign(attrs(), { "k'": 'v\n' }))
  assert.equal(w.take().toString(), "{'k\\'':'v\\n'}")
})
