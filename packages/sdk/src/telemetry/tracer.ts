/**
 * The SDK's own tracer: `@opentelemetry/api`'s `TracerProvider` / `Tracer` / `Span`, without
 * OpenTelemetry's SDK span machinery (`NodeTracerProvider`, `SpanImpl`, the span-processor chain,
 * its per-span metrics hooks). The instrumentations only use the API, so they cannot tell.
 *
 *   tracer.startSpan(name, options, ctx)
 *     ─▶ suppressed? ─▶ non-recording span (INVALID context)
 *     ─▶ parent = span of ctx (unless options.root); trace id inherited or new; span id new (pooled random bytes)
 *     ─▶ sampler: parent's sampled flag, else trace-id ratio (= ParentBased(TraceIdRatioBased(ratio)))
 *        └─ not sampled ─▶ non-recording span carrying the ids (context still propagates)
 *     ─▶ LeanSpan: attributes in a plain object, business keys (order.id, user.id) from ctx's baggage
 *   span.end() ─▶ times ─▶ one call: `onEnd(span)` (init.ts: slow/failed query records, then the export)
 *
 * Same rules as OpenTelemetry's SDK 2.x (`sdk-trace` Tracer/SpanImpl, checked by tracer.test.ts):
 * attribute keys non-empty, values scalars or homogeneous arrays (arrays copied), at most 128
 * attributes per span (later new keys dropped and counted), 128 events and 128 links (the oldest
 * dropped), 128 attributes per event/link; status: UNSET ignored, OK final, a message only with ERROR;
 * start time from `Date.now()` and the end from the monotonic clock; operations on an ended span
 * ignored. A finished span is also a `ReadableSpan` (the type of `@opentelemetry/sdk-trace-base`), so
 * a custom `SpanExporter` (tests, other backends) gets it as it is. Left out: `diag` messages for
 * misuse (OpenTelemetry builds an Error per operation on an ended span just to log it).
 */
import { randomFillSync } from 'node:crypto'
import { context as contextApi, propagation, trace, SpanKind, SpanStatusCode, TraceFlags, INVALID_SPAN_CONTEXT,
  type Attributes, type AttributeValue, type Context, type Exception, type HrTime, type Link, type Span, type SpanAttributes,
  type Baggage, type SpanContext, type SpanOptions, type SpanStatus, type TimeInput, type Tracer, type TracerProvider } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator, type InstrumentationScope } from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base'
import { ORDER_ID, USER_ID } from './business-keys.ts'

// ── contexts ────────────────────────────────────────────────────────────────────────────────────
// The API's context keys: `createContextKey` is `Symbol.for(description)`, so these are the very keys
// `trace.getSpan`, `propagation.getBaggage` and `isTracingSuppressed` read — read here directly,
// without the global API's registry lookup and version check on every call.
export const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN')
export const BAGGAGE_KEY = Symbol.for('OpenTelemetry Baggage Key')
export const SUPPRESS_TRACING_KEY = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING')

/** The span of a context (`trace.getSpan`). */
export function spanOf(ctx: Context): Span | undefined {
  return (ctx.getValue(SPAN_KEY) as Span | undefined) || undefined
}
/** The baggage of a context (`propagation.getBaggage`). */
export function baggageOf(ctx: Context): Baggage | undefined {
  return (ctx.getValue(BAGGAGE_KEY) as Baggage | undefined) || undefined
}

const MAX_DEPTH = 16

/**
 * A context one value longer than its parent: what `parent.setValue(key, value)` means, without the
 * API's `BaseContext` copying every entry into a new Map and making three closures per context (one
 * per request for the server span, one per child span). Lookups walk the chain, so a chain stops
 * growing at MAX_DEPTH: beyond it the values are copied into one `BaseContext` again.
 */
export class ChildContext implements Context {
  constructor(private readonly parent: Context, private readonly key: symbol, private readonly value: unknown, private readonly depth = 1) {}
  getValue(key: symbol): unknown {
    return key === this.key ? this.value : this.parent.getValue(key)
  }
  setValue(key: symbol, value: unknown): Context {
    return this.depth < MAX_DEPTH ? new ChildContext(this, key, value, this.depth + 1) : this.flattened().setValue(key, value)
  }
  deleteValue(key: symbol): Context {
    return this.setValue(key, undefined)
  }
  /** The same values in the parent's own kind of context (the chain's oldest ancestor). */
  private flattened(): Context {
    const links: ChildContext[] = [this]
    let c = this.parent
    while (c instanceof ChildContext) { links.push(c); c = c.parent }
    for (let i = links.length - 1; i >= 0; i--) c = c.setValue(links[i].key, links[i].value)
    return c
  }
}

