import { isAscii } from 'node:buffer'
import type { Attributes } from '../../pipeline/record.ts'
import { MAX_NESTING, TOO_DEEP, jsonNumber, type AttributeSink, newAttributes } from './attributes.ts'

/**
 * OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): the proto3 JSON
 * mapping with lowerCamelCase keys, hex trace/span ids, int64 as string or number, enums as
 * integers. Leniencies that cost nothing on valid input: snake_case keys, enum names, base64 ids,
 * and a bare JSON scalar where an AnyValue is expected.
 *
 * Objects here come from JSON.parse, so a key like "__proto__" is an own data property, and values
 * are only read by fixed field names, never merged into other objects.
 */

/**
 * True while decoding a document that was parsed from its bytes read as Latin-1 (parseOtlpJson):
 * its strings then hold UTF-8 bytes one per char, and `str()` turns them into text.
 * Decoding is synchronous, so one module-level flag is enough.
 */
let bytesAsLatin1 = false
const HIGH_BYTE = /[\u0080-\u00ff]/
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * Parses a JSON request body. UTF-8 decoding of non-ASCII text costs V8 more than JSON.parse
 * itself, so a body without `\u` escapes above 0x7F is read as Latin-1 (a byte copy; one-byte
 * strings, which JSON.parse also handles faster) and only the strings that are kept and contain
 * non-ASCII bytes are decoded as UTF-8, by `str()`. Bytes ≥ 0x80 never collide with JSON syntax,
 * so the parse is the same; escapes above 0x7F would mix chars and bytes, so those bodies take
 * the plain path. Invalid UTF-8 becomes U+FFFD either way.
 */
export function parseOtlpJson(body: Buffer): { ok: true; value: Json } | { ok: false; message: string } {
  let start = 0
  if (body.length >= 3 && body[0] === 0xef && body.subarray(0, 3).equals(UTF8_BOM)) start = 3
  const ascii = isAscii(body)
  bytesAsLatin1 = !ascii && !hasHighEscape(body)
  const text = ascii || bytesAsLatin1 ? body.toString('latin1', start) : body.toString('utf8', start)
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (err) {
    return { ok: false, message: `JSON: ${str((err as Error).message)}` }
  }
}

/** For a decoder whose strings are text already (json-scan.ts): `str()` then leaves them as they are. */
export function stringsAreText(): void {
  bytesAsLatin1 = false
}

/** Whether the body has a `\uXXXX` escape for a char above 0x7F (or anything that looks like one). */
function hasHighEscape(body: Buffer): boolean {
  for (let i = body.indexOf('\\u'); i !== -1; i = body.indexOf('\\u', i + 2)) {
    const code = Number.parseInt(body.toString('latin1', i + 2, i + 6), 16)
    if (!(code < 0x80)) return true // NaN (not an escape after all) counts too: take the safe path
  }
  return false
}

/** A string from the document as text (see parseOtlpJson). Every string that leaves the decoder passes here. */
export function str(s: string): string {
  if (!bytesAsLatin1 || !HIGH_BYTE.test(s)) return s
  if (s.length > scratch.length) return Buffer.from(s, 'latin1').toString('utf8')
  const n = scratch.write(s, 0, 'latin1')
  return scratch.toString('utf8', 0, n)
}
const scratch = Buffer.allocUnsafe(64 * 1024)

export type Json = any

/** A value quoted for an error message, at most ~80 characters. */
export function show(v: Json): string {
  const s = str(JSON.stringify(v) ?? String(v))
  return s.length > 80 ? s.slice(0, 77) + '…' : s
}

/** `o[camel]`, or `o[snake]` when the camelCase key is absent. */
export function field(o: Json, camel: string, snake: string): Json {
  const v = o[camel]
  return v !== undefined ? v : o[snake]
}

/** A repeated field: the array, [] when absent, or undefined when it is present but not an array. */
export function list(o: Json, camel: string, snake: string): Json[] | undefined {
  const v = field(o, camel, snake)
  if (v === undefined || v === null) return EMPTY
  return Array.isArray(v) ? v : undefined
}
const EMPTY: Json[] = []

