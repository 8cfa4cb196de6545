import type { Attributes } from '../../pipeline/record.ts'
import { MAX_NESTING, TOO_DEEP, jsonNumber, type AttributeSink, newAttributes } from './attributes.ts'
import { I64, LEN, VARINT, fieldMask, i64ToDecimal, type WireReader } from './wire.ts'

/**
 * common.proto and resource.proto (opentelemetry/proto/common/v1, resource/v1) read from the wire:
 *
 *   KeyValue { string key = 1; AnyValue value = 2 }
 *   AnyValue { oneof: string_value = 1, bool_value = 2, int_value = 3 (int64), double_value = 4,
 *              array_value = 5 (ArrayValue { repeated AnyValue values = 1 }),
 *              kvlist_value = 6 (KeyValueList { repeated KeyValue values = 1 }), bytes_value = 7 }
 *   Resource { repeated KeyValue attributes = 1; dropped_attributes_count = 2; entity_refs = 3 }
 *   InstrumentationScope { name = 1; version = 2; attributes = 3; dropped_attributes_count = 4 }
 *
 * Every function reads the message spanning r.pos..end and leaves r.pos at end.
 */

const T_STRING = (1 << 3) | LEN
const T_BOOL = (2 << 3) | VARINT
const T_INT = (3 << 3) | VARINT
const T_DOUBLE = (4 << 3) | I64
const T_ARRAY = (5 << 3) | LEN
const T_KVLIST = (6 << 3) | LEN
const T_BYTES = (7 << 3) | LEN
const T_FIELD1 = (1 << 3) | LEN
const T_FIELD2 = (2 << 3) | LEN

const ANY_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7)
const KV_FIELDS = fieldMask(1, 2)
const LIST_FIELDS = fieldMask(1)
const RESOURCE_FIELDS = fieldMask(1)
const SCOPE_FIELDS = fieldMask(1, 2)

/** Reads one KeyValue and writes it, flattened, to `sink` under `prefix` + key. */
function readKeyValue(r: WireReader, end: number, sink: AttributeSink, prefix: string, depth: number): void {
  let key = ''
  let valueStart = -1
  let valueEnd = -1
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_FIELD1) key = r.key(end)
    else if (tag === T_FIELD2) {
      valueEnd = r.lengthEnd(end)
      valueStart = r.pos
      r.pos = valueEnd
    } else r.skip(tag, end, 'KeyValue', KV_FIELDS)
  }
  const fullKey = prefix === '' ? key : prefix + key
  if (valueStart < 0) sink.put(fullKey, '')
  else {
    r.pos = valueStart
    putAnyValue(r, valueEnd, sink, fullKey, depth)
  }
  r.pos = end
}

/**
 * Writes an AnyValue as attribute `key`: scalars as text, arrays as JSON text, kvlists as nested
 * dotted keys down to the depth limit and as JSON text below it.
 */
function putAnyValue(r: WireReader, end: number, sink: AttributeSink, key: string, depth: number): void {
  let seen = false
  while (r.pos < end) {
    const tag = r.varint32(end)
    seen = true
    switch (tag) {
      case T_STRING: sink.put(key, r.string(end)); break
      case T_BOOL: sink.put(key, r.varint32(end) !== 0 ? 'true' : 'false'); break
      case T_INT: r.varint64(end); sink.put(key, i64ToDecimal(r.hi, r.lo)); break
      case T_DOUBLE: sink.put(key, String(r.double(end))); break
      case T_ARRAY: sink.put(key, arrayJson(r, r.lengthEnd(end), 1)); break
      case T_KVLIST: {
        const listEnd = r.lengthEnd(end)
        if (depth >= sink.maxDepth || depth >= MAX_NESTING) sink.put(key, kvlistJson(r, listEnd, 1))
        else readKeyValueList(r, listEnd, sink, key + '.', depth + 1)
        break
      }
      case T_BYTES: sink.put(key, bytesBase64(r, end)); break
      default: r.skip(tag, end, 'AnyValue', ANY_FIELDS)
    }
  }
  if (!seen) sink.put(key, '')
}

/** Reads a KeyValueList (or the repeated KeyValue of a message) into `sink`. */
function readKeyValueList(r: WireReader, end: number, sink: AttributeSink, prefix: string, depth: number): void {
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_FIELD1) readKeyValue(r, r.lengthEnd(end), sink, prefix, depth)
    else r.skip(tag, end, 'KeyValueList', LIST_FIELDS)
  }
}