/** OpenTelemetry SDK 2.x's default span limits (it reads no environment variables for them). */
export const LIMITS = { attributes: 128, events: 128, links: 128, attributesPerEvent: 128, attributesPerLink: 128 } as const

// ── ids: 4 KB of random bytes at a time, hex-encoded at once; an id is a substring of that text ──
const POOL = Buffer.allocUnsafe(4096)
let poolHex = ''
let poolAt = 0
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)

function randomHex(digits: number): string {
  if (poolAt + digits > poolHex.length) { randomFillSync(POOL); poolHex = POOL.toString('hex'); poolAt = 0 }
  const s = poolHex.substring(poolAt, poolAt + digits)
  poolAt += digits
  return s
}
/** 32 hex digits, never all zeros (an invalid id). */
export function newTraceId(): string {
  const id = randomHex(32)
  return id === ZERO_TRACE ? newTraceId() : id
}
/** 16 hex digits, never all zeros. */
export function newSpanId(): string {
  const id = randomHex(16)
  return id === ZERO_SPAN ? newSpanId() : id
}

// ── sampling: ParentBased(TraceIdRatioBased(ratio)), as OpenTelemetry computes it ─────────────────
/** The upper bound TraceIdRatioBasedSampler compares a trace id's hash with. */
export function ratioBound(ratio: number): number {
  const r = typeof ratio !== 'number' || Number.isNaN(ratio) ? 0 : ratio >= 1 ? 1 : ratio <= 0 ? 0 : ratio
  return r === 1 ? 0x100000000 : Math.floor(r * 0xffffffff)
}
/** TraceIdRatioBasedSampler's hash of a trace id: the xor of its four 32-bit words. */
export function traceIdHash(traceId: string): number {
  let acc = 0
  for (let i = 0; i < 32; i += 8) {
    let part = 0
    for (let j = 0; j < 8; j++) {
      const c = traceId.charCodeAt(i + j)
      part = (part << 4) | (c < 58 ? c - 48 : c < 71 ? c - 55 : c - 87)
    }
    acc = (acc ^ part) >>> 0
  }
  return acc
}

// ── time ────────────────────────────────────────────────────────────────────────────────────────
const perf = performance

function millisToHr(ms: number): HrTime {
  const s = Math.trunc(ms / 1000)
  return [s, Math.round((ms - s * 1000) * 1e6)]
}
function addHr(t: HrTime, ms: number): HrTime {
  const d = millisToHr(ms)
  let s = t[0] + d[0]
  let ns = t[1] + d[1]
  if (ns >= 1e9) { s += 1; ns -= 1e9 }
  return [s, ns]
}
function isHr(x: unknown): x is HrTime {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'number' && typeof x[1] === 'number'
}
function isTimeInput(x: unknown): x is TimeInput {
  return isHr(x) || typeof x === 'number' || x instanceof Date
}

// ── attributes ──────────────────────────────────────────────────────────────────────────────────
const hasOwn = Object.prototype.hasOwnProperty

/** OpenTelemetry's rule: a scalar, or an array whose non-null elements are all of one scalar type. */
function validArray(v: unknown[]): boolean {
  let type: string | undefined
  for (const x of v) {
    if (x === null || x === undefined) continue
    const t = typeof x
    if (t === type) continue
    if (type === undefined && (t === 'string' || t === 'number' || t === 'boolean')) { type = t; continue }
    return false
  }
  return true
}

/** A copy of `attrs` without invalid keys/values, at most `limit` entries; returns [attributes, kept, dropped]. */
function limitedCopy(attrs: Attributes | undefined, limit: number): [Attributes, number, number] {
  const out: Attributes = {}
  let n = 0
  let dropped = 0
  if (attrs === null || typeof attrs !== 'object') return [out, 0, 0]
  for (const k in attrs) {
    if (!hasOwn.call(attrs, k) || k === '') continue
    const v = attrs[k]
    if (v === null || v === undefined) continue
    const t = typeof v
    if (t !== 'string' && t !== 'number' && t !== 'boolean' && !(Array.isArray(v) && validArray(v))) continue
    if (n >= limit) { dropped++; continue }
    out[k] = Array.isArray(v) ? v.slice() : v
    n++
  }
  return [out, n, dropped]
}

