import { lineToSpan, type SpanAttributes } from '@beacon/sdk/span-lines'
import { flattenInto } from '@beacon/sdk/pino-lines'
import type { Config } from '../../config/schema.ts'
import type { Attributes, SpanEvent, SpanLink, SpanRecord } from '../../pipeline/record.ts'
import { LineReader } from '../elastic/bulk.ts'
import { AttributeSink, newAttributes, truncateUtf8 } from '../otlp/attributes.ts'
import { durationNano, spanKind, statusCode, type DecodeResult } from '../otlp/fields.ts'

/**
 * A `POST /v1/span-lines` body → SpanRecord[]:
 *
 *   {"resource":{"service.name":"shop-api","host.name":"web-1",…}}                                  ← first line, once
 *   {"t":"0af7…","s":"b7ad…","n":"GET /orders/:id","k":1,"b":[1764460000,5000],"e":[…],"c":0,"a":{…},"o":"@beacon/sdk/http-server","f":1}
 *   …                                                                                               ← span lines as the SDK wrote them
 *
 * Each line is mapped by the SDK's own rules (`lineToSpan`, `@beacon/sdk/span-lines`), so a line
 * sent here gives the same span as the SDK's OTLP/JSON export of it to /v1/traces; the server's
 * limits (attribute count, value length) apply as on the OTLP receiver.
 * A body whose first line is not a resource line is undecodable (400); a line that is not a JSON
 * object, or not a span (ids, times), is rejected on its own (partial success), unless no line is
 * JSON: then the body is not NDJSON (400).
 */

export interface DecodeOptions {
  limits: Config['limits']
}

const RESOURCE_LINE = 'the first line must be the resource line, e.g. {"resource":{"service.name":"shop-api"}}'

export function decodeSpanLines(body: Buffer, opts: DecodeOptions): DecodeResult<SpanRecord> {
  const lines = new LineReader(body)
  const first = lines.next()
  if (first === undefined) return { ok: true, records: [], rejected: 0 }
  let head: unknown
  try {
    head = JSON.parse(first)
  } catch (err) {
    return { ok: false, message: `line ${lines.lineNo}: ${RESOURCE_LINE}; it is not JSON (${(err as Error).message})` }
  }
  if (!isObject(head) || !isObject(head.resource)) return { ok: false, message: `line ${lines.lineNo}: ${RESOURCE_LINE}` }
  const sink = new AttributeSink(opts.limits)
  const nested = new AttributeSink(opts.limits)
  const max = sink.maxValueBytes
  const resource = newAttributes()
  sink.reset(resource)
  const flat = flattenInto(head.resource, '', {})
  for (const key in flat) sink.put(key, String(flat[key]))
  const serviceName = resource['service.name'] ?? ''

  const records: SpanRecord[] = []
  let rejected = 0
  let readable = 0
  let firstReason = ''
  const reject = (reason: string): void => {
    if (rejected++ === 0) firstReason = `line ${lines.lineNo}: ${reason}`
  }
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch (err) {
      reject(`not JSON (${(err as Error).message})`)
      continue
    }
    readable++
    if (!isObject(parsed)) {
      reject(`expected a JSON object, found ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}`)
      continue
    }
    const s = lineToSpan(parsed)
    if (typeof s === 'string') {
      reject(s)
      continue
    }
    const attributes = newAttributes()
    putAll(sink, attributes, s.attributes)
    const events: SpanEvent[] = []
    for (const e of s.events) {
      const ea = newAttributes()
      putAll(nested, ea, e.attributes)
      events.push({ timeUnixNano: e.timeUnixNano, name: truncateUtf8(e.name, max), attributes: ea })
    }
    const links: SpanLink[] = []
    for (const l of s.links) {
      const la = newAttributes()
      putAll(nested, la, l.attributes)
      links.push({ traceId: l.traceId, spanId: l.spanId, traceState: '', attributes: la })
    }
    records.push({
      timeUnixNano: s.startTimeUnixNano,
      durationNano: durationNano(s.startTimeUnixNano, s.endTimeUnixNano),
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      traceState: truncateUtf8(s.traceState, max),
      name: truncateUtf8(s.name, max),
      kind: spanKind(s.kind),
      serviceName,
      scopeName: s.scope,
      scopeVersion: '',
      resource,
      attributes,
      statusCode: statusCode(s.statusCode),
      statusMessage: truncateUtf8(s.statusMessage, max),
      events,
      links,
    })
  }
  if (readable === 0 && rejected > 0) {
    return { ok: false, message: `the body is not NDJSON: no line after the resource line is valid JSON (${firstReason}). Send one span line per line, each ending with a newline (a compressed body needs Content-Encoding: gzip)` }
  }
  if (rejected === 0) return { ok: true, records, rejected: 0 }
  const message = `${rejected} line${rejected === 1 ? '' : 's'} rejected: ${firstReason}${rejected > 1 ? ' (first of these errors)' : ''}`
  return { ok: true, records, rejected, rejectionMessage: message }
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** SDK span attribute values → the server's string map, with its limits; an array as its JSON text (as OTLP arrayValue is stored). */
function putAll(sink: AttributeSink, target: Attributes, from: SpanAttributes): void {
  sink.reset(target)
  for (const key in from) {
    const v = from[key]
    sink.put(key, typeof v === 'string' ? v : Array.isArray(v) ? JSON.stringify(v) : String(v))
  }
}
