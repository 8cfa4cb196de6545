import type { Attributes, SpanEvent, SpanLink, SpanRecord } from '../../pipeline/record.ts'
import { truncateUtf8, newAttributes } from './attributes.ts'
import { durationNano, spanKind, statusCode, type DecodeResult, type DecodeState } from './fields.ts'
import {
  enumNames, enumValue, field, hexId, isObject, list, nanoTime, putKeyValues, resourceAttributes, show, str, type Json,
} from './json-common.ts'

/**
 * OTLP/JSON ExportTraceServiceRequest → SpanRecord[]:
 *   { "resourceSpans": [ { "resource": {…}, "scopeSpans": [ { "scope": {…}, "spans": [ { "traceId",
 *     "spanId", "parentSpanId", "traceState", "name", "kind", "startTimeUnixNano", "endTimeUnixNano",
 *     "attributes", "events": [{ "timeUnixNano", "name", "attributes" }],
 *     "links": [{ "traceId", "spanId", "traceState", "attributes" }], "status": { "code", "message" } } ] } ] } ] }
 * A span without valid trace/span ids or start time is rejected on its own (OTLP requires them).
 */

const KIND_NAMES = enumNames('SPAN_KIND_', ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'])
const STATUS_NAMES = enumNames('STATUS_CODE_', ['UNSET', 'OK', 'ERROR'])

export function decodeTracesJson(doc: Json, state: DecodeState): DecodeResult<SpanRecord> {
  if (!isObject(doc)) return { ok: false, message: 'JSON: the body must be an object like {"resourceSpans":[…]}' }
  const resourceSpans = list(doc, 'resourceSpans', 'resource_spans')
  if (resourceSpans === undefined) return { ok: false, message: 'JSON: resourceSpans must be an array' }
  const spans: SpanRecord[] = []
  for (let i = 0; i < resourceSpans.length; i++) {
    const rs = resourceSpans[i]
    if (!isObject(rs)) return { ok: false, message: `JSON: resourceSpans[${i}] must be an object` }
    const resource = resourceAttributes(rs.resource, state.sink)
    const serviceName = resource['service.name'] || ''
    const scopeSpans = list(rs, 'scopeSpans', 'scope_spans')
    if (scopeSpans === undefined) return { ok: false, message: `JSON: resourceSpans[${i}].scopeSpans must be an array` }
    for (let j = 0; j < scopeSpans.length; j++) {
      const ss = scopeSpans[j]
      if (!isObject(ss)) return { ok: false, message: `JSON: resourceSpans[${i}].scopeSpans[${j}] must be an object` }
      const scope = isObject(ss.scope) ? ss.scope : {}
      const scopeName = typeof scope.name === 'string' ? str(scope.name) : ''
      const scopeVersion = typeof scope.version === 'string' ? str(scope.version) : ''
      const list_ = list(ss, 'spans', 'spans')
      if (list_ === undefined) return { ok: false, message: `JSON: resourceSpans[${i}].scopeSpans[${j}].spans must be an array` }
      for (let k = 0; k < list_.length; k++) {
        const span = toSpan(list_[k], state, resource, serviceName, scopeName, scopeVersion)
        if (typeof span === 'string') state.reject(`resourceSpans[${i}].scopeSpans[${j}].spans[${k}]: ${span}`)
        else spans.push(span)
      }
    }
  }
  return state.result(spans, 'span')
}

function toSpan(
  o: Json, state: DecodeState, resource: Attributes, serviceName: string, scopeName: string, scopeVersion: string,
): SpanRecord | string {
  if (!isObject(o)) return 'a span must be an object'
  const traceId = requiredId(field(o, 'traceId', 'trace_id'), 32, 'traceId')
  if (traceId.problem) return traceId.problem
  const spanId = requiredId(field(o, 'spanId', 'span_id'), 16, 'spanId')
  if (spanId.problem) return spanId.problem
  const rawParent = field(o, 'parentSpanId', 'parent_span_id')
  const parentSpanId = hexId(rawParent, 16)
  if (parentSpanId === null) return `parentSpanId ${show(rawParent)} is not 16 hex digits`
  const start = nanoTime(field(o, 'startTimeUnixNano', 'start_time_unix_nano'))
  if (!start) return start === '' ? 'startTimeUnixNano is missing' : `startTimeUnixNano ${show(field(o, 'startTimeUnixNano', 'start_time_unix_nano'))} is not a count of nanoseconds`
  const end = nanoTime(field(o, 'endTimeUnixNano', 'end_time_unix_nano'))
  if (end === null) return `endTimeUnixNano ${show(field(o, 'endTimeUnixNano', 'end_time_unix_nano'))} is not a count of nanoseconds`

  const sink = state.sink
  const max = sink.maxValueBytes
  const attributes = newAttributes()
  sink.reset(attributes)
  putKeyValues(o.attributes, sink, '', 1)
  const links: SpanLink[] = []
  for (const l of list(o, 'links', 'links') ?? []) {
    if (!isObject(l)) continue
    const lt = hexId(field(l, 'traceId', 'trace_id'), 32)
    const ls = hexId(field(l, 'spanId', 'span_id'), 16)
    if (lt === null || ls === null) return `link ${lt === null ? 'traceId' : 'spanId'} ${show(field(l, lt === null ? 'traceId' : 'spanId', lt === null ? 'trace_id' : 'span_id'))} is malformed`
    if (lt === '' && ls === '') continue
    const la = newAttributes()
    state.nestedSink.reset(la)
    putKeyValues(l.attributes, state.nestedSink, '', 1)
    links.push({ traceId: lt, spanId: ls, traceState: text(field(l, 'traceState', 'trace_state'), max), attributes: la })
  }
  const events: SpanEvent[] = []
  for (const e of list(o, 'events', 'events') ?? []) {
    if (!isObject(e)) continue
    const ea = newAttributes()
    state.nestedSink.reset(ea)
    putKeyValues(e.attributes, state.nestedSink, '', 1)
    events.push({ timeUnixNano: nanoTime(field(e, 'timeUnixNano', 'time_unix_nano')) || '0', name: text(e.name, max), attributes: ea })
  }
  const status = isObject(o.status) ? o.status : {}
  return {
    timeUnixNano: start,
    durationNano: end ? durationNano(start, end) : '0',
    traceId: traceId.id,
    spanId: spanId.id,
    parentSpanId,
    traceState: text(field(o, 'traceState', 'trace_state'), max),
    name: text(o.name, max),
    kind: spanKind(enumValue(o.kind, KIND_NAMES)),
    serviceName,
    scopeName,
    scopeVersion,
    resource,
    attributes,
    statusCode: statusCode(enumValue(status.code, STATUS_NAMES)),
    statusMessage: text(status.message, max),
    events,
    links,
  }
}

function requiredId(v: Json, hexLength: number, name: string): { id: string; problem: string } {
  const id = hexId(v, hexLength)
  if (id === null) return { id: '', problem: `${name} ${show(v)} is not ${hexLength} hex digits` }
  if (id === '') return { id: '', problem: v === undefined || v === null || v === '' ? `${name} is missing` : `${name} is all zeros (invalid)` }
  return { id, problem: '' }
}

function text(v: Json, maxBytes: number): string {
  return typeof v === 'string' ? truncateUtf8(str(v), maxBytes) : ''
}
