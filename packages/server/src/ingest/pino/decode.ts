import { flattenInto, lineToRecord } from '@beacon/sdk/pino-lines'
import type { Config } from '../../config/schema.ts'
import type { Attributes, LogRecord } from '../../pipeline/record.ts'
import { LineReader } from '../elastic/bulk.ts'
import { AttributeSink, newAttributes, truncateUtf8 } from '../otlp/attributes.ts'
import { isZeroId, type DecodeResult } from '../otlp/fields.ts'

/**
 * A `POST /v1/pino-lines` body → LogRecord[]:
 *
 *   {"resource":{"service.name":"shop-api","host.name":"web-1",…},"scope":{"name":"@beacon/sdk"}}   ← first line, once
 *   {"level":"info","time":1764460000000,"msg":"order placed","order.id":"A-1",…}                  ← pino lines as written
 *   …
 *
 * Each line is mapped by the SDK's own rules (`lineToRecord`, `@beacon/sdk/pino-lines`), so a line
 * sent here gives the same record as the SDK's OTLP/JSON export of it to /v1/logs; the server's
 * limits (attribute count, value and body length) apply as on the OTLP receiver.
 * A body whose first line is not a resource line is undecodable (400); a line that is not a JSON
 * object is rejected on its own (partial success), unless no line is: then the body is not NDJSON (400).
 */

export interface DecodeOptions {
  limits: Config['limits']
}

const NANOS = /^\d{1,20}$/
const RESOURCE_LINE = 'the first line must be the resource line, e.g. {"resource":{"service.name":"shop-api"}}'

export function decodePinoLines(body: Buffer, opts: DecodeOptions): DecodeResult<LogRecord> {
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
  const resource = newAttributes()
  putAll(sink, resource, flattenInto(head.resource, '', {}))
  const scope = isObject(head.scope) ? head.scope : {}
  const scopeName = typeof scope.name === 'string' ? truncateUtf8(scope.name, sink.maxValueBytes) : ''
  const scopeVersion = typeof scope.version === 'string' ? truncateUtf8(scope.version, sink.maxValueBytes) : ''
  const serviceName = resource['service.name'] ?? ''

  const records: LogRecord[] = []
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
    const r = lineToRecord(parsed)
    if (!NANOS.test(r.timeUnixNano)) {
      reject(`time ${JSON.stringify(parsed.time)} is not a time in ms since the epoch`)
      continue
    }
    const attributes = newAttributes()
    putAll(sink, attributes, r.attributes)
    const traceId = r.traceId === undefined || isZeroId(r.traceId) ? '' : r.traceId
    const spanId = r.spanId === undefined || isZeroId(r.spanId) ? '' : r.spanId
    records.push({
      timeUnixNano: r.timeUnixNano,
      // As the SDK's OTLP export sets it (observed = event time), so both paths store the same row.
      observedTimeUnixNano: r.timeUnixNano,
      severityText: truncateUtf8(r.severityText, sink.maxValueBytes),
      severityNumber: r.severityNumber,
      serviceName,
      body: truncateUtf8(r.body, sink.maxBodyBytes),
      traceId,
      spanId,
      traceFlags: (r.traceFlags ?? 0) & 0xff,
      eventName: '',
      scopeName,
      scopeVersion,
      resource,
      attributes,
    })
  }
  if (readable === 0 && rejected > 0) {
    return { ok: false, message: `the body is not NDJSON: no line after the resource line is valid JSON (${firstReason}). Send one pino JSON line per line, each ending with a newline (a compressed body needs Content-Encoding: gzip)` }
  }
  if (rejected === 0) return { ok: true, records, rejected: 0 }
  const message = `${rejected} line${rejected === 1 ? '' : 's'} rejected: ${firstReason}${rejected > 1 ? ' (first of these errors)' : ''}`
  return { ok: true, records, rejected, rejectionMessage: message }
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** SDK attribute values (string, number, boolean) → the server's string map, with its limits. */
function putAll(sink: AttributeSink, target: Attributes, from: Record<string, string | number | boolean>): void {
  sink.reset(target)
  for (const key in from) {
    const v = from[key]
    sink.put(key, typeof v === 'string' ? v : String(v))
  }
}
