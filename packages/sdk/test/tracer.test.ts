/**
 * The SDK's lean tracer (telemetry/tracer.ts) against OpenTelemetry's SDK: the same calls on both
 * must give the same spans (what a SpanExporter / span line sees), and the rules the SDK relies on
 * (sampling, parent/child, business keys, limits, suppression) hold.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { context, createTraceState, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { suppressTracing, W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator } from '@opentelemetry/core'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SamplingDecision, SimpleSpanProcessor, TraceIdRatioBasedSampler, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { BusinessKeysSpanProcessor, contextWithBusinessKeys } from '../src/telemetry/business-keys.ts'
import { ChildContext, LeanTracerProvider, newTraceId, ratioBound, SPAN_KEY, traceIdHash, type LeanSpan } from '../src/telemetry/tracer.ts'
import { spanLine, spanLineOf } from '../src/telemetry/span-lines.ts'

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }))
const resource = resourceFromAttributes({ 'service.name': 'svc' })

function pair(ratio = 1): { lean: Tracer; otel: Tracer; leanSpans: LeanSpan[]; otelSpans: InMemorySpanExporter } {
  const leanSpans: LeanSpan[] = []
  const lean = new LeanTracerProvider({ resource, sampleRatio: ratio, onEnd: (s) => leanSpans.push(s) }).getTracer('scope', '1.2.3')
  const otelSpans = new InMemorySpanExporter()
  const otel = new BasicTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [new BusinessKeysSpanProcessor(), new SimpleSpanProcessor(otelSpans)],
  }).getTracer('scope', '1.2.3')
  return { lean, otel, leanSpans, otelSpans }
}

/** What an exporter reads of a span, without ids and times. */
function shape(s: ReadableSpan) {
  return {
    name: s.name, kind: s.kind, status: s.status, attributes: s.attributes, ended: s.ended,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes, droppedAttributesCount: e.droppedAttributesCount })),
    links: s.links.map((l) => ({ spanId: l.context.spanId, attributes: l.attributes, droppedAttributesCount: l.droppedAttributesCount })),
    dropped: [s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount],
    scope: s.instrumentationScope, resource: s.resource.attributes, parent: s.parentSpanContext?.spanId !== undefined,
    flags: s.spanContext().traceFlags, traceState: s.spanContext().traceState?.serialize(),
  }
}

/** Runs the same script on both tracers; returns both finished-span lists. */
function both(script: (t: Tracer) => void): [ReadableSpan[], ReadableSpan[]] {
  const p = pair()
  script(p.lean)
  script(p.otel)
  return [p.leanSpans, p.otelSpans.getFinishedSpans()]
}

test('the same calls give the same spans as OpenTelemetry\'s SDK: attributes, events, exceptions, links, status, names', () => {
  const error = new TypeError('bad input')
  const [lean, otel] = both((t) => {
    const link = trace.wrapSpanContext({ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1 })
    const s = t.startSpan('op', { kind: SpanKind.CLIENT, attributes: { a: 'x', n: 1, f: 0.5, b: false, arr: ['p', null as unknown as string, 'q'], mixed: ['a', 1] as unknown as string[], nul: null as unknown as string, '': 'empty key' }, links: [{ context: link.spanContext(), attributes: { why: 'batch', bad: {} as unknown as string } }] })
    s.setAttribute('late', 'y')
    s.setAttribute('a', 'overwritten')
    s.setAttribute('obj', {} as unknown as string)
    s.setAttributes({ m: 1, n: 2 })
    s.addEvent('plain')
    s.addEvent('with attrs', { k: 'v', bad: [1, 'x'] as unknown as number[] })
    s.addEvent('timed', [1_700_000_000, 5])
    s.recordException(error)
    s.recordException('just text')
    s.recordException({ code: 'ECONNRESET', message: 'reset' })
    s.addLink({ context: link.spanContext() })
    s.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' })
    s.setStatus({ code: SpanStatusCode.UNSET })
    s.updateName('op renamed')
    s.end()
    s.setAttribute('after end', 1)
    s.addEvent('after end')
    s.setStatus({ code: SpanStatusCode.OK })
    s.updateName('after end')
    s.end()
    const ok = t.startSpan('ok', { root: true })
    ok.setStatus({ code: SpanStatusCode.OK, message: 'dropped: only ERROR keeps a message' })
    ok.setStatus({ code: SpanStatusCode.ERROR, message: 'OK is final' })
    ok.end()
  })
  assert.equal(lean.length, 2)
  assert.deepEqual(lean.map(shape), otel.map(shape))
  const e = lean[0]!.events.find((x) => x.name === 'exception')!
  assert.equal(e.attributes!['exception.type'], 'TypeError')
  assert.match(String(e.attributes!['exception.stacktrace']), /bad input/)
  assert.deepEqual(lean[0]!.events.find((x) => x.name === 'timed')!.time, [1_700_000_000, 5])
})

