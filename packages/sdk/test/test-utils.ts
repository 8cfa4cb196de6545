/** Shared helpers for the SDK's tests. */
import { context, propagation, trace } from '@opentelemetry/api'
import { logs } from '@opentelemetry/api-logs'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator } from '@opentelemetry/core'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { DestinationStream } from 'pino'

/** A pino destination that keeps every printed line, parsed. */
export function captureStream(): DestinationStream & { lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = []
  return { lines, write(s: string) { lines.push(JSON.parse(s)) } }
}

/** Global in-memory OpenTelemetry providers (logs and traces) with a context manager and W3C propagators. */
export function memoryTelemetry(): { logs: InMemoryLogRecordExporter; spans: InMemorySpanExporter; tracer: ReturnType<typeof trace.getTracer> } {
  const logExporter = new InMemoryLogRecordExporter()
  const spanExporter = new InMemorySpanExporter()
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }))
  logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] }))
  const tp = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] })
  trace.setGlobalTracerProvider(tp)
  return { logs: logExporter, spans: spanExporter, tracer: trace.getTracer('test') }
}
