import type { Logger } from 'pino'
import type { Batch } from './record.ts'
import { runStages, type IngestOutcome, type Ingestor, type Stage } from './pipeline.ts'
import type { RowEncoder } from '../store/encode.ts'
import { encodeEntry } from '../wal/entry.ts'
import type { WriteAheadLog } from '../wal/wal.ts'
import type { StoreWriter } from '../store/writer.ts'
import { LiveFeed } from './live.ts'

/** How long a batch id is remembered to recognise a client's replay of the same request. */
const REPLAY_WINDOW_MS = 15 * 60 * 1000

export interface IngestStats {
  batches: number
  records: number
  rejected: number
  duplicates: number
  overloaded: number
}

/**
 * The ingest path every receiver shares: replay check → stages → encode → WAL (durable) → queue
 * for the store. `submit` resolves only when the batch is durable, so a receiver's 2xx is safe.
 */
export class IngestService implements Ingestor {
  private readonly seen = new Map<string, number>()
  private readonly inflight = new Map<string, Promise<IngestOutcome>>()
  readonly stats: IngestStats = { batches: 0, records: 0, rejected: 0, duplicates: 0, overloaded: 0 }
  /** Durable batches, after every stage, for live tails and instant alert rules. */
  readonly live: LiveFeed
  /** Stage-independent hooks (retention): `admit` may refuse a batch before any work (disk guard); `screen` runs after the stages (records older than the hot retention). */
  hooks: { admit?: () => IngestOutcome | null; screen?: (batch: Batch) => void } = {}

  constructor(
    private readonly stages: readonly Stage[],
    private readonly wal: WriteAheadLog,
    private readonly writer: StoreWriter,
    private readonly log: Logger,
    private readonly maxPendingBytes: number,
    /** TSV rows for the store, business keys included (createRowEncoder(config.businessKeys)). */
    private readonly encoder: RowEncoder,
  ) {
    this.live = new LiveFeed(log)
  }

  /** Remembers an already stored batch id (start-up: ids from the store and the WAL). */
  remember(id: string, atMs: number): void {
    this.seen.set(id, atMs)
  }

  submit(batch: Batch): Promise<IngestOutcome> {
    const previous = this.inflight.get(batch.id)
    if (previous) return previous.then((o) => (o.status === 'retry' ? this.submit(batch) : { status: 'duplicate', accepted: 0 }))
    if (this.seen.has(batch.id)) {
      this.stats.duplicates++
      return Promise.resolve({ status: 'duplicate', accepted: 0 })
    }
    const p = this.process(batch).finally(() => this.inflight.delete(batch.id))
    this.inflight.set(batch.id, p)
    return p
  }

  private async process(batch: Batch): Promise<IngestOutcome> {
    const backlog = this.writer.status()
    if (backlog.backlogBytes > this.maxPendingBytes) {
      this.stats.overloaded++
      return backlog.healthy
        ? { status: 'retry', retryAfterSeconds: 2, reason: 'ingest backlog is full; the store is catching up' }
        : { status: 'retry', retryAfterSeconds: 10, reason: 'the store is not accepting writes; data is kept in the write-ahead log', httpStatus: 503 }
    }
    const refused = this.hooks.admit?.()
    if (refused) {
      this.stats.overloaded++
      return refused
    }
    runStages(this.stages, batch)
    this.hooks.screen?.(batch)
    const logs = batch.logs.length
    const spans = batch.spans.length
    if (logs + spans > 0) {
      const payload = encodeEntry(batch.id, logs, spans, this.encoder.logsBytes(batch.logs), this.encoder.spansBytes(batch.spans))
      try {
        this.writer.enqueue(await this.wal.append(payload))
      } catch (err) {
        this.log.error({ err: { message: (err as Error).message } }, 'cannot write the write-ahead log')
        return { status: 'retry', retryAfterSeconds: 10, reason: 'Beacon cannot write its write-ahead log (disk full or read-only?)', httpStatus: 503 }
      }
    }
    if (logs + spans > 0 && this.live.size > 0) this.live.publish(batch)
    this.seen.set(batch.id, Date.now())
    if (this.seen.size > 200_000) this.forgetOld()
    this.stats.batches++
    this.stats.records += logs + spans
    this.stats.rejected += batch.rejected
    return { status: 'ok', accepted: logs + spans, rejected: batch.rejected, message: batch.rejectionMessage }
  }

  private forgetOld(): void {
    const cutoff = Date.now() - REPLAY_WINDOW_MS
    for (const [id, at] of this.seen) if (at < cutoff) this.seen.delete(id)
  }
}