/** An AnyValue as JSON text (`null` when unset). */
function anyValueJson(r: WireReader, end: number, nesting: number): string {
  let out = 'null'
  while (r.pos < end) out = fieldJson(r, r.varint32(end), end, nesting)
  return out
}

/** The JSON text of the AnyValue field whose tag was just read ('null' for an unknown field). */
function fieldJson(r: WireReader, tag: number, end: number, nesting: number): string {
  switch (tag) {
    case T_STRING: return JSON.stringify(r.string(end))
    case T_BOOL: return r.varint32(end) !== 0 ? 'true' : 'false'
    case T_INT: r.varint64(end); return i64ToDecimal(r.hi, r.lo)
    case T_DOUBLE: return jsonNumber(r.double(end))
    case T_ARRAY: return arrayJson(r, r.lengthEnd(end), nesting + 1)
    case T_KVLIST: return kvlistJson(r, r.lengthEnd(end), nesting + 1)
    case T_BYTES: return '"' + bytesBase64(r, end) + '"'
    default: r.skip(tag, end, 'AnyValue', ANY_FIELDS); return 'null'
  }
}

function bytesBase64(r: WireReader, end: number): string {
  const bytesEnd = r.lengthEnd(end)
  const s = r.buf.base64Slice(r.pos, bytesEnd)
  r.pos = bytesEnd
  return s
}

function arrayJson(r: WireReader, end: number, nesting: number): string {
  if (nesting > MAX_NESTING) {
    r.pos = end
    return TOO_DEEP
  }
  let out = '['
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_FIELD1) {
      const valueEnd = r.lengthEnd(end)
      if (out.length > 1) out += ','
      out += anyValueJson(r, valueEnd, nesting)
    } else r.skip(tag, end, 'ArrayValue', LIST_FIELDS)
  }
  return out + ']'
}

function kvlistJson(r: WireReader, end: number, nesting: number): string {
  if (nesting > MAX_NESTING) {
    r.pos = end
    return TOO_DEEP
  }
  let out = '{'
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag !== T_FIELD1) {
      r.skip(tag, end, 'KeyValueList', LIST_FIELDS)
      continue
    }
    const kvEnd = r.lengthEnd(end)
    let key = ''
    let value = 'null'
    while (r.pos < kvEnd) {
      const t = r.varint32(kvEnd)
      if (t === T_FIELD1) key = r.string(kvEnd)
      else if (t === T_FIELD2) value = anyValueJson(r, r.lengthEnd(kvEnd), nesting)
      else r.skip(t, kvEnd, 'KeyValue', KV_FIELDS)
    }
    if (out.length > 1) out += ','
    out += JSON.stringify(key) + ':' + value
  }
  return out + '}'
}

/** An AnyValue as a log body: a string as is, other scalars as text, arrays and kvlists as JSON text. */
export function anyValueText(r: WireReader, end: number): string {
  let out = ''
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_STRING) out = r.string(end)
    else if (tag === T_DOUBLE) out = String(r.double(end))
    else if (tag === T_BYTES) out = bytesBase64(r, end)
    else {
      out = fieldJson(r, tag, end, 0)
      if (out === 'null') out = ''
    }
  }
  return out
}

/** A Resource's attributes as a flattened map (limits applied). */
export function readResource(r: WireReader, end: number, sink: AttributeSink): Attributes {
  const map = newAttributes()
  sink.reset(map)
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_FIELD1) readKeyValue(r, r.lengthEnd(end), sink, '', 1)
    else r.skip(tag, end, 'Resource', RESOURCE_FIELDS)
  }
  return map
}

export interface Scope { name: string; version: string }

/** An InstrumentationScope's name and version (its attributes are not kept). */
export function readScope(r: WireReader, end: number): Scope {
  const scope: Scope = { name: '', version: '' }
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_FIELD1) scope.name = r.string(end)
    else if (tag === T_FIELD2) scope.version = r.string(end)
    else r.skip(tag, end, 'InstrumentationScope', SCOPE_FIELDS)
  }
  return scope
}

/** Reads the repeated KeyValue attributes field whose length prefix is at r.pos into `sink`. */
export function readAttribute(r: WireReader, end: number, sink: AttributeSink): void {
  readKeyValue(r, r.lengthEnd(end), sink, '', 1)
}