type Ended = (span: LeanSpan) => void

/** A recording span; once ended, a `ReadableSpan`. */
export class LeanSpan implements Span, ReadableSpan {
  readonly attributes: Attributes = {}
  readonly links: Link[] = []
  readonly events: TimedEvent[] = []
  status: SpanStatus = { code: SpanStatusCode.UNSET }
  endTime: HrTime = [0, 0]
  duration: HrTime = [-1, -1]
  ended = false
  droppedAttributesCount = 0
  droppedEventsCount = 0
  droppedLinksCount = 0
  readonly startTime: HrTime
  private attributeCount = 0
  private readonly perfStart: number
  private readonly startMs: number
  private readonly startProvided: boolean

  constructor(
    private readonly ctx: SpanContext,
    public name: string,
    readonly kind: SpanKind,
    readonly parentSpanContext: SpanContext | undefined,
    readonly instrumentationScope: InstrumentationScope,
    readonly resource: Resource,
    private readonly onEnd: Ended,
    startTime: TimeInput | undefined,
  ) {
    const now = Date.now()
    this.startMs = now
    this.perfStart = perf.now()
    this.startProvided = startTime !== undefined && startTime !== null
    this.startTime = this.startProvided ? this.time(startTime) : [Math.trunc(now / 1000), (now % 1000) * 1e6]
  }

  spanContext(): SpanContext { return this.ctx }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (value === null || value === undefined || this.ended || key.length === 0) return this
    const t = typeof value
    if (t !== 'string' && t !== 'number' && t !== 'boolean') {
      if (!Array.isArray(value) || !validArray(value)) return this
      value = value.slice() as AttributeValue
    }
    if (!hasOwn.call(this.attributes, key)) {
      if (this.attributeCount >= LIMITS.attributes) { this.droppedAttributesCount++; return this }
      this.attributeCount++
    }
    this.attributes[key] = value
    return this
  }

  setAttributes(attributes: SpanAttributes): this {
    for (const k in attributes) if (hasOwn.call(attributes, k)) this.setAttribute(k, attributes[k])
    return this
  }

  addEvent(name: string, attributesOrStartTime?: SpanAttributes | TimeInput, startTime?: TimeInput): this {
    if (this.ended) return this
    if (isTimeInput(attributesOrStartTime)) {
      if (!isTimeInput(startTime)) startTime = attributesOrStartTime
      attributesOrStartTime = undefined
    }
    if (this.events.length >= LIMITS.events) { this.events.shift(); this.droppedEventsCount++ }
    const [attributes, , droppedAttributesCount] = limitedCopy(attributesOrStartTime as Attributes | undefined, LIMITS.attributesPerEvent)
    this.events.push({ name, attributes, time: this.time(startTime), droppedAttributesCount })
    return this
  }

  addLink(link: Link): this {
    if (this.ended) return this
    if (this.links.length >= LIMITS.links) { this.links.shift(); this.droppedLinksCount++ }
    const [attributes, n, dropped] = limitedCopy(link.attributes, LIMITS.attributesPerLink)
    const kept: Link = { context: link.context }
    if (n > 0) kept.attributes = attributes
    if (dropped > 0) kept.droppedAttributesCount = dropped
    this.links.push(kept)
    return this
  }

  addLinks(links: Link[]): this {
    for (const l of links) this.addLink(l)
    return this
  }

  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this
    this.status = status.code === SpanStatusCode.ERROR && typeof status.message === 'string'
      ? { code: status.code, message: status.message }
      : { code: status.code }
    return this
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name
    return this
  }

  isRecording(): boolean { return !this.ended }

  recordException(exception: Exception, time?: TimeInput): void {
    const a: Attributes = {}
    if (typeof exception === 'string') a['exception.message'] = exception
    else if (exception) {
      if (exception.code) a['exception.type'] = exception.code.toString()
      else if (exception.name) a['exception.type'] = exception.name
      if (exception.message) a['exception.message'] = exception.message
      if (exception.stack) a['exception.stacktrace'] = exception.stack
    }
    if (a['exception.type'] || a['exception.message']) this.addEvent('exception', a, time)
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return
    if (endTime === undefined && !this.startProvided) {
      const ms = perf.now() - this.perfStart
      this.endTime = addHr(this.startTime, ms)
    } else this.endTime = this.time(endTime)
    let s = this.endTime[0] - this.startTime[0]
    let ns = this.endTime[1] - this.startTime[1]
    if (ns < 0) { s -= 1; ns += 1e9 }
    if (s < 0) { this.endTime = [this.startTime[0], this.startTime[1]]; s = 0; ns = 0 }
    this.duration = [s, ns]
    this.ended = true
    this.onEnd(this)
  }

  /** OpenTelemetry's SpanImpl._getTime: a TimeInput (or now) → HrTime. */
  private time(inp: TimeInput | undefined): HrTime {
    // A number up to performance.now() is on the monotonic clock: shifted to the wall clock the span started by.
    if (typeof inp === 'number') return inp <= perf.now() ? millisToHr(inp + this.startMs - this.perfStart) : millisToHr(inp)
    if (inp instanceof Date) return millisToHr(inp.getTime())
    if (isHr(inp)) return inp
    if (this.startProvided) return millisToHr(Date.now())
    return addHr(this.startTime, perf.now() - this.perfStart)
  }
}

