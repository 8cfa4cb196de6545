import { test } from 'node:test'
import assert from 'node:assert/strict'
import { looksLikeAction, parseBulk } from './bulk.ts'
import type { Document } from './ecs.ts'

/** A document parsed from a string body: JSON.parse's object. */
const plain = (d: Document | undefined) => d as Record<string, unknown> | undefined

const ops = (text: string, index = '') => parseBulk(text, index).items.map((i) => (i.error ? `${i.op}:${i.error.status}` : `${i.op}:ok`))

test('parses index and create actions with their documents, in order', () => {
  const { items } = parseBulk(
    '{"index":{"_index":"a","_id":"1"}}\n{"message":"one"}\n{"create":{"_index":"b"}}\n{"message":"two"}\n', '')
  assert.equal(items.length, 2)
  assert.deepEqual(items.map((i) => [i.op, i.index, i.id, plain(i.doc)?.message]), [['index', 'a', '1', 'one'], ['create', 'b', '', 'two']])
})

test('accepts a body without the final newline', () => {
  assert.deepEqual(ops('{"index":{"_index":"a"}}\n{"m":1}\n{"index":{"_index":"a"}}\n{"m":2}'), ['index:ok', 'index:ok'])
})

test('accepts CRLF line ends', () => {
  const { items } = parseBulk('{"index":{"_index":"a"}}\r\n{"m":"x"}\r\n{"create":{}}\r\n{"m":"y"}\r\n', 'dflt')
  assert.deepEqual(items.map((i) => [i.index, plain(i.doc)?.m]), [['a', 'x'], ['dflt', 'y']])
})

test('skips empty and whitespace-only lines', () => {
  assert.deepEqual(ops('\n\n{"index":{"_index":"a"}}\n\n  \n{"m":1}\n\t\n\n{"create":{"_index":"a"}}\n{"m":2}\n\n'), ['index:ok', 'create:ok'])
})

test('a bad document line in the middle fails only its item; order is kept', () => {
  const text = [
    '{"index":{"_index":"a"}}', '{"m":1}',
    '{"index":{"_index":"a"}}', '{"m": oops}',
    '{"index":{"_index":"a"}}', '{"m":3}',
  ].join('\n')
  const { items } = parseBulk(text, '')
  assert.deepEqual(items.map((i) => i.error?.type ?? 'ok'), ['ok', 'mapper_parsing_exception', 'ok'])
  assert.match(items[1].error!.reason, /line \[4\]/)
  assert.equal(plain(items[2].doc)?.m, 3)
})

test('a document that is not an object fails its item', () => {
  assert.deepEqual(ops('{"index":{"_index":"a"}}\n[1,2]\n{"index":{"_index":"a"}}\n"text"\n{"index":{"_index":"a"}}\n{"m":1}\n'),
    ['index:400', 'index:400', 'index:ok'])
})

test('an action without its document fails, and the next action is still read', () => {
  const { items } = parseBulk('{"index":{"_index":"a"}}\n{"index":{"_index":"b"}}\n{"m":2}\n{"create":{"_index":"c"}}\n', '')
  assert.deepEqual(items.map((i) => [i.index, i.error ? 'fail' : 'ok']), [['a', 'fail'], ['b', 'ok'], ['c', 'fail']])
  assert.match(items[0].error!.reason, /not followed by a document/)
})

test('an unknown action fails its item and consumes its document line', () => {
  const { items } = parseBulk('{"upsert":{"_index":"a"}}\n{"m":1}\n{"index":{"_index":"a"}}\n{"m":2}\n', '')
  assert.deepEqual(items.map((i) => [i.op, i.error?.type ?? 'ok']), [['upsert', 'illegal_argument_exception'], ['index', 'ok']])
  assert.match(items[0].error!.reason, /expected one of \[create, delete, index, update\] but found \[upsert\]/)
})

test('delete (no document line) and update (one document line) are answered per item', () => {
  const { items } = parseBulk([
    '{"delete":{"_index":"a","_id":"1"}}',
    '{"update":{"_index":"a","_id":"2"}}', '{"doc":{"m":1}}',
    '{"index":{"_index":"a"}}', '{"m":3}',
  ].join('\n'), '')
  assert.deepEqual(items.map((i) => [i.op, i.id, i.error?.status ?? 201]), [['delete', '1', 400], ['update', '2', 400], ['index', '', 201]])
  assert.match(items[0].error!.reason, /not supported/)
})