test('limits as OpenTelemetry\'s defaults: 128 attributes (later keys dropped and counted), 128 events and links (oldest dropped), 128 per event', () => {
  const [lean, otel] = both((t) => {
    const s = t.startSpan('many')
    for (let i = 0; i < 200; i++) s.setAttribute(`k${i}`, i)
    s.setAttribute('k5', 'existing keys still change')
    const big: Record<string, number> = {}
    for (let i = 0; i < 150; i++) big[`e${i}`] = i
    for (let i = 0; i < 140; i++) s.addEvent(`ev${i}`, i === 139 ? big : undefined)
    for (let i = 0; i < 130; i++) s.addLink({ context: { traceId: 'c'.repeat(32), spanId: `${i}`.padStart(16, 'e'), traceFlags: 1 }, attributes: i === 0 ? big : { i } })
    s.end()
  })
  assert.deepEqual(lean.map(shape), otel.map(shape))
  const s = lean[0]!
  assert.equal(Object.keys(s.attributes).length, 128)
  assert.equal(s.attributes.k5, 'existing keys still change')
  assert.deepEqual([s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount], [72, 12, 2])
  assert.equal(s.events[0]!.name, 'ev12')
  assert.equal(s.events.at(-1)!.droppedAttributesCount, 22)
})

test('parent and child: the child joins the parent\'s trace (active context or explicit), a root option starts a new one, trace state is inherited', () => {
  const { lean, leanSpans } = pair()
  const parent = lean.startSpan('parent', { kind: SpanKind.SERVER })
  const child = context.with(trace.setSpan(context.active(), parent), () => lean.startSpan('child'))
  const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true })
  const fromRemote = lean.startSpan('from remote', {}, propagation.extract(ROOT_CONTEXT, { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, tracestate: 'vendor=1' }))
  const root = lean.startSpan('root', { root: true }, remote)
  const active = lean.startActiveSpan('active', (s) => { const inner = trace.getActiveSpan(); s.end(); return inner })
  for (const s of [child, fromRemote, root, parent]) s.end()
  assert.equal(active?.spanContext().spanId, leanSpans[0]!.spanContext().spanId, 'startActiveSpan runs fn in the span\'s context')
  const [, c, r, rt, p] = leanSpans
  assert.equal(c!.spanContext().traceId, p!.spanContext().traceId)
  assert.equal(c!.parentSpanContext?.spanId, p!.spanContext().spanId)
  assert.equal(p!.parentSpanContext, undefined)
  assert.equal(r!.spanContext().traceId, 'a'.repeat(32))
  assert.equal(r!.parentSpanContext?.spanId, 'b'.repeat(16))
  assert.equal(r!.spanContext().traceState?.get('vendor'), '1')
  assert.notEqual(rt!.spanContext().traceId, 'a'.repeat(32))
  assert.equal(rt!.parentSpanContext, undefined)
  assert.match(p!.spanContext().traceId, /^[0-9a-f]{32}$/)
  assert.match(p!.spanContext().spanId, /^[0-9a-f]{16}$/)
  // A span line carries the parent and trace state as before.
  const line = JSON.parse(spanLine(r!))
  assert.equal(line.p, 'b'.repeat(16))
  assert.equal(line.ts, 'vendor=1')
})

