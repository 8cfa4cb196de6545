import type { Batch } from './record.ts'

/**
 *   receiver (OTLP, ES bulk, …)
 *        │  Batch of normalized records
 *        ▼
 *   normalize → classify → service-binding → redact → encrypt → enrich
 *        │  (Stage[], registered in ./stages/index.ts, in order, synchronous)
 *        ▼
 *   encode for the store (store/encode.ts) → write-ahead log (group commit, fsync) → ack
 *        ▼ (background)
 *   store writer (store/writer.ts): WAL → ClickHouse inserts (deduplicated) → checkpoint
 *
 * Stages mutate the batch in place and must not do I/O: they run on every record.
 */
export interface Stage {
  readonly name: string
  process(batch: Batch): void
}

/** What the ingest path answers a receiver. Expected outcomes are values, not exceptions. */
export type IngestOutcome =
  | { status: 'ok'; accepted: number; rejected: number; message?: string }
  | { status: 'duplicate'; accepted: number }
  /** Overloaded (429) or the store/WAL cannot take writes now (503); the client should retry. */
  | { status: 'retry'; retryAfterSeconds: number; reason: string; httpStatus?: 429 | 503 }

export interface Ingestor {
  submit(batch: Batch): Promise<IngestOutcome>
}

/** Stage slots and their order: registered in ./stages/index.ts. */
export { STAGE_ORDER, type StageSlot } from './stages/index.ts'

export function runStages(stages: readonly Stage[], batch: Batch): void {
  for (const s of stages) s.process(batch)
}
