import { test } from 'node:test'
import assert from 'node:assert/strict'
import { limitsSchema } from '../../config/schema.ts'
import { parseBulk } from './bulk.ts'
import { documentToRecord, type MappingContext } from './ecs.ts'
import { ScannedDocument, scanDocument } from './scan.ts'

/**
 * The byte scanner (a Buffer body, as received) against JSON.parse of each line (the same body as
 * a string): every item (op, index, id, error, readable lines) and every record mapped from the
 * documents must be the same — attribute maps compared with their key order, which the store keeps.
 * Where the scanner gives up, the JSON.parse path runs on the Buffer too, so both must still agree.
 */

const CTX: MappingContext = {
  limits: limitsSchema.parse({ maxAttributes: 12, maxAttributeValueBytes: 40, maxBodyFieldBytes: 120, maxDepth: 3 }),
  observedTimeUnixNano: '1795000000000000000',
}

/** Items with their documents mapped to records, maps as entry lists (so key order counts). */
function outcome(body: string | Buffer): unknown {
  const { items, readableLines } = parseBulk(body, 'dflt')
  return {
    readableLines,
    items: items.map((i) => {
      const r = i.doc ? documentToRecord(i.doc, i.index, CTX) : undefined
      return { op: i.op, index: i.index, id: i.id, error: i.error, record: r && { ...r, attributes: Object.entries(r.attributes), resource: Object.entries(r.resource) } }
    }),
  }
}

/** Asserts both paths agree on `body`; returns how many documents the scanner read. */
function agree(body: Buffer, what = ''): number {
  assert.deepStrictEqual(outcome(body), outcome(body.toString('utf8')), `${what}: ${body.toString().slice(0, 400)}`)
  return parseBulk(body, 'dflt').items.filter((i) => i.doc instanceof ScannedDocument).length
}

const ndjson = (docs: string[], action = '{"create":{"_index":"logs-shop-default"}}'): Buffer =>
  Buffer.from(docs.map((d) => `${action}\n${d}\n`).join(''))

test('scans the shapes shippers send, with the JSON.parse path\'s records', () => {
  const docs = [
    // flat ECS (ecs-logging libraries, the bench)
    '{"@timestamp":"2026-11-30T08:34:58.129Z","message":"GET /orders 200 — ok","log.level":"INFO","service.name":"crm-api","trace.id":"2099E790F9ACB620543E72D804D4C5D1","span.id":"bbbc26010b6ac310","http.response.status_code":"200","client.address":"10.209.72.202"}',
    // nested (Filebeat), arrays, numbers, booleans, nulls
    '{"@timestamp":"2026-11-22T10:00:00.123456Z","message":"x","log":{"level":"warn","file":{"path":"/var/log/a"}},"host":{"name":"web-1"},"agent":{"name":"fb","type":"filebeat"},"tags":["a","b"],"n":3,"f":1.5e3,"neg":-0,"big":12345678901234567890,"ok":true,"no":false,"gone":null}',
    // Cyrillic, emoji, escapes, a lone surrogate escape
    '{"message":"Привет, мир 😀 \\"q\\" \\u00e9 \\ud800 tab\\t","user.name":"Алёна","level":"error","emoji":"🚀🚀"}',
    // no message: body from the remaining fields; message as a number; msg/log/MESSAGE
    '{"a":"b","c":{"d":"e"}}', '{"message":42,"msg":"m"}', '{"message":null,"msg":"m2"}', '{"log":"l","MESSAGE":"j"}', '{"message":{"not":"text"},"msg":"m3"}',
    // host as a string, service and index fallbacks, timestamps of every kind
    '{"host":"h1","message":"x","time":1764495298.5}', '{"timestamp":"1764495298123","service":"svc"}', '{"timereported":"2026-11-22 10:00:00","timegenerated":"x","priority":"err"}',
    // __proto__ and constructor are ordinary keys
    '{"__proto__":{"polluted":1},"constructor":"c","message":"p"}',
    // whitespace everywhere, CR line end, empty object
    ' { "message" : "spaced" , "k" : [ 1 , 2 ] , "o" : { } } \r', '{}',
    // more fields than maxAttributes, values over the size limits
    `{${Array.from({ length: 30 }, (_, i) => `"f${i}":"v${i}"`).join(',')},"message":"${'m'.repeat(200)}","long":"${'é'.repeat(50)}"}`,
    // deeper than maxDepth
    '{"a":{"b":{"c":{"d":{"e":"deep"}}}},"message":"d"}',
  ]
  // documents with a nested object are JSON.parse's (scan.ts); all others are scanned
  const flat = docs.filter((d) => !Object.values(JSON.parse(d) as object).some((v) => v !== null && typeof v === 'object' && !Array.isArray(v)))
  assert.ok(flat.length >= 10)
  assert.equal(agree(ndjson(docs)), flat.length)
})

test('a body of nested documents stops being scanned after a few lines, and still gives the same items', () => {
  const nested = Array.from({ length: 30 }, (_, i) => `{"message":"m${i}","log":{"level":"info"},"host":{"name":"h"}}`)
  const flat = Array.from({ length: 30 }, (_, i) => `{"message":"m${i}","log.level":"info","host.name":"h"}`)
  assert.equal(agree(ndjson(flat)), 30)
  assert.equal(agree(ndjson(nested)), 0)
  assert.equal(agree(ndjson([...nested.slice(0, 5), ...flat])), 30, 'a few give-ups among answers do not stop it')
})

