import type { Attributes, LogRecord } from '../../pipeline/record.ts'
import { newAttributes, type AttributeSink } from './attributes.ts'
import type { DecodeResult, DecodeState } from './fields.ts'
import { anyValueText, putAnyValue, stringsAreText, type Json } from './json-common.ts'
import { buildLogRecord } from './json-logs.ts'

/**
 * OTLP/JSON logs in one pass over the request bytes, for the shape exporters send:
 *
 *   body bytes ──scan──▶ LogRecord[]            (no JSON.parse tree, no body-sized string)
 *        └── anything else ──▶ undefined  ──▶ JSON.parse + json-logs.ts, as before
 *
 * It reads only what `decodeLogsJson` reads, builds each record with the same function
 * (`buildLogRecord`) and writes attributes through the same sink, so where it answers the two
 * decoders give the same records (a differential test holds them to it). It gives up (and the
 * caller parses the document as before) on anything outside the common shape: malformed JSON,
 * snake_case keys, a member the decoder reads appearing twice, a resource after its scopes (or a
 * scope after its records), a KeyValue whose value precedes its key, and any record the decoder
 * would reject — so every error message and leniency stays the decoder's. Unknown members are
 * validated and skipped, as JSON.parse + the decoder ignore them. An AnyValue other than one
 * scalar member (kvlist, array, bytes) is parsed on its own and handed to the decoder's functions.
 *
 * Strings come straight from the bytes (Latin-1 slice for ASCII, UTF-8 otherwise; JSON.parse of
 * the one string for those with escapes). Attribute keys and short values that repeat at the same
 * position from record to record (`http.route`, `GET`, `200`) are reused instead of sliced again.
 */

const PLAIN = 0
const QUOTE = 1
const BACKSLASH = 2
const CONTROL = 3
const HIGH = 4
/** Class of each byte inside a JSON string. */
const CLASS = new Uint8Array(256)
for (let c = 0; c < 0x20; c++) CLASS[c] = CONTROL
CLASS[0x22] = QUOTE
CLASS[0x5c] = BACKSLASH
for (let c = 0x80; c < 0x100; c++) CLASS[c] = HIGH

/** Thrown inside the scanner when the input leaves the shape it reads; never leaves this module. */
const GIVE_UP = new Error('OTLP/JSON outside the scanned shape')