export function isObject(v: Json): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Writes a list of KeyValue objects into `sink`, flattened under `prefix`. Non-objects are skipped. */
export function putKeyValues(kvs: Json, sink: AttributeSink, prefix: string, depth: number): void {
  if (!Array.isArray(kvs)) return
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]
    if (kv === null || typeof kv !== 'object') continue
    const k = kv.key
    const key = typeof k === 'string' ? str(k) : k === undefined || k === null ? '' : String(k)
    putAnyValue(kv.value, sink, prefix === '' ? key : prefix + key, depth)
  }
}

export function putAnyValue(v: Json, sink: AttributeSink, key: string, depth: number): void {
  if (v === null || typeof v !== 'object') {
    sink.put(key, scalarText(v))
    return
  }
  let x = v.stringValue
  if (x !== undefined) {
    sink.put(key, scalarText(x))
    return
  }
  if ((x = v.intValue) !== undefined) sink.put(key, scalarText(x))
  else if ((x = v.boolValue) !== undefined) sink.put(key, x === true || x === 'true' ? 'true' : 'false')
  else if ((x = v.doubleValue) !== undefined) sink.put(key, scalarText(x))
  else if ((x = v.kvlistValue) !== undefined) {
    if (depth >= sink.maxDepth || depth >= MAX_NESTING) sink.put(key, str(kvlistJson(x, 1)))
    else putKeyValues(x?.values, sink, key + '.', depth + 1)
  } else if ((x = v.arrayValue) !== undefined) sink.put(key, str(arrayJson(x, 1)))
  else if ((x = v.bytesValue) !== undefined) sink.put(key, scalarText(x))
  else {
    const camel = camelAnyValue(v)
    if (camel !== undefined) putAnyValue(camel, sink, key, depth)
    else sink.put(key, '')
  }
}

const SNAKE_ANY_VALUE: [string, string][] = [
  ['string_value', 'stringValue'], ['int_value', 'intValue'], ['bool_value', 'boolValue'], ['double_value', 'doubleValue'],
  ['kvlist_value', 'kvlistValue'], ['array_value', 'arrayValue'], ['bytes_value', 'bytesValue'],
]

/** A snake_case AnyValue in camelCase, or undefined when it has no value field at all. */
function camelAnyValue(v: Json): Json {
  for (const [snake, camel] of SNAKE_ANY_VALUE) {
    const x = v[snake]
    if (x !== undefined) return { [camel]: x }
  }
  return undefined
}

/** A JSON scalar (or, leniently, any JSON value) as text. */
function scalarText(x: Json): string {
  if (typeof x === 'string') return str(x)
  if (x === undefined || x === null) return ''
  if (typeof x === 'object') return str(JSON.stringify(x))
  return String(x)
}

/** An AnyValue as JSON text; in Latin-1 mode (see parseOtlpJson) pass the final text through str(). */
function anyValueJson(v: Json, nesting: number): string {
  if (v === null || typeof v !== 'object') return v === undefined ? 'null' : JSON.stringify(v) ?? 'null'
  let x = v.stringValue
  if (x !== undefined) return JSON.stringify(typeof x === 'string' ? x : String(x))
  if ((x = v.intValue) !== undefined) return typeof x === 'number' ? jsonNumber(x) : INTEGER.test(String(x)) ? String(x) : JSON.stringify(String(x))
  if ((x = v.boolValue) !== undefined) return x === true || x === 'true' ? 'true' : 'false'
  if ((x = v.doubleValue) !== undefined) return jsonNumber(Number(x))
  if ((x = v.kvlistValue) !== undefined) return kvlistJson(x, nesting + 1)
  if ((x = v.arrayValue) !== undefined) return arrayJson(x, nesting + 1)
  if ((x = v.bytesValue) !== undefined) return JSON.stringify(typeof x === 'string' ? x : String(x))
  const camel = camelAnyValue(v)
  return camel === undefined ? 'null' : anyValueJson(camel, nesting)
}
const INTEGER = /^-?\d{1,20}$/

function arrayJson(a: Json, nesting: number): string {
  if (nesting > MAX_NESTING) return TOO_DEEP
  const values = a?.values
  if (!Array.isArray(values)) return '[]'
  let out = '['
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ',') + anyValueJson(values[i], nesting)
  return out + ']'
}

