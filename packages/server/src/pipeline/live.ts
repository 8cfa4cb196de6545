import type { Logger } from 'pino'
import type { Batch } from './record.ts'

/**
 * Records as they become durable, for whoever watches live: tail subscribers and instant alert
 * rules. Published right after the write-ahead log acknowledged the batch, so every record seen
 * here has passed every stage (redacted, encrypted) and will reach the store.
 *
 *   IngestService ── WAL append ok ──▶ LiveFeed.publish(batch) ──▶ listener, listener, …
 *
 * Listeners run on the ingest path: they must be cheap (a compiled predicate per record, then hand
 * the matches to a queue) and must not throw; a listener that throws is logged and skipped.
 */
export type LiveListener = (batch: Readonly<Batch>) => void

export class LiveFeed {
  private readonly listeners = new Set<LiveListener>()

  constructor(private readonly log?: Logger) {}

  /** Starts delivering batches to `listener`; returns the function that stops it. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  get size(): number {
    return this.listeners.size
  }

  publish(batch: Readonly<Batch>): void {
    for (const listener of this.listeners) {
      try {
        listener(batch)
      } catch (err) {
        this.log?.warn({ err: { message: (err as Error).message } }, 'a live listener failed; the batch is stored anyway')
      }
    }
  }
}
