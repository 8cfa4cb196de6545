import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { IngestOutcome, Ingestor } from '../pipeline/pipeline.ts'
import { attrs, type Batch, type LogRecord } from '../pipeline/record.ts'
import type { IngestPrincipal } from './receiver.ts'

/**
 * Gathers records of a stream protocol without batches of its own (syslog) into batches for the
 * ingest path, and turns the ingest path's backpressure into the stream's:
 *
 *   add(record) ─▶ pending ──(1,000 records or 20 ms)──▶ ingest.submit
 *                     │ busy: `onBusy(true)` (the TCP socket is paused: the sender blocks)
 *                     ▼
 *                  retry outcome → wait Retry-After, submit the same batch again
 */
export interface BatcherOptions {
  ingest: Ingestor
  logger: Logger
  source: string
  principal: IngestPrincipal
  /** Called with true when the sender should stop (submitting, or backlog full), false when it may go on. */
  onBusy?: (busy: boolean) => void
  maxRecords?: number
  maxDelayMs?: number
  /** Give up on a batch after this many retries (the store refuses for minutes); default 30. */
  maxAttempts?: number
}

export class RecordBatcher {
  private pending: LogRecord[] = []
  private timer: NodeJS.Timeout | null = null
  private chain: Promise<void> = Promise.resolve()
  private inflight = 0
  private closed = false
  dropped = 0

  constructor(private readonly opts: BatcherOptions) {}

  add(record: LogRecord): void {
    this.pending.push(record)
    if (this.pending.length >= (this.opts.maxRecords ?? 1000)) this.flushSoon(0)
    else this.flushSoon(this.opts.maxDelayMs ?? 20)
  }

  /** Whether the ingest path is behind (a UDP receiver drops instead of queueing). */
  get busy(): boolean {
    return this.inflight > 2
  }

  /** Submits what is pending and waits for every submit (connection end, shutdown). */
  async drain(): Promise<void> {
    this.flushSoon(0)
    await this.chain
  }

  close(): Promise<void> {
    const done = this.drain()
    this.closed = true
    return done
  }

  private flushSoon(delay: number): void {
    if (delay === 0) {
      if (this.timer) { clearTimeout(this.timer); this.timer = null }
      this.flush()
    } else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = null; this.flush() }, delay)
    }
  }

  private flush(): void {
    if (this.pending.length === 0) return
    const logs = this.pending
    this.pending = []
    this.inflight++
    if (this.inflight === 1) this.opts.onBusy?.(true)
    this.chain = this.chain.then(() => this.submit(logs)).finally(() => {
      this.inflight--
      if (this.inflight === 0) this.opts.onBusy?.(false)
    })
  }

  private async submit(logs: LogRecord[]): Promise<void> {
    const id = randomUUID()
    const make = (): Batch => ({ id, source: this.opts.source, logs: logs.map(copyRecord), spans: [], principal: this.opts.principal, rejected: 0 })
    const outcome = await submitUntilAccepted(this.opts.ingest, make, { ...this.opts, gaveUp: () => this.closed })
    if (outcome === undefined) this.dropped += logs.length
  }
}

/**
 * Submits a batch until the ingest path takes it: on a `retry` outcome (backlog full, store down)
 * it waits the advised time and submits again. `make` builds the batch afresh for every attempt,
 * because stages change records in place. Undefined when it gave up (logged).
 */
export async function submitUntilAccepted(
  ingest: Ingestor, make: () => Batch,
  opts: { logger: Logger; source: string; maxAttempts?: number; gaveUp?: () => boolean },
): Promise<IngestOutcome | undefined> {
  const attempts = opts.maxAttempts ?? 30
  let records = 0
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const batch = make()
    records = batch.logs.length
    try {
      const outcome = await ingest.submit(batch)
      if (outcome.status !== 'retry') return outcome
      if (opts.gaveUp?.()) break
      await new Promise((r) => setTimeout(r, Math.min(outcome.retryAfterSeconds, 5) * 1000))
    } catch (err) {
      opts.logger.error({ err: { message: (err as Error).message }, records }, `${opts.source}: batch could not be handed to the ingest path; retrying`)
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
  opts.logger.error({ records }, `${opts.source}: records not stored: the ingest path kept refusing them`)
  return undefined
}

/** A record with its own attribute maps (stages change records in place). */
export function copyRecord(r: LogRecord): LogRecord {
  return { ...r, attributes: Object.assign(attrs(), r.attributes), resource: Object.assign(attrs(), r.resource) }
}
