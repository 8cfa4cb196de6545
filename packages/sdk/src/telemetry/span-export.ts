/**
 * Span export off the service's thread. When a sampled span ends, the service's thread writes it as
 * one compact JSON line (its ids, name, kind, times, status, attributes, events, links) into the
 * same kind of bounded buffer the logs use (LogShipper); a batch of lines goes to the export worker,
 * which posts it as it is to `{endpoint}/v1/span-lines` (Beacon maps each line at ingest by the rules
 * of span-lines.ts), or as OTLP/JSON to `{endpoint}/v1/traces` where that endpoint answers 404.
 *
 *   span.end() ─▶ ShippingSpanProcessor.onEnd ─▶ spanLine() ─▶ LogShipper (bounded, batches) ─▶ worker
 *                          worker: resource line + the lines ─▶ POST /v1/span-lines
 *                                  └─ 404 ─▶ linesToSpans() ─▶ encodeOtlpSpans() ─▶ POST /v1/traces
 *
 * This replaces BatchSpanProcessor + the OTLP/protobuf exporter, which encoded every span on the
 * service's thread (≈ 25 µs per span measured on the bench machine, loaded).
 */
import type { Context } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { LogShipper } from '../logging/shipper.ts'
import { spanLine } from './span-lines.ts'

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
