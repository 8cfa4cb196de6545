/**
 * A span as one compact JSON line (`spanLine`, written on the service's thread by span-export.ts),
 * and how such a line maps to a span (`lineToSpan`) — one rule set, used in two places:
 *  - the server's `POST /v1/span-lines` receiver (the SDK's span path: the export worker sends the
 *    lines as they are, and Beacon maps them once, at ingest), through `@beacon/sdk/span-lines`;
 *  - the SDK's fallback to OTLP/JSON `POST /v1/traces` (a collector or an older Beacon without that
 *    endpoint), and the SDK's tests.
 *
 *   span.end() ─▶ spanLine() ─▶ one compact JSON line ─▶ LogShipper buffer ─▶ (export worker)
 *       batch ─▶ resourceLine() + lines as they are ─▶ POST /v1/span-lines ─▶ server: lineToSpan()
 *             └─ (404: no such endpoint) ─▶ linesToSpans() ─▶ encodeOtlpSpans() ─▶ POST /v1/traces
 *
 * A line is `{t,s,p,n,k,b,e,c,m,a,v,l,o,f,ts}`: trace id, span id, parent span id, name, kind (the
 * OpenTelemetry API's, 0 = internal), start and end as `[seconds, nanoseconds]`, status code and
 * message, attributes, events `[{n,t,a}]`, links `[{t,s,a}]`, scope name, trace flags, trace state.
 * Attribute values stay as they are (string, number, boolean, or an array of those); another object
 * becomes its JSON text; null is left out.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { keyValues, type Attributes, type AttributeValue } from '../logging/records.ts'

type Hr = [number, number]

/** One span as a line (what `spanLine` writes); events `v`, links `l` and trace state `ts` only when present. */
export interface SpanLine {
  t: string; s: string; p?: string; n: string; k: number; b: Hr; e: Hr; c: number; m?: string
  a: Record<string, unknown>; v?: { n: string; t: Hr; a?: Record<string, unknown> }[]
  l?: { t: string; s: string; a?: Record<string, unknown> }[]; o: string; f: number; ts?: string
}

/**
 * A finished span → one JSON line (runs on the service's thread: keep it cheap). Written as text
 * around one `JSON.stringify` of the attributes: the same bytes as `spanLineOf`'s object, in a
 * little over half the time (the seconds of `b`/`e` are doubles, slow in `JSON.stringify`, while
 * a template hits V8's number-string cache). Anything unusual (non-string name, non-finite times,
 * events, links) goes through `spanLineOf`.
 */
export function spanLine(span: ReadableSpan): string {
  const sc = span.spanContext()
  const b = span.startTime
  const e = span.endTime
  const st = span.status
  if (typeof span.name !== 'string' || span.events.length > 0 || span.links.length > 0 || typeof span.kind !== 'number'
    || !Number.isFinite(b[0]) || !Number.isFinite(b[1]) || !Number.isFinite(e[0]) || !Number.isFinite(e[1])
    || typeof st.code !== 'number' || typeof sc.traceFlags !== 'number' || typeof span.instrumentationScope.name !== 'string') return spanLineOf(span)
  const p = span.parentSpanContext?.spanId
  // Ids are hex (a tracer's own, or a parent's that passed isSpanContextValid): nothing to escape.
  let line = `{"t":"${sc.traceId}","s":"${sc.spanId}"`
  if (p !== undefined) line += `,"p":"${p}"`
  line += `,"n":${JSON.stringify(span.name)},"k":${span.kind},"b":[${b[0]},${b[1]}],"e":[${e[0]},${e[1]}],"c":${st.code}`
  if (st.message !== undefined) line += `,"m":${JSON.stringify(st.message)}`
  line += `,"a":${JSON.stringify(span.attributes)},"o":${JSON.stringify(span.instrumentationScope.name)},"f":${sc.traceFlags}`
  const ts = sc.traceState?.serialize()
  if (ts) line += `,"ts":${JSON.stringify(ts)}`
  return `${line}}\n`
}

/** `spanLine` as one `JSON.stringify` of a `SpanLine` object (the reference for its output). */
export function spanLineOf(span: ReadableSpan): string {
  const sc = span.spanContext()
  const line: SpanLine = {
    t: sc.traceId, s: sc.spanId, p: span.parentSpanContext?.spanId, n: span.name, k: span.kind,
    b: span.startTime as Hr, e: span.endTime as Hr, c: span.status.code, m: span.status.message,
    a: span.attributes, o: span.instrumentationScope.name, f: sc.traceFlags,
  }
  const ts = sc.traceState?.serialize()
  if (ts) line.ts = ts
  if (span.events.length > 0) line.v = span.events.map((e) => ({ n: e.name, t: e.time as Hr, a: e.attributes }))
  if (span.links.length > 0) line.l = span.links.map((l) => ({ t: l.context.traceId, s: l.context.spanId, a: l.attributes }))
  return `${JSON.stringify(line)}\n`
}