function kvlistJson(l: Json, nesting: number): string {
  if (nesting > MAX_NESTING) return TOO_DEEP
  const values = l?.values
  if (!Array.isArray(values)) return '{}'
  let out = '{'
  let first = true
  for (let i = 0; i < values.length; i++) {
    const kv = values[i]
    if (kv === null || typeof kv !== 'object') continue
    out += (first ? '' : ',') + JSON.stringify(typeof kv.key === 'string' ? kv.key : String(kv.key ?? '')) + ':' + anyValueJson(kv.value, nesting)
    first = false
  }
  return out + '}'
}

/** An AnyValue as a log body: a string as is, other scalars as text, arrays and kvlists as JSON text. */
export function anyValueText(v: Json): string {
  if (v === null || typeof v !== 'object') return scalarText(v)
  const x = v.stringValue
  if (x !== undefined) return scalarText(x)
  if (v.kvlistValue === undefined && v.arrayValue === undefined) {
    const camel = v.intValue ?? v.doubleValue ?? v.bytesValue
    if (camel !== undefined) return scalarText(camel)
    if (v.boolValue !== undefined) return v.boolValue === true || v.boolValue === 'true' ? 'true' : 'false'
    const snake = camelAnyValue(v)
    return snake === undefined ? '' : anyValueText(snake)
  }
  return str(anyValueJson(v, 0))
}

/** A Resource object's attributes as a flattened map. */
export function resourceAttributes(resource: Json, sink: AttributeSink): Attributes {
  const map = newAttributes()
  sink.reset(map)
  if (isObject(resource)) putKeyValues(resource.attributes, sink, '', 1)
  return map
}

/**
 * A hex id from JSON: lowercase hex of `hexLength` digits; '' when absent or all zeros; null when
 * malformed. Base64 (what a generic proto3 JSON encoder writes for bytes) is accepted too.
 */
export function hexId(v: Json, hexLength: number): string | null {
  if (v === undefined || v === null || v === '') return ''
  if (typeof v !== 'string') return null
  let id = v
  if (v.length === hexLength) {
    let upper = false
    let zero = true
    for (let i = 0; i < hexLength; i++) {
      const c = v.charCodeAt(i)
      if (c === 48) continue
      zero = false
      if ((c >= 49 && c <= 57) || (c >= 97 && c <= 102)) continue
      if (c >= 65 && c <= 70) upper = true
      else return null
    }
    if (zero) return ''
    if (upper) id = v.toLowerCase()
    return id
  }
  if (v.length === ((hexLength / 2 + 2) / 3 | 0) * 4 && /^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
    const bytes = Buffer.from(v, 'base64')
    if (bytes.length * 2 !== hexLength) return null
    id = bytes.toString('hex')
    return /^0+$/.test(id) ? '' : id
  }
  return null
}

/**
 * A uint64 nanosecond timestamp from JSON (decimal string or number): its decimal text, '' when
 * absent or 0, null when it is not a non-negative integer.
 */
export function nanoTime(v: Json): string | null {
  if (typeof v === 'string') {
    const n = v.length
    if (n === 0) return ''
    if (n > 20) return null
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i)
      if (c < 48 || c > 57) return null
    }
    if (v.charCodeAt(0) !== 48) return v
    const t = v.replace(/^0+/, '')
    return t
  }
  if (v === undefined || v === null) return ''
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v === 0 ? '' : v < 1e21 ? String(v) : null
  return null
}

/** Enum names → numbers, e.g. enumNames('SPAN_KIND_', ['UNSPECIFIED', 'INTERNAL', …]). */
export function enumNames(prefix: string, names: readonly string[]): Readonly<Record<string, number>> {
  const map = Object.create(null) as Record<string, number>
  names.forEach((name, i) => { map[prefix + name] = i })
  return map
}

/** An enum from JSON: the integer, or its name looked up in `names` (made by enumNames). */
export function enumValue(v: Json, names: Readonly<Record<string, number>>): number {
  if (typeof v === 'number') return v | 0
  if (typeof v === 'string') {
    const n = names[v]
    if (n !== undefined) return n
    if (/^\d{1,9}$/.test(v)) return Number(v)
  }
  return 0
}
