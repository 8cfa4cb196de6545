import type { Attributes, SpanEvent, SpanLink, SpanRecord } from '../../pipeline/record.ts'
import { truncateUtf8, newAttributes } from './attributes.ts'
import { durationNano, isZeroId, spanKind, statusCode, type DecodeResult, type DecodeState } from './fields.ts'
import { readAttribute, readResource, readScope } from './proto-common.ts'
import { I32, I64, LEN, VARINT, WireError, WireReader, fieldMask, u64ToDecimal } from './wire.ts'

/**
 * ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1, trace/v1) → SpanRecord[].
 *
 *   ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }
 *   ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; schema_url = 3 }
 *   ScopeSpans    { InstrumentationScope scope = 1; repeated Span spans = 2; schema_url = 3 }
 *   Span   { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
 *            fixed32 flags = 16; string name = 5; SpanKind kind = 6; fixed64 start_time_unix_nano = 7;
 *            fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; dropped_* = 10, 12, 14;
 *            repeated Event events = 11; repeated Link links = 13; Status status = 15 }
 *   Event  { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3 }
 *   Link   { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; attributes = 4; flags = 6 }
 *   Status { string message = 2; StatusCode code = 3 }
 */

const T_FIELD1 = (1 << 3) | LEN
const T_FIELD2 = (2 << 3) | LEN

const REQUEST_FIELDS = fieldMask(1)
const RESOURCE_SPANS_FIELDS = fieldMask(1, 2)
const SCOPE_SPANS_FIELDS = fieldMask(1, 2)
const SPAN_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 16)
const EVENT_FIELDS = fieldMask(1, 2, 3)
const LINK_FIELDS = fieldMask(1, 2, 3, 4)
const STATUS_FIELDS = fieldMask(2, 3)

export function decodeTracesProtobuf(body: Buffer, state: DecodeState): DecodeResult<SpanRecord> {
  const r = new WireReader(body)
  const spans: SpanRecord[] = []
  const end = body.length
  try {
    while (r.pos < end) {
      const tag = r.varint32(end)
      if (tag === T_FIELD1) readResourceSpans(r, r.lengthEnd(end), state, spans)
      else r.skip(tag, end, 'ExportTraceServiceRequest', REQUEST_FIELDS)
    }
  } catch (err) {
    if (err instanceof WireError) return { ok: false, message: err.message }
    throw err
  }
  return state.result(spans, 'span')
}

function readResourceSpans(r: WireReader, end: number, state: DecodeState, spans: SpanRecord[]): void {
  const first = spans.length
  let resource: Attributes = newAttributes()
  let serviceName = ''
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_FIELD2) readScopeSpans(r, r.lengthEnd(end), state, spans, resource, serviceName)
    else if (tag === T_FIELD1) {
      resource = readResource(r, r.lengthEnd(end), state.sink)
      serviceName = resource['service.name'] || ''
      for (let i = first; i < spans.length; i++) {
        spans[i].resource = resource
        spans[i].serviceName = serviceName
      }
    } else r.skip(tag, end, 'ResourceSpans', RESOURCE_SPANS_FIELDS)
  }
}

function readScopeSpans(r: WireReader, end: number, state: DecodeState, spans: SpanRecord[], resource: Attributes, serviceName: string): void {
  const first = spans.length
  let scopeName = ''
  let scopeVersion = ''
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_FIELD2) {
      const span = readSpan(r, r.lengthEnd(end), state, resource, serviceName, scopeName, scopeVersion)
      if (span !== undefined) spans.push(span)
    } else if (tag === T_FIELD1) {
      const scope = readScope(r, r.lengthEnd(end))
      scopeName = scope.name
      scopeVersion = scope.version
      for (let i = first; i < spans.length; i++) {
        spans[i].scopeName = scopeName
        spans[i].scopeVersion = scopeVersion
      }
    } else r.skip(tag, end, 'ScopeSpans', SCOPE_SPANS_FIELDS)
  }
}

const TWO_32 = 4294967296

