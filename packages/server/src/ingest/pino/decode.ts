import { flattenInto, lineToRecord } from '@beacon/sdk/pino-lines'
import type { Config } from '../../config/schema.ts'
import type { Attributes, LogRecord } from '../../pipeline/record.ts'
import { decodeLines, isObject } from '../lines-decode.ts'
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
 * Bad lines and bodies: lines-decode.ts; a line whose `time` is not ms since the epoch is rejected.
 */

export interface DecodeOptions {
  limits: Config['limits']
}

const NANOS = /^\d{1,20}$/

export function decodePinoLines(body: Buffer, opts: DecodeOptions): DecodeResult<LogRecord> {
  return decodeLines(body, 'pino JSON line', (head) => {
    const sink = new AttributeSink(opts.limits)
    const resource = newAttributes()
    putAll(sink, resource, flattenInto(head.resource, '', {}))
    const scope = isObject(head.scope) ? head.scope : {}
    const scopeName = typeof scope.name === 'string' ? truncateUtf8(scope.name, sink.maxValueBytes) : ''
    const scopeVersion = typeof scope.version === 'string' ? truncateUtf8(scope.version, sink.maxValueBytes) : ''
    const serviceName = resource['service.name'] ?? ''

    return (line): LogRecord | string => {
      const r = lineToRecord(line)
      if (!NANOS.test(r.timeUnixNano)) return `time ${JSON.stringify(line.time)} is not a time in ms since the epoch`
      const attributes = newAttributes()
      putAll(sink, attributes, r.attributes)
      const traceId = r.traceId === undefined || isZeroId(r.traceId) ? '' : r.traceId
      const spanId = r.spanId === undefined || isZeroId(r.spanId) ? '' : r.spanId
      return {
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
      }
    }
  })
}

/** SDK attribute values (string, number, boolean) → the server's string map, with its limits. */
function putAll(sink: AttributeSink, target: Attributes, from: Record<string, string | number | boolean>): void {
  sink.reset(target)
  for (const key in from) {
    const v = from[key]
    sink.put(key, typeof v === 'string' ? v : String(v))
  }
}