/** Member names each level reads, by index. */
const names = (...list: string[]): Uint8Array[] => list.map((s) => Buffer.from(s, 'latin1'))
const TOP = names('resourceLogs')
const RESOURCE_LOGS = names('resource', 'scopeLogs')
const RESOURCE = names('attributes')
const SCOPE_LOGS = names('scope', 'logRecords')
const SCOPE = names('name', 'version')
const LOG = names('timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'body', 'attributes', 'flags', 'traceId', 'spanId', 'eventName')
const KEY_VALUE = names('key', 'value')
const ANY_VALUE = names('stringValue', 'intValue', 'boolValue', 'doubleValue')
const TRUE = names('true')[0]
const FALSE = names('false')[0]
const NULL = names('null')[0]

/** Strings of this many characters or fewer are reused when they repeat at the same position. */
const CACHED_LENGTH = 32
/** Attribute positions with a cache slot. */
const CACHED_POSITIONS = 64

// Scanning is synchronous: one document at a time, in module state.
interface SliceBuffer extends Buffer { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string }
const NOTHING = Buffer.alloc(0) as SliceBuffer
let b = NOTHING
let p = 0
let end = 0
/** Whether the last string read was plain ASCII without escapes (its chars are its bytes). */
let plain = false
let scopeName = ''
let scopeVersion = ''
const recordKeys: string[] = []
const recordValues: string[] = []
const resourceKeys: string[] = []
const resourceValues: string[] = []
const severityTexts: string[] = []

/**
 * The log records of an OTLP/JSON ExportLogsServiceRequest, or undefined when the body is not in
 * the shape this scanner reads (the caller then decodes it with JSON.parse + decodeLogsJson).
 */
export function scanLogsJson(body: Buffer, state: DecodeState): DecodeResult<LogRecord> | undefined {
  b = body as SliceBuffer
  end = body.length
  p = end >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0
  stringsAreText()
  const records: LogRecord[] = []
  try {
    ws()
    if (opens(0x7b, 0x7d)) return undefined
    let seen = false
    do {
      if (nameId(TOP) === 0) {
        if (seen) return undefined
        seen = true
        resourceLogs(records, state)
      } else skip(0)
    } while (more(0x7d))
    ws()
    if (p !== end || !seen) return undefined
  } catch {
    return undefined
  } finally {
    b = NOTHING
  }
  return state.result(records, 'log record')
}

function resourceLogs(records: LogRecord[], state: DecodeState): void {
  if (opens(0x5b, 0x5d)) return
  do {
    if (opens(0x7b, 0x7d)) continue
    let resource: Attributes | undefined
    let serviceName = ''
    let scopes = false
    do {
      const id = nameId(RESOURCE_LOGS)
      if (id === 0) {
        if (resource !== undefined) throw GIVE_UP
        resource = resourceAttributes(state.sink)
        serviceName = resource['service.name'] || ''
      } else if (id === 1) {
        if (scopes) throw GIVE_UP
        scopes = true
        if (resource === undefined) resource = newAttributes()
        scopeLogs(records, state, resource, serviceName)
      } else skip(0)
    } while (more(0x7d))
  } while (more(0x5d))
}

function resourceAttributes(sink: AttributeSink): Attributes {
  const map = newAttributes()
  sink.reset(map)
  if (b[p] !== 0x7b) {
    skip(0)
    return map
  }
  if (opens(0x7b, 0x7d)) return map
  let seen = false
  do {
    if (nameId(RESOURCE) === 0) {
      if (seen) throw GIVE_UP
      seen = true
      keyValues(sink, resourceKeys, resourceValues)
    } else skip(0)
  } while (more(0x7d))
  return map
}

function scopeLogs(records: LogRecord[], state: DecodeState, resource: Attributes, serviceName: string): void {
  if (b[p] !== 0x5b) throw GIVE_UP
  if (opens(0x5b, 0x5d)) return
  do {
    if (b[p] !== 0x7b) throw GIVE_UP
    if (opens(0x7b, 0x7d)) continue
    scopeName = ''
    scopeVersion = ''
    let scope = false
    let logs = false
    do {
      const id = nameId(SCOPE_LOGS)
      if (id === 0) {
        if (scope || logs) throw GIVE_UP
        scope = true
        readScope()
      } else if (id === 1) {
        if (logs) throw GIVE_UP
        logs = true
        logRecords(records, state, resource, serviceName)
      } else skip(0)
    } while (more(0x7d))
  } while (more(0x5d))
}

function readScope(): void {
  if (b[p] !== 0x7b) {
    skip(0)
    return
  }
  if (opens(0x7b, 0x7d)) return
  let seen = 0
  do {
    const id = nameId(SCOPE)
    if (id < 0) {
      skip(0)
      continue
    }
    if ((seen & (1 << id)) !== 0) throw GIVE_UP
    seen |= 1 << id
    const v = scalar()
    if (id === 0) scopeName = typeof v === 'string' ? v : ''
    else scopeVersion = typeof v === 'string' ? v : ''
  } while (more(0x7d))
}

function logRecords(records: LogRecord[], state: DecodeState, resource: Attributes, serviceName: string): void {
  if (b[p] !== 0x5b) throw GIVE_UP
  if (opens(0x5b, 0x5d)) return
  const sink = state.sink
  do {
    if (b[p] !== 0x7b) throw GIVE_UP
    const attributes = newAttributes()
    sink.reset(attributes)
    let time: unknown, observed: unknown, severityText: unknown, severityNumber: unknown, eventName: unknown
    let traceId: unknown, spanId: unknown, flags: unknown
    let body = ''
    if (!opens(0x7b, 0x7d)) {
      let seen = 0
      do {
        const id = nameId(LOG)
        if (id < 0) {
          skip(0)
          continue
        }
        if ((seen & (1 << id)) !== 0) throw GIVE_UP
        seen |= 1 << id
        switch (id) {
          case 0: time = scalar(); break
          case 1: observed = scalar(); break
          case 2: severityNumber = scalar(); break
          case 3: severityText = b[p] === 0x22 ? cachedText(severityTexts, 0) : scalar(); break
          case 4: body = bodyText(); break
          case 5: keyValues(sink, recordKeys, recordValues); break
          case 6: flags = scalar(); break
          case 7: traceId = scalar(); break
          case 8: spanId = scalar(); break
          default: eventName = scalar()
        }
      } while (more(0x7d))
    }
    const record = buildLogRecord(
      state, resource, serviceName, scopeName, scopeVersion, attributes,
      time, observed, severityText, severityNumber, eventName, traceId, spanId, body, flags,
    )
    if (typeof record === 'string') throw GIVE_UP
    records.push(record)
  } while (more(0x5d))
}

/** A list of KeyValue into the sink (what putKeyValues does at the top level); a non-array adds nothing. */
function keyValues(sink: AttributeSink, keys: string[], values: string[]): void {
  if (b[p] !== 0x5b) {
    skip(0)
    return
  }
  if (opens(0x5b, 0x5d)) return
  let i = 0
  do {
    // putKeyValues skips what is not an object (an array is one to it: give up)
    if (b[p] !== 0x7b) {
      if (b[p] === 0x5b) throw GIVE_UP
      skip(0)
      continue
    }
    const slot = i < CACHED_POSITIONS ? i : -1
    i++
    if (opens(0x7b, 0x7d)) throw GIVE_UP
    let key: string | undefined
    let valued = false
    do {
      const id = nameId(KEY_VALUE)
      if (id === 0) {
        if (key !== undefined || b[p] !== 0x22) throw GIVE_UP
        key = slot >= 0 ? cachedText(keys, slot) : text()
      } else if (id === 1) {
        if (key === undefined || valued) throw GIVE_UP
        valued = true
        attributeValue(sink, key, values, slot)
      } else skip(0)
    } while (more(0x7d))
    if (!valued) throw GIVE_UP
  } while (more(0x5d))
}

/**
 * An AnyValue of one scalar member (or a bare scalar) as text, as putAnyValue / anyValueText give
 * it; undefined (and `p` back at the value) for any other AnyValue.
 */
function simpleAnyValue(cache: string[] | undefined, slot: number): string | undefined {
  const start = p
  const c = b[p]
  if (c !== 0x7b) return c === 0x5b ? undefined : scalarText(scalar())
  p++
  ws()
  if (b[p] !== 0x22) {
    p = start
    return undefined
  }
  const id = nameId(ANY_VALUE, false)
  const v = b[p]
  let out: string
  if (id === 0 && v === 0x22) out = cache !== undefined && slot >= 0 ? cachedText(cache, slot) : text()
  else if (id < 0 || v === 0x7b || v === 0x5b) {
    p = start
    return undefined
  } else if (id === 2) {
    const x = scalar()
    out = x === true || x === 'true' ? 'true' : 'false'
  } else out = scalarText(scalar())
  ws()
  if (b[p] !== 0x7d) {
    p = start
    return undefined
  }
  p++
  return out
}

/**
 * Any other AnyValue (kvlist, array, bytes, several members, snake_case): its bytes parsed on
 * their own, as JSON.parse would have given them inside the document.
 */
function parsedValue(): Json {
  const start = p
  skip(0)
  return JSON.parse(b.utf8Slice(start, p))
}

/** A KeyValue's value into the sink, under `key`. */
function attributeValue(sink: AttributeSink, key: string, cache: string[], slot: number): void {
  const v = simpleAnyValue(cache, slot)
  if (v !== undefined) sink.put(key, v)
  else putAnyValue(parsedValue(), sink, key, 1)
}

/** A log record's body as text. */
function bodyText(): string {
  const v = simpleAnyValue(undefined, 0)
  return v !== undefined ? v : anyValueText(parsedValue())
}

/** json-common.ts scalarText for a JSON scalar. */
function scalarText(v: unknown): string {
  return typeof v === 'string' ? v : v === null ? '' : String(v)
}

// ---- the JSON grammar -------------------------------------------------------------------

function ws(): void {
  const buf = b
  let i = p
  let c = buf[i]
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++i]
  p = i
}