test('sampling is ParentBased(TraceIdRatioBased): same decision per trace id as OpenTelemetry; an unsampled span propagates ids but never ends in onEnd', () => {
  for (const ratio of [0, 0.25, 0.5, 1]) {
    const sampler = new TraceIdRatioBasedSampler(ratio)
    for (let i = 0; i < 2000; i++) {
      const id = newTraceId()
      const otel = sampler.shouldSample(ROOT_CONTEXT, id).decision === SamplingDecision.RECORD_AND_SAMPLED
      assert.equal(traceIdHash(id) < ratioBound(ratio), otel, `ratio ${ratio}, trace ${id}`)
    }
  }
  const { lean, leanSpans } = pair(0)
  const unsampledRoot = lean.startSpan('root')
  assert.equal(unsampledRoot.isRecording(), false)
  assert.equal(unsampledRoot.spanContext().traceFlags, 0)
  assert.match(unsampledRoot.spanContext().traceId, /^[0-9a-f]{32}$/)
  const sampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true })
  const kept = lean.startSpan('child of sampled', {}, sampledParent)
  const dropped = lean.startSpan('child of unsampled', {}, trace.setSpan(ROOT_CONTEXT, unsampledRoot))
  assert.equal(dropped.spanContext().traceId, unsampledRoot.spanContext().traceId)
  for (const s of [unsampledRoot, kept, dropped]) s.end()
  assert.deepEqual(leanSpans.map((s) => s.name), ['child of sampled'])
})

test('business keys in the parent context\'s baggage become span attributes; suppressed tracing gives a non-recording span', () => {
  const { lean, leanSpans } = pair()
  const ctx = contextWithBusinessKeys({ orderId: 'ORD-7', userId: 42 }, ROOT_CONTEXT)
  lean.startSpan('keyed', { attributes: { x: 1 } }, ctx).end()
  context.with(ctx, () => lean.startSpan('keyed, active context').end())
  const suppressed = lean.startSpan('quiet', {}, suppressTracing(ROOT_CONTEXT))
  suppressed.end()
  assert.equal(suppressed.isRecording(), false)
  assert.equal(trace.isSpanContextValid(suppressed.spanContext()), false)
  assert.deepEqual(leanSpans.map((s) => s.attributes), [{ x: 1, 'order.id': 'ORD-7', 'user.id': '42' }, { 'order.id': 'ORD-7', 'user.id': '42' }])
})

test('times: start from the wall clock, duration from the monotonic clock; explicit start/end times as OpenTelemetry reads them', async () => {
  const { lean, leanSpans } = pair()
  const before = Date.now()
  const s = lean.startSpan('timed')
  await new Promise((r) => setTimeout(r, 20))
  s.end()
  const explicit = lean.startSpan('explicit', { startTime: new Date(1_700_000_000_123) })
  explicit.end([1_700_000_001, 500])
  const backwards = lean.startSpan('backwards', { startTime: [1_700_000_010, 0] })
  backwards.end([1_700_000_000, 0])
  const [t, e, b] = leanSpans
  const startMs = t!.startTime[0] * 1e3 + t!.startTime[1] / 1e6
  assert.ok(startMs >= before && startMs <= Date.now(), 'start on the wall clock')
  const ms = t!.duration[0] * 1e3 + t!.duration[1] / 1e6
  assert.ok(ms >= 18 && ms < 2000, `duration ${ms} ms`)
  assert.deepEqual(t!.endTime, [t!.startTime[0] + t!.duration[0] + (t!.startTime[1] + t!.duration[1] >= 1e9 ? 1 : 0), (t!.startTime[1] + t!.duration[1]) % 1e9])
  assert.deepEqual(e!.startTime, [1_700_000_000, 123_000_000])
  assert.deepEqual(e!.duration, [0, 877_000_500])
  assert.deepEqual(b!.duration, [0, 0], 'an end before the start: zero duration, as OpenTelemetry')
  assert.deepEqual(b!.endTime, b!.startTime)
})

