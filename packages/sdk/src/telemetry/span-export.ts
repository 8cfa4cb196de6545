/**
 * Span export off the service's thread. When a sampled span ends, the service's thread writes it as
 * one compact JSON line (its ids, name, kind, times, status, attributes, events, links) into the
 * same kind of bounded buffer the logs use (LogShipper); a batch of lines goes to the export worker,
 * which builds the OTLP/JSON request and posts it to `{endpoint}/v1/traces`.
 *
 *   span.end() ─▶ ShippingSpanProcessor.onEnd ─▶ spanLine() ─▶ LogShipper (bounded, batches) ─▶ worker
 *                                                                  worker: linesToOtlpSpans() ─▶ POST /v1/traces
 *
 * This replaces BatchSpanProcessor + the OTLP/protobuf exporter, which encoded every span on the
 * service's thread (≈ 25 µs per span measured on the bench machine, loaded).
 */
import type { Context } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { LogShipper } from '../logging/shipper.ts'
import { keyValues, type Attributes } from '../logging/records.ts'

type Hr = [number, number]

/** One span as a line: `{t,s,p,n,k,b,e,c,m,a,v,l,o,f,ts}`; events `v` and links `l` only when present. */
interface SpanLine {
  t: string; s: string; p?: string; n: string; k: number; b: Hr; e: Hr; c: number; m?: string
  a: Record<string, unknown>; v?: { n: string; t: Hr; a?: Record<string, unknown> }[]
  l?: { t: string; s: string; a?: Record<string, unknown> }[]; o: string; f: number; ts?: string
}

/** A finished span → one JSON line (runs on the service's thread: keep it cheap). */
export function spanLine(span: ReadableSpan): string {
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

/** Hands every sampled, finished span to the shipper (which bounds, counts and batches them). */
export class ShippingSpanProcessor implements SpanProcessor {
  constructor(private readonly shipper: LogShipper) {}
  onStart(_span: Span, _parent: Context): void {}
  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return
    let line: string
    try { line = spanLine(span) } catch { return }
    this.shipper.push(line)
  }
  forceFlush(): Promise<void> { return this.shipper.flush() }
  shutdown(): Promise<void> { return this.shipper.flush() }
}

// ── in the export worker ──────────────────────────────────────────────────────────────────────

const nanos = (t: Hr): string => (t[0] === 0 ? String(t[1]) : `${t[0]}${String(t[1]).padStart(9, '0')}`)

/** Attribute values as OTLP AnyValue text (arrays as arrayValue; other objects as JSON text). */
function attrs(a: Record<string, unknown> | undefined): string {
  if (a === undefined) return ''
  let flat: Attributes | undefined
  let extra = ''
  for (const k in a) {
    const v = a[k]
    if (v === undefined || v === null) continue
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') (flat ??= {})[k] = v
    else if (Array.isArray(v)) {
      const values = v.filter((x) => x !== null && x !== undefined).map((x) => typeof x === 'string' ? `{"stringValue":${JSON.stringify(x)}}` : typeof x === 'boolean' ? `{"boolValue":${x}}` : Number.isInteger(x) ? `{"intValue":${x}}` : `{"doubleValue":${Number(x)}}`)
      extra += `${extra === '' ? '' : ','}{"key":${JSON.stringify(k)},"value":{"arrayValue":{"values":[${values.join(',')}]}}}`
    } else (flat ??= {})[k] = JSON.stringify(v)
  }
  const base = flat === undefined ? '' : keyValues(flat)
  return base === '' ? extra : extra === '' ? base : `${base},${extra}`
}

const HEX32 = /^[0-9a-f]{32}$/
const HEX16 = /^[0-9a-f]{16}$/

/** Span lines (NDJSON) → an OTLP/JSON `ExportTraceServiceRequest` body, spans grouped by scope; `undefined` when none is valid. */
export function linesToOtlpSpans(ndjson: string, resource: Attributes): string | undefined {
  const body = ndjson.trimEnd()
  if (body === '') return undefined
  let parsed: unknown[]
  try {
    parsed = JSON.parse(`[${body.replace(/\n/g, ',')}]`) as unknown[]
  } catch {
    parsed = []
    for (const l of body.split('\n')) { try { parsed.push(JSON.parse(l)) } catch { /* skipped */ } }
  }
  const byScope = new Map<string, string>()
  for (const p of parsed) {
    const x = p as SpanLine
    if (x === null || typeof x !== 'object' || !HEX32.test(x.t) || !HEX16.test(x.s)) continue
    let o = `{"traceId":"${x.t}","spanId":"${x.s}"`
    if (x.p !== undefined && HEX16.test(x.p)) o += `,"parentSpanId":"${x.p}"`
    if (x.ts !== undefined) o += `,"traceState":${JSON.stringify(x.ts)}`
    o += `,"name":${JSON.stringify(String(x.n))},"kind":${(x.k | 0) + 1},"startTimeUnixNano":"${nanos(x.b)}","endTimeUnixNano":"${nanos(x.e)}","flags":${x.f | 0}`
    o += `,"attributes":[${attrs(x.a)}]`
    if (x.v !== undefined) o += `,"events":[${x.v.map((e) => `{"timeUnixNano":"${nanos(e.t)}","name":${JSON.stringify(String(e.n))},"attributes":[${attrs(e.a)}]}`).join(',')}]`
    if (x.l !== undefined) o += `,"links":[${x.l.filter((l) => HEX32.test(l.t) && HEX16.test(l.s)).map((l) => `{"traceId":"${l.t}","spanId":"${l.s}","attributes":[${attrs(l.a)}]}`).join(',')}]`
    o += `,"status":{"code":${x.c | 0}${x.m ? `,"message":${JSON.stringify(x.m)}` : ''}}}`
    const scope = typeof x.o === 'string' ? x.o : ''
    const prev = byScope.get(scope)
    byScope.set(scope, prev === undefined ? o : `${prev},${o}`)
  }
  if (byScope.size === 0) return undefined
  const scopes = [...byScope].map(([name, spans]) => `{"scope":{"name":${JSON.stringify(name)}},"spans":[${spans}]}`).join(',')
  return `{"resourceSpans":[{"resource":{"attributes":[${keyValues(resource)}]},"scopeSpans":[${scopes}]}]}`
}