test('an unreadable action line fails one item and its document is not indexed', () => {
  const { items, readableLines } = parseBulk('{"index":{"_index":"a"}\n{"m":1}\n{"index":{"_index":"a"}}\n{"m":2}\n', '')
  assert.deepEqual(items.map((i) => i.error ? 'fail' : plain(i.doc)?.m), ['fail', 2])
  assert.ok(readableLines > 0)
})

test('a body with no JSON at all reports zero readable lines', () => {
  const r = parseBulk('this is\nnot ndjson\n', '')
  assert.equal(r.readableLines, 0)
  assert.equal(r.items.length, 1) // the second line is taken as the first one's document
})

test('the URL index is the default; the action index wins; a missing index fails the item', () => {
  assert.deepEqual(parseBulk('{"index":{}}\n{"m":1}\n{"index":{"_index":"x"}}\n{"m":1}\n', 'url').items.map((i) => i.index), ['url', 'x'])
  const { items } = parseBulk('{"index":{}}\n{"m":1}\n', '')
  assert.match(items[0].error!.reason, /index is missing/)
})

test('Elasticsearch 7 style _type and numeric _id are accepted (rsyslog sends both)', () => {
  const { items } = parseBulk('{"index":{"_index": "syslog","_type":"events", "_id":42}}\n{"msg":"x"}\n', '')
  assert.deepEqual([items[0].index, items[0].id, items[0].error], ['syslog', '42', undefined])
})

test('identical action lines are parsed once but give independent items', () => {
  const line = '{"create":{"_index":"a"}}'
  const { items } = parseBulk(`${line}\n{"m":1}\n${line}\n{"m":2}\n`, '')
  items[0].id = 'changed'
  assert.equal(items[1].id, '')
  assert.deepEqual(items.map((i) => plain(i.doc)?.m), [1, 2])
})

test('__proto__ in action or document does not pollute prototypes', () => {
  const { items } = parseBulk('{"index":{"_index":"a","__proto__":{"polluted":1}}}\n{"__proto__":{"polluted":1},"m":1}\n', '')
  assert.equal(items[0].error, undefined)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
  assert.equal(Object.getPrototypeOf(items[0].doc), Object.prototype)
})

test('looksLikeAction recognises action lines only', () => {
  assert.equal(looksLikeAction('{"index":{"_index":"a"}}'), true)
  assert.equal(looksLikeAction(' { "create" : {} }'), true)
  assert.equal(looksLikeAction('{"index":"not-an-object"}'), false)
  assert.equal(looksLikeAction('{"indexer":{}}'), false)
  assert.equal(looksLikeAction('{"index":{},"message":"x"}'), false)
  assert.equal(looksLikeAction('{"message":"x"}'), false)
})

test('a Buffer body (as received) parses exactly like its UTF-8 text', () => {
  const bodies = [
    '{"index":{"_index":"a"}}\r\n{"m":"x"}\r\n{"create":{}}\r\n{"m":"y"}\r\n',
    '\ufeff{"index":{"_index":"é"}}\n{"m":"日本語 😀 tab\\t"}\n\n   \n{"delete":{"_id":1}}\n{"index":{}}\nnot json\n{"create":{"_index":"b"}}\n{"m":1}',
    '{"index":{"_index":"a"}}\n{"index":{"_index":"b"}}\n{"m":2}\n{"upsert":{}}\n{"m":1}\n',
  ].map((t) => Buffer.from(t))
  // invalid UTF-8 right before a newline, and a lone continuation byte inside a document
  bodies.push(Buffer.concat([Buffer.from('{"index":{"_index":"a"}}\n{"m":"'), Buffer.from([0xe6, 0x97]), Buffer.from('"}\n{"index":{"_index":"a"}}\n\xe6\n{"m":"'), Buffer.from([0x80]), Buffer.from('"}\n')]))
  for (const body of bodies) {
    const fromText = parseBulk(body.toString('utf8'), 'dflt')
    const fromBytes = parseBulk(body, 'dflt')
    // documents compared as records in scan.test.ts (the Buffer's are read by the byte scanner)
    const items = (p: typeof fromText) => p.items.map((i) => ({ ...i, doc: i.doc !== undefined }))
    assert.deepEqual(items(fromBytes), items(fromText))
    assert.equal(fromBytes.readableLines, fromText.readableLines)
    assert.ok(fromText.items.length > 0)
  }
})