test('a custom exporter gets the lean spans as ReadableSpans (init\'s spanExporter path)', async () => {
  const exporter = new InMemorySpanExporter()
  const processor = new SimpleSpanProcessor(exporter)
  const tracer = new LeanTracerProvider({ resource, sampleRatio: 1, onEnd: (s) => processor.onEnd(s) }).getTracer('x')
  const s: Span = tracer.startSpan('exported', { attributes: { k: 'v' } })
  s.end()
  await processor.forceFlush()
  const [got] = exporter.getFinishedSpans()
  assert.equal(got?.name, 'exported')
  assert.equal(got?.resource.attributes['service.name'], 'svc')
  assert.equal(got?.instrumentationScope.name, 'x')
})

test('spanLine writes the same bytes as one JSON.stringify of the line object (spanLineOf), for every shape of span', () => {
  const { lean, leanSpans } = pair()
  const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true, traceState: createTraceState('v=1,w=2') })
  lean.startSpan('plain').end()
  lean.startSpan('child "quoted" \u2028 é 😀', { kind: SpanKind.CONSUMER, attributes: { s: 'x"y\\z\n', n: -0, big: 1e21, f: 0.1, neg: -5, b: true, arr: [1, 2], sarr: ['a', 'b"'] } }, parent).end()
  const err = lean.startSpan('error')
  err.setStatus({ code: SpanStatusCode.ERROR, message: 'bad "thing"' })
  err.end()
  const ok = lean.startSpan('ok')
  ok.setStatus({ code: SpanStatusCode.OK })
  ok.end()
  const ev = lean.startSpan('with event and link', { links: [{ context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1 } }] })
  ev.addEvent('e', { k: 1 })
  ev.end()
  lean.startSpan('timed', { startTime: [1_700_000_000, 123] }).end([1_700_000_001, 0])
  for (const s of leanSpans) assert.equal(spanLine(s), spanLineOf(s), s.name)
  assert.equal(JSON.parse(spanLine(leanSpans[1]!)).ts, 'v=1,w=2')
})

test('a ChildContext reads, sets and deletes values as the API\'s contexts do, and stays short', () => {
  const a = Symbol('a')
  const b = Symbol('b')
  const base = ROOT_CONTEXT.setValue(a, 1)
  const span = trace.wrapSpanContext({ traceId: newTraceId(), spanId: '00f067aa0ba902b7', traceFlags: 1 })
  const ctx = new ChildContext(base, SPAN_KEY, span)
  assert.equal(trace.getSpan(ctx), span, 'the API finds the span under its own key')
  assert.equal(ctx.getValue(a), 1)
  assert.equal(ctx.setValue(a, 2).getValue(a), 2)
  assert.equal(ctx.getValue(a), 1, 'the parent is unchanged')
  assert.equal(ctx.deleteValue(a).getValue(a), undefined)
  assert.equal(trace.getSpan(trace.deleteSpan(ctx)), undefined)
  let deep: ReturnType<typeof ctx.setValue> = ctx
  for (let i = 0; i < 100; i++) deep = deep.setValue(b, i)
  assert.equal(deep.getValue(b), 99)
  assert.equal(deep.getValue(a), 1)
  assert.equal(trace.getSpan(deep), span)
  let depth = 0
  for (let c: unknown = deep; c instanceof ChildContext; c = (c as unknown as { parent: unknown }).parent) depth++
  assert.ok(depth <= 16, `chain depth ${depth}`)
})