/** Span attribute values as exported: OpenTelemetry's (scalars and arrays of scalars). */
export type SpanAttributes = Record<string, AttributeValue | AttributeValue[]>

/** One span as exported (the OTLP fields Beacon reads). */
export interface ShippedSpan {
  traceId: string
  spanId: string
  /** '' for a root span. */
  parentSpanId: string
  traceState: string
  name: string
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number
  startTimeUnixNano: string
  endTimeUnixNano: string
  flags: number
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number
  statusMessage: string
  attributes: SpanAttributes
  events: { timeUnixNano: string; name: string; attributes: SpanAttributes }[]
  links: { traceId: string; spanId: string; attributes: SpanAttributes }[]
  /** The instrumentation scope's name. */
  scope: string
}

const HEX32 = /^[0-9a-f]{32}$/
const HEX16 = /^[0-9a-f]{16}$/
const ZERO32 = '0'.repeat(32)
const ZERO16 = '0'.repeat(16)

/** `[seconds, nanoseconds]` → decimal nanoseconds; undefined when it is not such a pair. */
function nanos(t: unknown): string | undefined {
  if (!Array.isArray(t) || t.length !== 2) return undefined
  const [s, n] = t as [unknown, unknown]
  if (typeof s !== 'number' || typeof n !== 'number' || !Number.isSafeInteger(s) || !Number.isInteger(n) || s < 0 || n < 0 || n > 999_999_999) return undefined
  return s === 0 ? String(n) : `${s}${String(n).padStart(9, '0')}`
}

function attributes(a: unknown): SpanAttributes {
  const out: SpanAttributes = {}
  if (a === null || typeof a !== 'object' || Array.isArray(a)) return out
  const o = a as Record<string, unknown>
  for (const k in o) {
    const v = o[k]
    if (v === undefined || v === null) continue
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v
    else if (Array.isArray(v)) {
      const values: AttributeValue[] = []
      for (const x of v) {
        if (x === null || x === undefined) continue
        values.push(typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? x : JSON.stringify(x))
      }
      out[k] = values
    } else out[k] = JSON.stringify(v)
  }
  return out
}

/**
 * One parsed span line → one span, or why it is not a span (a message naming the field).
 * @example lineToSpan(JSON.parse(spanLine(span)))
 */
export function lineToSpan(x: Record<string, unknown>): ShippedSpan | string {
  if (typeof x.t !== 'string' || !HEX32.test(x.t) || x.t === ZERO32) return `t (trace id) ${JSON.stringify(x.t) ?? 'undefined'} is not 32 lowercase hex digits (and not all zeros)`
  if (typeof x.s !== 'string' || !HEX16.test(x.s) || x.s === ZERO16) return `s (span id) ${JSON.stringify(x.s) ?? 'undefined'} is not 16 lowercase hex digits (and not all zeros)`
  const start = nanos(x.b)
  if (start === undefined || start === '0') return `b (start) ${JSON.stringify(x.b) ?? 'undefined'} is not [seconds, nanoseconds]`
  const end = nanos(x.e)
  if (end === undefined) return `e (end) ${JSON.stringify(x.e) ?? 'undefined'} is not [seconds, nanoseconds]`
  const events: ShippedSpan['events'] = []
  if (Array.isArray(x.v)) {
    for (const e of x.v as Record<string, unknown>[]) {
      if (e === null || typeof e !== 'object') continue
      events.push({ timeUnixNano: nanos(e.t) ?? '0', name: typeof e.n === 'string' ? e.n : String(e.n ?? ''), attributes: attributes(e.a) })
    }
  }
  const links: ShippedSpan['links'] = []
  if (Array.isArray(x.l)) {
    for (const l of x.l as Record<string, unknown>[]) {
      if (l === null || typeof l !== 'object' || typeof l.t !== 'string' || typeof l.s !== 'string' || !HEX32.test(l.t) || !HEX16.test(l.s)) continue
      links.push({ traceId: l.t, spanId: l.s, attributes: attributes(l.a) })
    }
  }
  return {
    traceId: x.t,
    spanId: x.s,
    parentSpanId: typeof x.p === 'string' && HEX16.test(x.p) && x.p !== ZERO16 ? x.p : '',
    traceState: typeof x.ts === 'string' ? x.ts : '',
    name: typeof x.n === 'string' ? x.n : String(x.n ?? ''),
    kind: ((x.k as number) | 0) + 1,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    flags: (x.f as number) & 0xff,
    statusCode: (x.c as number) | 0,
    statusMessage: typeof x.m === 'string' ? x.m : '',
    attributes: attributes(x.a),
    events,
    links,
    scope: typeof x.o === 'string' ? x.o : '',
  }
}

