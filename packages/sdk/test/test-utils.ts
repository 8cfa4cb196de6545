/** Shared helpers for the SDK's tests. */
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { DestinationStream } from 'pino'
import { runtime } from '../src/runtime.ts'
import { linesToRecords, type ShippedLog } from '../src/logging/records.ts'

/** A pino destination that keeps every printed line, parsed. */
export function captureStream(): DestinationStream & { lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = []
  return { lines, write(s: string) { lines.push(JSON.parse(s)) } }
}

/** Keeps every line the SDK's loggers ship, converted as the exporter converts them. */
export class MemoryLogSink {
  private records: ShippedLog[] = []
  push(line: string): void { this.records.push(...linesToRecords(line)) }
  getFinishedLogRecords(): ShippedLog[] { return this.records }
  reset(): void { this.records = [] }
}

/** In-memory telemetry: shipped log lines, a global tracer provider, a context manager and W3C propagators. */
export function memoryTelemetry(): { logs: MemoryLogSink; spans: InMemorySpanExporter; tracer: ReturnType<typeof trace.getTracer> } {
  const logSink = new MemoryLogSink()
  const spanExporter = new InMemorySpanExporter()
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }))
  runtime().logSink = logSink
  const tp = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] })
  trace.setGlobalTracerProvider(tp)
  return { logs: logSink, spans: spanExporter, tracer: trace.getTracer('test') }
}