export interface LeanTracerOptions {
  resource: Resource
  /** ParentBased(TraceIdRatioBased(ratio)): a root span is sampled with this probability. */
  sampleRatio: number
  /** Every sampled span, once, when it ends (must not throw). */
  onEnd: Ended
  forceFlush?: () => Promise<void>
  shutdown?: () => Promise<void>
}

class LeanTracer implements Tracer {
  constructor(private readonly scope: InstrumentationScope, private readonly opts: LeanTracerOptions, private readonly bound: number) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): Span {
    if (ctx.getValue(SUPPRESS_TRACING_KEY) === true) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT)
    const parentSpan = options.root ? undefined : spanOf(ctx)
    let parent = parentSpan?.spanContext()
    if (parent !== undefined && !trace.isSpanContextValid(parent)) parent = undefined
    const traceId = parent === undefined ? newTraceId() : parent.traceId
    const sampled = parent === undefined ? traceIdHash(traceId) < this.bound : (parent.traceFlags & TraceFlags.SAMPLED) !== 0
    const spanContext: SpanContext = { traceId, spanId: newSpanId(), traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, traceState: parent?.traceState }
    if (!sampled) return trace.wrapSpanContext(spanContext)
    const span = new LeanSpan(spanContext, name, options.kind ?? SpanKind.INTERNAL, parent, this.scope, this.opts.resource, this.opts.onEnd, options.startTime)
    if (options.links !== undefined) span.addLinks(options.links)
    if (options.attributes !== undefined) span.setAttributes(options.attributes)
    // Business keys of the parent context (withBusinessKeys, or baggage from the caller) on every span.
    const bag = baggageOf(ctx)
    if (bag !== undefined) {
      const order = bag.getEntry(ORDER_ID)
      if (order !== undefined) span.setAttribute(ORDER_ID, order.value)
      const user = bag.getEntry(USER_ID)
      if (user !== undefined) span.setAttribute(USER_ID, user.value)
    }
    return span
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    let opts: SpanOptions | undefined
    let ctx: Context | undefined
    let fn: F
    if (args.length === 0) return undefined as ReturnType<F>
    if (args.length === 1) fn = args[0] as F
    else if (args.length === 2) { opts = args[0] as SpanOptions; fn = args[1] as F } else { opts = args[0] as SpanOptions; ctx = args[1] as Context; fn = args[2] as F }
    const parent = ctx ?? contextApi.active()
    const span = this.startSpan(name, opts, parent)
    return contextApi.with(trace.setSpan(parent, span), fn as (s: Span) => ReturnType<F>, undefined, span)
  }
}

/** A TracerProvider of lean spans; `register()` installs it as NodeTracerProvider.register() does. */
export class LeanTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, LeanTracer>()
  private readonly bound: number
  constructor(private readonly opts: LeanTracerOptions) {
    this.bound = ratioBound(opts.sampleRatio)
  }

  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`
    let t = this.tracers.get(key)
    if (t === undefined) {
      t = new LeanTracer({ name, version, schemaUrl: options?.schemaUrl }, this.opts, this.bound)
      this.tracers.set(key, t)
    }
    return t
  }

  /** The global tracer provider, AsyncLocalStorage context, W3C trace context + baggage propagation. */
  register(): void {
    trace.setGlobalTracerProvider(this)
    contextApi.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }))
  }

  forceFlush(): Promise<void> { return this.opts.forceFlush?.() ?? Promise.resolve() }
  shutdown(): Promise<void> { return this.opts.shutdown?.() ?? Promise.resolve() }
}
