/**
 * Span machinery A/B, in one process (prints figures; not a test): OpenTelemetry's SDK as init() used
 * it before session 7 (BasicTracerProvider = NodeTracerProvider without register(); ParentBased ratio
 * sampler; business-keys, query-monitor and shipping span processors) vs the SDK's lean tracer
 * (telemetry/tracer.ts) with the same query monitor and shipping. Both write each span line into a
 * LogShipper whose send discards the batch, so the export worker and HTTP are not in the figure.
 *
 * One "request" = what the hello-world bench makes per request: a SERVER span with the six
 * attributes of telemetry/http-server.ts (started on ROOT_CONTEXT, set into a context), the status
 * attribute, end; with `--child`, also a CLIENT child span with pg-like attributes (order endpoint).
 * CPU per request from process.cpuUsage(), rounds alternating A, B, A, B…; the heap allocated per
 * request from v8's total allocation counter is not exposed, so GC shows only inside the CPU figure.
 *
 *   node --import tsx bench/sdk-span-ab.ts [--n=100000] [--rounds=5] [--child]
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Tracer } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base'
import { pino } from 'pino'
import { LogShipper } from '../packages/sdk/src/logging/shipper.ts'
import { SignalCounter } from '../packages/sdk/src/telemetry/bounded.ts'
import { BusinessKeysSpanProcessor } from '../packages/sdk/src/telemetry/business-keys.ts'
import { ShippingSpanProcessor } from '../packages/sdk/src/telemetry/span-export.ts'
import { LeanTracerProvider } from '../packages/sdk/src/telemetry/tracer.ts'
import { QueryMonitor } from '../packages/sdk/src/db/query-monitor.ts'

const arg = (name: string, dflt: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const N = arg('n', 100_000)
const ROUNDS = arg('rounds', 5)
const CHILD = process.argv.includes('--child')

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }))
const resource = resourceFromAttributes({ 'service.name': 'bench' })
const logger = pino({ level: 'info' }, { write() {} })

function shipping(): { processor: ShippingSpanProcessor; monitor: QueryMonitor; counter: SignalCounter } {
  const counter = new SignalCounter(1_000_000)
  const shipper = new LogShipper({ counter, intervalMs: 1000, send: async () => true })
  return { processor: new ShippingSpanProcessor(shipper), monitor: new QueryMonitor({ logger: () => logger, slowQueryMs: 10_000 }), counter }
}

function otelTracer(): Tracer {
  const { processor, monitor } = shipping()
  return new BasicTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) }),
    spanProcessors: [new BusinessKeysSpanProcessor(), monitor, processor],
  }).getTracer('@beacon/sdk/http-server')
}

function leanTracer(): Tracer {
  const { processor, monitor } = shipping()
  return new LeanTracerProvider({ resource, sampleRatio: 1, onEnd: (s) => { monitor.onEnd(s); processor.onEnd(s) } }).getTracer('@beacon/sdk/http-server')
}

function request(tracer: Tracer): void {
  const span = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/hello', 'url.scheme': 'http', 'server.address': '127.0.0.1', 'client.address': '127.0.0.1', 'user_agent.original': 'autocannon' } })
  const ctx = trace.setSpan(ROOT_CONTEXT, span)
  if (CHILD) {
    const q = tracer.startSpan('INSERT crm', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'crm', 'db.query.text': 'INSERT INTO orders (id, user_id, total) VALUES ($1, $2, $3)', 'db.operation.name': 'INSERT', 'server.address': 'localhost', 'server.port': 5432 } }, ctx)
    q.end()
  }
  span.setAttribute('http.route', '/hello')
  span.setAttribute('http.response.status_code', 200)
  span.end()
}

function run(tracer: Tracer): number {
  const t0 = process.cpuUsage()
  for (let i = 0; i < N; i++) request(tracer)
  const d = process.cpuUsage(t0)
  return (d.user + d.system) / N
}

const a = otelTracer()
const b = leanTracer()
run(a); run(b) // warm-up: JIT
const xs: number[] = []
const ys: number[] = []
for (let r = 0; r < ROUNDS; r++) {
  xs.push(run(a))
  ys.push(run(b))
}
const med = (v: number[]): number => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!
const f = (v: number[]): string => v.map((x) => x.toFixed(2)).join(' / ')
console.log(`span machinery, µs CPU per request (${CHILD ? 'server span + pg-like child' : 'server span'}; ${N} requests × ${ROUNDS} rounds, alternating)`)
console.log(`  OpenTelemetry SDK (before)  min ${Math.min(...xs).toFixed(2)}  median ${med(xs).toFixed(2)}   (${f(xs)})`)
console.log(`  lean tracer (after)         min ${Math.min(...ys).toFixed(2)}  median ${med(ys).toFixed(2)}   (${f(ys)})`)