function readSpan(
  r: WireReader, end: number, state: DecodeState,
  resource: Attributes, serviceName: string, scopeName: string, scopeVersion: string,
): SpanRecord | undefined {
  const start = r.pos
  const sink = state.sink
  const attributes = newAttributes()
  sink.reset(attributes)
  const span: SpanRecord = {
    timeUnixNano: '', durationNano: '0', traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '',
    kind: 'Unspecified', serviceName, scopeName, scopeVersion, resource, attributes,
    statusCode: 'Unset', statusMessage: '', events: [], links: [],
  }
  let startHi = 0, startLo = 0, endHi = 0, endLo = 0
  let linkError = ''
  while (r.pos < end) {
    const tag = r.varint32(end)
    switch (tag) {
      case (1 << 3) | LEN: span.traceId = r.hex(end); break
      case (2 << 3) | LEN: span.spanId = r.hex(end); break
      case (3 << 3) | LEN: span.traceState = truncateUtf8(r.string(end), sink.maxValueBytes); break
      case (4 << 3) | LEN: span.parentSpanId = r.hex(end); break
      case (5 << 3) | LEN: span.name = truncateUtf8(r.string(end), sink.maxValueBytes); break
      case (6 << 3) | VARINT: span.kind = spanKind(r.varint32(end)); break
      case (7 << 3) | I64: r.fixed64(end); startHi = r.hi; startLo = r.lo; break
      case (8 << 3) | I64: r.fixed64(end); endHi = r.hi; endLo = r.lo; break
      case (9 << 3) | LEN: readAttribute(r, end, sink); break
      case (11 << 3) | LEN: span.events.push(readEvent(r, r.lengthEnd(end), state)); break
      case (13 << 3) | LEN: {
        const link = readLink(r, r.lengthEnd(end), state)
        if (typeof link === 'string') linkError ||= link
        else if (link !== undefined) span.links.push(link)
        break
      }
      case (15 << 3) | LEN: readStatus(r, r.lengthEnd(end), span, sink.maxValueBytes); break
      case (16 << 3) | I32: r.fixed32(end); break // flags: the W3C trace flags are not stored for spans
      default: r.skip(tag, end, 'Span', SPAN_FIELDS)
    }
  }
  const problem = spanProblem(span, startHi, startLo) || linkError
  if (problem !== '') {
    state.reject(`${problem} (span "${span.name.slice(0, 100)}" at byte ${start})`)
    return undefined
  }
  if (isZeroId(span.parentSpanId)) span.parentSpanId = ''
  span.timeUnixNano = u64ToDecimal(startHi, startLo)
  if (endHi !== 0 || endLo !== 0) {
    const hiDiff = endHi - startHi
    if (hiDiff >= 0 && hiDiff < 0x200000) {
      const d = hiDiff * TWO_32 + (endLo - startLo)
      span.durationNano = d > 0 ? String(d) : '0'
    } else if (hiDiff > 0) span.durationNano = durationNano(span.timeUnixNano, u64ToDecimal(endHi, endLo))
  }
  return span
}

/** Why a span cannot be stored ('' when it can): OTLP requires valid trace and span ids and a start time. */
function spanProblem(span: SpanRecord, startHi: number, startLo: number): string {
  if (span.traceId.length !== 32 || isZeroId(span.traceId)) return idProblem('traceId', span.traceId, 16)
  if (span.spanId.length !== 16 || isZeroId(span.spanId)) return idProblem('spanId', span.spanId, 8)
  if (span.parentSpanId !== '' && span.parentSpanId.length !== 16) return idProblem('parentSpanId', span.parentSpanId, 8)
  if (startHi === 0 && startLo === 0) return 'startTimeUnixNano is missing'
  return ''
}

function idProblem(field: string, hex: string, bytes: number): string {
  if (hex === '') return `${field} is missing`
  if (isZeroId(hex)) return `${field} is all zeros (invalid)`
  return `${field} has ${hex.length / 2} bytes, expected ${bytes}`
}

function readEvent(r: WireReader, end: number, state: DecodeState): SpanEvent {
  const attributes = newAttributes()
  state.nestedSink.reset(attributes)
  const event: SpanEvent = { timeUnixNano: '0', name: '', attributes }
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === ((1 << 3) | I64)) {
      r.fixed64(end)
      event.timeUnixNano = u64ToDecimal(r.hi, r.lo)
    } else if (tag === T_FIELD2) event.name = truncateUtf8(r.string(end), state.sink.maxValueBytes)
    else if (tag === ((3 << 3) | LEN)) readAttribute(r, end, state.nestedSink)
    else r.skip(tag, end, 'Span.Event', EVENT_FIELDS)
  }
  return event
}

/** A link, undefined for a link without ids, or the reason its ids are malformed. */
function readLink(r: WireReader, end: number, state: DecodeState): SpanLink | string | undefined {
  const attributes = newAttributes()
  state.nestedSink.reset(attributes)
  const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes }
  while (r.pos < end) {
    const tag = r.varint32(end)
    switch (tag) {
      case (1 << 3) | LEN: link.traceId = r.hex(end); break
      case (2 << 3) | LEN: link.spanId = r.hex(end); break
      case (3 << 3) | LEN: link.traceState = truncateUtf8(r.string(end), state.sink.maxValueBytes); break
      case (4 << 3) | LEN: readAttribute(r, end, state.nestedSink); break
      default: r.skip(tag, end, 'Span.Link', LINK_FIELDS)
    }
  }
  if (link.traceId === '' && link.spanId === '') return undefined
  if (link.traceId.length !== 32) return 'link ' + idProblem('traceId', link.traceId, 16)
  if (link.spanId.length !== 16) return 'link ' + idProblem('spanId', link.spanId, 8)
  return link
}

function readStatus(r: WireReader, end: number, span: SpanRecord, maxBytes: number): void {
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_FIELD2) span.statusMessage = truncateUtf8(r.string(end), maxBytes)
    else if (tag === ((3 << 3) | VARINT)) span.statusCode = statusCode(r.varint32(end))
    else r.skip(tag, end, 'Status', STATUS_FIELDS)
  }
}