test('gives up where JSON.parse\'s object differs from the member list, and JSON.parse decides', () => {
  const docs = [
    '{"a":"1","a":"2"}', // duplicate: JSON.parse keeps the last value at the first place
    '{"a":{"x":1},"b":"y","a":"z"}',
    '{"message":"one","message":"two"}',
    '{"b":"x","10":"y"}', // integer-like keys come first in V8's key order
    `{${Array.from({ length: 70 }, (_, i) => `"k${i}":${i}`).join(',')}}`, // past MAX_MEMBERS
  ]
  const body = ndjson(docs)
  assert.equal(agree(body), 0)
})

test('bad lines fail their item exactly as before (messages from the JSON.parse path)', () => {
  const docs = [
    '{"a":"b"', '{"a":"b"}}', '{"a":"b"} x', '[1,2]', '"text"', 'null', '42', '{"a":01}', '{"a":"\t"}', '{"a":tru}',
    '{"a":"\\x"}', "{'a':'b'}", '{"a":1,}', '{,"a":1}', '{"a" "b"}', '\ufeff{"a":"bom"}',
    '{"index":{"_index":"x"}}', // an action where the document should be
  ]
  const body = Buffer.concat([ndjson(docs), Buffer.from('{"index":{}}\n{"m":"no index"}\n{"create":{"_index":"a"}}\n')])
  agree(body)
  // invalid UTF-8 inside strings and outside them
  agree(Buffer.concat([Buffer.from('{"create":{"_index":"a"}}\n{"m":"'), Buffer.from([0xe6, 0x97]), Buffer.from('","n":"'), Buffer.from([0x80, 0xff]), Buffer.from('"}\n{"create":{"_index":"a"}}\n{"m":'), Buffer.from([0xc3]), Buffer.from('}\n')]), 'invalid UTF-8')
})

test('a document never runs on into the next line', () => {
  // each half is invalid alone; together they would be one document
  const body = Buffer.from('{"create":{"_index":"a"}}\n{"a":"b",\n"c":"d"}\n{"create":{"_index":"a"}}\n{"a":\n1}\n')
  assert.equal(agree(body), 0)
  assert.equal(scanDocument(Buffer.from('{"a":1}  \r\n{"b":2}'), 0, 10) instanceof ScannedDocument, true)
  assert.equal(scanDocument(Buffer.from('{"a":1\n}'), 0, 6), undefined)
})

/** Seeded pseudo-random numbers (mulberry32): the same documents every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test('seeded random and corrupted documents: both paths agree', () => {
  const rnd = random(13)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]
  const KEYS = ['message', 'msg', 'log', 'MESSAGE', '@timestamp', 'timestamp', 'time', 'log.level', 'level', 'severity', 'service', 'service.name',
    'host', 'host.name', 'agent', 'trace.id', 'span.id', 'traceId', 'app', 'kubernetes', 'container.name', 'http', 'url.path', 'user.id', 'a', 'a.b',
    '__proto__', 'constructor', 'toString', '0', '1x', 'é', 'ключ', '😀', 'with"quote', 'back\\slash', '', 'x_y', 'tags']
  const STRINGS = ['', 'INFO', 'warn', 'GET', '/orders', '200', 'Привет', '😀 emoji', 'tab\there', 'quote"', 'back\\', '\u0000ctl', '\ud800',
    '2026-11-30T08:34:58.129Z', '1764495298123', '2099e790f9acb620543e72d804d4c5d1', 'bbbc26010b6ac310', 'x'.repeat(60), 'é'.repeat(30)]
  // every other round keeps to flat documents (no nested object), which the scanner reads
  let flat = false
  const value = (depth: number): unknown => {
    const r = rnd()
    if (r < 0.45) return pick(STRINGS)
    if (r < 0.55) return pick([0, -0, 1.5, -7, 1e21, 2 ** 53 + 2, 1764495298.25, 123456789012])
    if (r < 0.62) return pick([true, false, null])
    if (r < 0.72) return Array.from({ length: Math.floor(rnd() * 3) }, () => value(depth + 1))
    if (depth > 4 || (flat && depth === 0)) return 'leaf'
    return object(depth + 1, 4)
  }
  const object = (depth: number, max: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {}
    const n = Math.floor(rnd() * max)
    for (let i = 0; i < n; i++) Object.defineProperty(o, pick(KEYS), { value: value(depth), enumerable: true, configurable: true, writable: true })
    return o
  }
  let scanned = 0
  for (let round = 0; round < 60; round++) {
    flat = round % 2 === 0
    const docs: string[] = []
    for (let i = 0; i < 25; i++) {
      let text = JSON.stringify(object(0, 14), null, rnd() < 0.1 ? 1 : undefined).replace(/\n/g, ' ')
      const r = rnd()
      if (r < 0.08) text = text.slice(0, Math.floor(rnd() * text.length)) // truncated
      else if (r < 0.14) { const at = Math.floor(rnd() * text.length); text = text.slice(0, at) + pick(['"', ',', '}', '{', ' ', '\\', ':', '1', 'ä']) + text.slice(at) }
      else if (r < 0.18) text = text.replace(/^\{"([^"]*)"/, '{"$1","$1"') // a name twice
      else if (r < 0.22) text = text.replace(/^\{/, '{"dup":1,') .replace(/\}$/, ',"dup":2}')
      docs.push(text)
    }
    scanned += agree(ndjson(docs, pick(['{"create":{"_index":"logs-a-default"}}', '{"index":{}}', '{"index":{"_index":"filebeat-8.17.0","_id":"7"}}'])), `round ${round}`)
  }
  assert.ok(scanned > 400, `the scanner read ${scanned} documents of 1,500`)
})