/** At `open` (after whitespace): steps in; true when the container is empty (then also past `close`). */
function opens(open: number, close: number): boolean {
  ws()
  if (b[p] !== open) throw GIVE_UP
  p++
  ws()
  if (b[p] !== close) return false
  p++
  return true
}

/** After a member or element: true when a `,` announces another (then at its start), false at `close`. */
function more(close: number): boolean {
  ws()
  const c = b[p++]
  if (c === 0x2c) {
    ws()
    return true
  }
  if (c === close) return false
  throw GIVE_UP
}

/**
 * A member name and its `:`: its index in `table`, or -1 for a member nobody reads. `strict`: a
 * snake_case name gives up (it may be a field the decoder reads under that spelling too).
 */
function nameId(table: readonly Uint8Array[], strict = true): number {
  const buf = b
  if (buf[p] !== 0x22) throw GIVE_UP
  const q0 = p + 1
  // the names this level reads, compared in place (a name without quote or backslash that is
  // followed by a quote is the whole name)
  for (let k = 0; k < table.length; k++) {
    const t = table[k]
    const n = t.length
    if (buf[q0 + n] !== 0x22) continue
    let j = 0
    while (j < n && buf[q0 + j] === t[j]) j++
    if (j === n) {
      p = q0 + n + 1
      colon()
      return k
    }
  }
  let i = q0
  let underscore = false
  for (; i < end; i++) {
    const c = buf[i]
    if (c === 0x22) break
    if (c === 0x5f) underscore = true
    else if (c === 0x5c || c < 0x20) throw GIVE_UP
  }
  if (i >= end) throw GIVE_UP
  p = i + 1
  colon()
  // a snake_case name may be a field the decoder reads under its other spelling
  if (underscore && strict) throw GIVE_UP
  return -1
}

