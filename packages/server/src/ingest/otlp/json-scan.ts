import type { Attributes, LogRecord } from '../../pipeline/record.ts'
import { newAttributes, type AttributeSink } from './attributes.ts'
import type { DecodeResult, DecodeState } from './fields.ts'
import { anyValueText, putAnyValue, stringsAreText } from './json-common.ts'
import { atEnd, begin, cachedText, closes, GIVE_UP, more, nameId, names, opens, parsed, peek, position, release, rewind, scalar, skip, text } from './json-bytes.ts'
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
 * The bytes are read by json-bytes.ts. Attribute keys and short values that repeat at the same
 * position from record to record (`http.route`, `GET`, `200`) are reused instead of sliced again.
 */

/** Member names each level reads, by index. */
const TOP = names('resourceLogs')
const RESOURCE_LOGS = names('resource', 'scopeLogs')
const RESOURCE = names('attributes')
const SCOPE_LOGS = names('scope', 'logRecords')
const SCOPE = names('name', 'version')
const LOG = names('timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'body', 'attributes', 'flags', 'traceId', 'spanId', 'eventName')
const KEY_VALUE = names('key', 'value')
const ANY_VALUE = names('stringValue', 'intValue', 'boolValue', 'doubleValue')
/** Attribute positions with a cache slot. */
const CACHED_POSITIONS = 64

// Scanning is synchronous: one document at a time, in module state.
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
  begin(body)
  stringsAreText()
  const records: LogRecord[] = []
  try {
    if (opens(0x7b, 0x7d)) return undefined
    let seen = false
    do {
      if (nameId(TOP) === 0) {
        if (seen) return undefined
        seen = true
        resourceLogs(records, state)
      } else skip(0)
    } while (more(0x7d))
    if (!atEnd() || !seen) return undefined
  } catch {
    return undefined
  } finally {
    release()
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
  if (peek() !== 0x7b) {
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
  if (peek() !== 0x5b) throw GIVE_UP
  if (opens(0x5b, 0x5d)) return
  do {
    if (peek() !== 0x7b) throw GIVE_UP
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
  if (peek() !== 0x7b) {
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
  if (peek() !== 0x5b) throw GIVE_UP
  if (opens(0x5b, 0x5d)) return
  const sink = state.sink
  do {
    if (peek() !== 0x7b) throw GIVE_UP
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
          case 3: severityText = peek() === 0x22 ? cachedText(severityTexts, 0) : scalar(); break
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
  if (peek() !== 0x5b) {
    skip(0)
    return
  }
  if (opens(0x5b, 0x5d)) return
  let i = 0
  do {
    // putKeyValues skips what is not an object (an array is one to it: give up)
    if (peek() !== 0x7b) {
      if (peek() === 0x5b) throw GIVE_UP
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
        if (key !== undefined || peek() !== 0x22) throw GIVE_UP
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
 * it; undefined (and the reader back at the value) for any other AnyValue: kvlist, array, bytes,
 * several members, snake_case — those are parsed on their own (`parsed()`, as JSON.parse would
 * have given them inside the document) and handed to the decoder's functions.
 */
function simpleAnyValue(cache: string[] | undefined, slot: number): string | undefined {
  const start = position()
  const c = peek()
  if (c !== 0x7b) return c === 0x5b ? undefined : scalarText(scalar())
  if (opens(0x7b, 0x7d) || peek() !== 0x22) {
    rewind(start)
    return undefined
  }
  const id = nameId(ANY_VALUE, false)
  const v = peek()
  let out: string
  if (id === 0 && v === 0x22) out = cache !== undefined && slot >= 0 ? cachedText(cache, slot) : text()
  else if (id < 0 || v === 0x7b || v === 0x5b) {
    rewind(start)
    return undefined
  } else if (id === 2) {
    const x = scalar()
    out = x === true || x === 'true' ? 'true' : 'false'
  } else out = scalarText(scalar())
  if (!closes(0x7d)) {
    rewind(start)
    return undefined
  }
  return out
}

/** A KeyValue's value into the sink, under `key`. */
function attributeValue(sink: AttributeSink, key: string, cache: string[], slot: number): void {
  const v = simpleAnyValue(cache, slot)
  if (v !== undefined) sink.put(key, v)
  else putAnyValue(parsed(), sink, key, 1)
}

/** A log record's body as text. */
function bodyText(): string {
  const v = simpleAnyValue(undefined, 0)
  return v !== undefined ? v : anyValueText(parsed())
}

/** json-common.ts scalarText for a JSON scalar. */
function scalarText(v: unknown): string {
  return typeof v === 'string' ? v : v === null ? '' : String(v)
}