/** Span lines (NDJSON) → spans; a line that is not a JSON object or not a span is skipped. */
export function linesToSpans(ndjson: string): ShippedSpan[] {
  const body = ndjson.trimEnd()
  if (body === '') return []
  let parsed: unknown[]
  try {
    // One parse for the whole batch is much cheaper than one per line.
    parsed = JSON.parse(`[${body.replace(/\n/g, ',')}]`) as unknown[]
  } catch {
    parsed = []
    for (const l of body.split('\n')) { try { parsed.push(JSON.parse(l)) } catch { /* skipped */ } }
  }
  const out: ShippedSpan[] = []
  for (const p of parsed) {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) continue
    const span = lineToSpan(p as Record<string, unknown>)
    if (typeof span !== 'string') out.push(span)
  }
  return out
}

const anyValue = (x: AttributeValue): string => typeof x === 'string' ? `{"stringValue":${JSON.stringify(x)}}`
  : typeof x === 'boolean' ? `{"boolValue":${x}}`
  : Number.isInteger(x) ? `{"intValue":${x}}`
  : Number.isFinite(x) ? `{"doubleValue":${x}}` : `{"stringValue":"${x}"}`

/** Span attributes → the text of an OTLP/JSON KeyValue list, in their order (arrays as arrayValue). */
function spanKeyValues(a: SpanAttributes): string {
  let out = ''
  for (const k in a) {
    const v = a[k]
    const value = Array.isArray(v) ? `{"arrayValue":{"values":[${v.map(anyValue).join(',')}]}}` : anyValue(v)
    out += `${out === '' ? '' : ','}{"key":${JSON.stringify(k)},"value":${value}}`
  }
  return out
}

/** Spans → an OTLP/JSON `ExportTraceServiceRequest` body, spans grouped by scope; undefined when there is none. */
export function encodeOtlpSpans(spans: ShippedSpan[], resource: Attributes): string | undefined {
  if (spans.length === 0) return undefined
  const byScope = new Map<string, string>()
  for (const x of spans) {
    let o = `{"traceId":"${x.traceId}","spanId":"${x.spanId}"`
    if (x.parentSpanId !== '') o += `,"parentSpanId":"${x.parentSpanId}"`
    if (x.traceState !== '') o += `,"traceState":${JSON.stringify(x.traceState)}`
    o += `,"name":${JSON.stringify(x.name)},"kind":${x.kind},"startTimeUnixNano":"${x.startTimeUnixNano}","endTimeUnixNano":"${x.endTimeUnixNano}","flags":${x.flags}`
    o += `,"attributes":[${spanKeyValues(x.attributes)}]`
    if (x.events.length > 0) o += `,"events":[${x.events.map((e) => `{"timeUnixNano":"${e.timeUnixNano}","name":${JSON.stringify(e.name)},"attributes":[${spanKeyValues(e.attributes)}]}`).join(',')}]`
    if (x.links.length > 0) o += `,"links":[${x.links.map((l) => `{"traceId":"${l.traceId}","spanId":"${l.spanId}","attributes":[${spanKeyValues(l.attributes)}]}`).join(',')}]`
    o += `,"status":{"code":${x.statusCode}${x.statusMessage !== '' ? `,"message":${JSON.stringify(x.statusMessage)}` : ''}}}`
    const prev = byScope.get(x.scope)
    byScope.set(x.scope, prev === undefined ? o : `${prev},${o}`)
  }
  const scopes = [...byScope].map(([name, list]) => `{"scope":{"name":${JSON.stringify(name)}},"spans":[${list}]}`).join(',')
  return `{"resourceSpans":[{"resource":{"attributes":[${keyValues(resource)}]},"scopeSpans":[${scopes}]}]}`
}

/** Span lines (NDJSON) → an OTLP/JSON `ExportTraceServiceRequest` body; undefined when no line is a span. */
export function linesToOtlpSpans(ndjson: string, resource: Attributes): string | undefined {
  return encodeOtlpSpans(linesToSpans(ndjson), resource)
}

export { resourceLine } from '../logging/records.ts'