function colon(): void {
  ws()
  if (b[p] !== 0x3a) throw GIVE_UP
  p++
  ws()
}

/** A string at `p`, as text. */
function text(): string {
  // locals in the loop: module state lives in a context slot V8 would load and store per byte
  const buf = b
  const n = end
  const q0 = p + 1
  let i = q0
  let high = 0
  for (; i < n; i++) {
    const k = CLASS[buf[i]]
    if (k === PLAIN) continue
    if (k === QUOTE) {
      p = i + 1
      plain = high === 0
      return high === 0 ? buf.latin1Slice(q0, i) : buf.utf8Slice(q0, i)
    }
    if (k === HIGH) high = 1
    else if (k === BACKSLASH) {
      p = i
      return escaped(q0)
    } else throw GIVE_UP
  }
  throw GIVE_UP
}

/** The rest of a string with escapes: found by its closing quote, decoded by JSON.parse (which checks the escapes). */
function escaped(q0: number): string {
  for (; p < end; p++) {
    const c = b[p]
    if (c === 0x22) {
      p++
      plain = false
      return JSON.parse(b.utf8Slice(q0 - 1, p)) as string
    }
    if (c < 0x20) throw GIVE_UP
    if (c === 0x5c) p++
  }
  throw GIVE_UP
}

/** A string at `p`: the one in `cache[slot]` when the bytes are the same, else read (and cached when short and plain). */
function cachedText(cache: string[], slot: number): string {
  const prev = cache[slot]
  if (prev !== undefined) {
    const n = prev.length
    const q0 = p + 1
    const buf = b
    if (q0 + n < end && buf[q0 + n] === 0x22) {
      let j = 0
      while (j < n && buf[q0 + j] === prev.charCodeAt(j)) j++
      if (j === n) {
        p = q0 + n + 1
        return prev
      }
    }
  }
  const s = text()
  if (plain && s.length <= CACHED_LENGTH) cache[slot] = s
  return s
}

/** A string, number, true, false or null, as JSON.parse gives it; anything else gives up. */
function scalar(): unknown {
  const c = b[p]
  if (c === 0x22) return text()
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return number()
  if (c === 0x74) return literal(TRUE, true)
  if (c === 0x66) return literal(FALSE, false)
  if (c === 0x6e) return literal(NULL, null)
  throw GIVE_UP
}

function literal<T>(bytes: Uint8Array, value: T): T {
  for (let i = 0; i < bytes.length; i++) if (b[p + i] !== bytes[i]) throw GIVE_UP
  p += bytes.length
  return value
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** A JSON number (the full grammar); small unsigned integers are computed here. */
function number(): number {
  const q0 = p
  if (b[p] === 0x2d) p++
  if (b[p] === 0x30) p++
  else if (b[p] >= 0x31 && b[p] <= 0x39) while (isDigit(b[p])) p++
  else throw GIVE_UP
  let integer = true
  if (b[p] === 0x2e) {
    p++
    if (!isDigit(b[p])) throw GIVE_UP
    while (isDigit(b[p])) p++
    integer = false
  }
  if (b[p] === 0x65 || b[p] === 0x45) {
    p++
    if (b[p] === 0x2b || b[p] === 0x2d) p++
    if (!isDigit(b[p])) throw GIVE_UP
    while (isDigit(b[p])) p++
    integer = false
  }
  if (integer && b[q0] !== 0x2d && p - q0 <= 9) {
    let n = 0
    for (let i = q0; i < p; i++) n = n * 10 + b[i] - 0x30
    return n
  }
  return Number(b.latin1Slice(q0, p))
}

/** Any JSON value, checked and passed over. */
function skip(depth: number): void {
  const c = b[p]
  if (c === 0x7b || c === 0x5b) {
    if (depth >= 64) throw GIVE_UP
    const close = c + 2
    if (opens(c, close)) return
    do {
      if (c === 0x7b) {
        if (b[p] !== 0x22) throw GIVE_UP
        text()
        colon()
      }
      skip(depth + 1)
    } while (more(close))
    return
  }
  scalar()
}
