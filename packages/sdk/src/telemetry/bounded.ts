/**
 * The bound on what the SDK holds while Beacon is slow or down, and the counters that say what
 * was lost.
 *
 *   span ──▶ BoundedSpanProcessor ──(pending < max)──▶ BatchProcessor ──▶ CountingExporter ──▶ OTLP/HTTP
 *                      │ pending ≥ max                                        │ result
 *                      ▼                                                      ▼
 *                 dropped++                                 pending -= n; exported += n | failed += n
 *
 * `pending` counts records queued *and* in flight, so the batch processor's own queue never
 * overflows silently: every record the SDK lets go of is counted as exported, failed or dropped.
 * Log lines use the same counter in the log shipper (logging/shipper.ts).
 */
import type { Context } from '@opentelemetry/api'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base'

/** What happened to telemetry of one signal since init. */
export interface SignalStats {
  /** Accepted by Beacon. */
  exported: number
  /** Sent but not accepted (Beacon unreachable after retries, or it refused). */
  failed: number
  /** Never sent: the buffer was full. */
  dropped: number
  /** Queued or in flight right now. */
  pending: number
}

export class SignalCounter implements SignalStats {
  exported = 0
  failed = 0
  dropped = 0
  pending = 0
  constructor(readonly max: number) {}

  /** True when there is room; reserves it. */
  admit(): boolean {
    if (this.pending >= this.max) {
      this.dropped++
      return false
    }
    this.pending++
    return true
  }

  settle(n: number, ok: boolean): void {
    this.pending = Math.max(0, this.pending - n)
    if (ok) this.exported += n
    else this.failed += n
  }

  snapshot(): SignalStats {
    return { exported: this.exported, failed: this.failed, dropped: this.dropped, pending: this.pending }
  }
}

function settleWith(counter: SignalCounter, n: number, done: (r: ExportResult) => void): (r: ExportResult) => void {
  return (r) => {
    counter.settle(n, r.code === ExportResultCode.SUCCESS)
    done(r)
  }
}

/** Wraps a span exporter to count what it exported and what it failed to. */
export class CountingSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter, private readonly counter: SignalCounter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    try {
      this.inner.export(spans, settleWith(this.counter, spans.length, done))
    } catch (error) {
      this.counter.settle(spans.length, false)
      done({ code: ExportResultCode.FAILED, error: error as Error })
    }
  }
  shutdown(): Promise<void> { return this.inner.shutdown() }
  forceFlush(): Promise<void> { return this.inner.forceFlush?.() ?? Promise.resolve() }
}

/** Admits a finished span to the batch processor only while the buffer has room. */
export class BoundedSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor, private readonly counter: SignalCounter) {}
  onStart(span: Span, parent: Context): void { this.inner.onStart(span, parent) }
  onEnd(span: ReadableSpan): void {
    if (!span.spanContext().traceFlags) return // not sampled: the batch processor would skip it too
    if (this.counter.admit()) this.inner.onEnd(span)
  }
  forceFlush(): Promise<void> { return this.inner.forceFlush() }
  shutdown(): Promise<void> { return this.inner.shutdown() }
}
