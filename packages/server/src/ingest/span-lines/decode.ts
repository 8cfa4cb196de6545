import { lineToSpan, type SpanAttributes } from '@beacon/sdk/span-lines'
import { flattenInto } from '@beacon/sdk/pino-lines'
import type { Config } from '../../config/schema.ts'
import type { Attributes, SpanEvent, SpanLink, SpanRecord } from '../../pipeline/record.ts'
import { decodeLines } from '../lines-decode.ts'
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
 * Bad lines and bodies: lines-decode.ts; a line that is not a span (ids, times) is rejected on its own.
 */

export interface DecodeOptions {
  limits: Config['limits']
}

export function decodeSpanLines(body: Buffer, opts: DecodeOptions): DecodeResult<SpanRecord> {
  return decodeLines(body, 'span line', (head) => {
    const sink = new AttributeSink(opts.limits)
    const nested = new AttributeSink(opts.limits)
    const max = sink.maxValueBytes
    const resource = newAttributes()
    sink.reset(resource)
    const flat = flattenInto(head.resource, '', {})
    for (const key in flat) sink.put(key, String(flat[key]))
    const serviceName = resource['service.name'] ?? ''

    return (line): SpanRecord | string => {
      const s = lineToSpan(line)
      if (typeof s === 'string') return s
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
      return {
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
      }
    }
  })
}

/** SDK span attribute values → the server's string map, with its limits; an array as its JSON text (as OTLP arrayValue is stored). */
function putAll(sink: AttributeSink, target: Attributes, from: SpanAttributes): void {
  sink.reset(target)
  for (const key in from) {
    const v = from[key]
    sink.put(key, typeof v === 'string' ? v : Array.isArray(v) ? JSON.stringify(v) : String(v))
  }
}
