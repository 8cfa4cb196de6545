import type { Logger } from 'pino'
import type { Store } from './connection.ts'
import { BATCHES_TABLE, LOGS_TABLE, TRACES_TABLE, LOG_INSERT_COLUMNS, SPAN_INSERT_COLUMNS } from './schema.ts'
import { decodeEntry, type DecodedEntry } from '../wal/entry.ts'
import { splitByPartition } from './partition-split.ts'
import {
  comparePositions, formatPosition, readCheckpoint, writeCheckpoint,
  type Checkpoint, type WalEntry, type WalPosition, type WriteAheadLog,
} from '../wal/wal.ts'

/**
 * Moves acknowledged batches from the write-ahead log into ClickHouse.
 *
 * Records are encoded for the store (store/encode.ts, TabSeparated rows) BEFORE the write-ahead
 * log: the WAL holds exactly the bytes ClickHouse receives, so this writer never re-encodes, and
 * `wal/` only knows about opaque entries.
 *
 *   queue (in WAL order) ─▶ chunk of ≤ flushRows rows ─▶ checkpoint {inflight: from..to, split}
 *        ─▶ INSERT logs, INSERT spans, one per day × service (insert_deduplication_token =
 *           from..to plus the group's number; the engine's memory grows with an insert's rows)
 *        ─▶ checkpoint {done: to}
 *
 * If the process dies between the two checkpoints, recovery re-inserts exactly the same range
 * with the same tokens, and ClickHouse drops the repeat: a batch is stored once.
 *
 * The queue keeps the rows of at most `residentBytes` of entries in memory; past that, an entry
 * keeps only its place in the log and its rows are read back from the log when its chunk is
 * inserted. The log's pages are the kernel's page cache, not this process's memory: a backlog
 * growing towards `maxPendingBytes` (the store behind) does not grow the server's RSS with it.
 */
export interface StoreWriterOptions {
  flushIntervalMs: number
  flushRows: number
  fsync: boolean
  /** Bytes of queued entries kept in memory (default RESIDENT_BYTES). */
  residentBytes?: number
}

/**
 * One insert's worth (`flushRows`, 100,000 rows of ~560 bytes, ≈ 56 MB): a store that keeps up
 * never reads the log back; one that is behind reads each chunk back (~1–2 ms of CPU per MB, from
 * the page cache) instead of holding up to `maxPendingBytes` — the chunk being inserted is in
 * memory either way (bench/writer-mem.ts: peak RSS −130 to −186 MB, CPU per row within noise).
 */
export const RESIDENT_BYTES = 64 * 1024 * 1024

/** A queued entry; `decoded` is null when its rows are to be read back from the log. */
interface Queued { position: WalPosition; end: WalPosition; rows: number; bytes: number; decoded: DecodedEntry | null }

export class StoreWriter {
  private queue: Queued[] = []
  private queuedRows = 0
  private pendingBytes = 0
  private residentBytes = 0
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private stopped = false
  private failures = 0
  private lastError: string | null = null
  private storedRows = 0
  private done: WalPosition = { segment: 0, offset: 0 }

  constructor(
    private readonly wal: WriteAheadLog,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly opts: StoreWriterOptions,
  ) {}

  /**
   * Re-inserts what the log holds beyond the checkpoint (after a crash), then starts the loop. The
   * replayed entries are read back from the log when inserted (`read` holds whole segments).
   */
  async recover(onEntry: (d: DecodedEntry) => void): Promise<{ replayed: number; rows: number }> {
    const inflight = await this.finishInflight()
    let replayed = inflight.replayed
    let rows = inflight.rows
    for await (const e of this.wal.read(this.done)) {
      const decoded = decodeEntry(e.payload)
      onEntry(decoded)
      const q = queued(e, decoded)
      this.push({ ...q, decoded: null })
      replayed++
      rows += q.rows
    }
    this.schedule()
    return { replayed, rows }
  }

  /**
   * Re-inserts the range a crash interrupted (checkpoint `inflight`), with its tokens, and moves the
   * checkpoint past it. Only that range can be partly stored: what follows it was never inserted.
   * The schema migrations call this before a table rebuild (migrations.ts): the rebuilt table does
   * not remember the tokens of the inserts that reached the old one.
   */
  async finishInflight(): Promise<{ replayed: number; rows: number }> {
    const cp = await readCheckpoint(this.wal.dir)
    this.done = cp.done
    if (!cp.inflight) return { replayed: 0, rows: 0 }
    const chunk: DecodedEntry[] = []
    for await (const e of this.wal.read(cp.inflight.from)) {
      if (comparePositions(e.position, cp.inflight.to) >= 0) break
      chunk.push(decodeEntry(e.payload))
    }
    // A range from an earlier version went in as one insert: replayed the same way, with its token.
    await this.insertChunk(chunk, cp.inflight.from, cp.inflight.to, cp.inflight.split === true)
    this.done = cp.inflight.to
    await writeCheckpoint(this.wal.dir, { done: this.done }, this.opts.fsync)
    return { replayed: chunk.length, rows: chunk.reduce((n, d) => n + d.meta.logs + d.meta.spans, 0) }
  }

  /** Queues an appended (durable) entry for the store. */
  enqueue(entry: WalEntry): void {
    const q = queued(entry, decodeEntry(entry.payload))
    this.push(this.keepsInMemory(q.bytes) ? q : { ...q, decoded: null })
    if (this.queuedRows >= this.opts.flushRows) this.kick()
    else this.schedule()
  }

  /** Bytes acknowledged but not yet in the store. */
  get backlogBytes(): number {
    return this.pendingBytes
  }

  /** Healthy unless the last inserts failed. */
  status(): { healthy: boolean; backlogBytes: number; backlogRows: number; storedRows: number; lastError: string | null } {
    return { healthy: this.failures === 0, backlogBytes: this.pendingBytes, backlogRows: this.queuedRows, storedRows: this.storedRows, lastError: this.lastError }
  }

  /** Writes everything queued now (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      this.kick()
      await this.running
    }
  }

  async stop(): Promise<void> {
    await this.flush()
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
  }

  /**
   * Within the budget, and only while no entry before it waits in the log: the entries read back
   * are then always the queue's tail, so a chunk is its entries in memory followed by the others.
   */
  private keepsInMemory(bytes: number): boolean {
    const budget = this.opts.residentBytes ?? RESIDENT_BYTES
    return this.residentBytes + bytes <= budget && (this.queue.length === 0 || this.queue[this.queue.length - 1].decoded !== null)
  }

  private push(q: Queued): void {
    this.queue.push(q)
    this.queuedRows += q.rows
    this.pendingBytes += q.bytes
    if (q.decoded) this.residentBytes += q.bytes
  }

  /** The chunk's entries with their rows: those in memory, then the rest read back from the log. */
  private async rowsOf(chunk: Queued[]): Promise<DecodedEntry[]> {
    const inMemory = chunk.filter((q) => q.decoded !== null).map((q) => q.decoded!)
    if (inMemory.length === chunk.length) return inMemory
    const fromLog = await this.wal.readBack(chunk.slice(inMemory.length))
    return [...inMemory, ...fromLog.map(decodeEntry)]
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.queue.length === 0) return
    const delay = this.failures === 0 ? this.opts.flushIntervalMs : Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6))
    this.timer = setTimeout(() => { this.timer = null; this.kick() }, delay)
    this.timer.unref()
  }

  private kick(): void {
    if (this.running || this.stopped) return
    this.running = this.loop().finally(() => { this.running = null; this.schedule() })
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      let rows = 0
      let n = 0
      while (n < this.queue.length && (n === 0 || rows < this.opts.flushRows)) {
        rows += this.queue[n].rows
        n++
      }
      const chunk = this.queue.slice(0, n)
      const from = chunk[0].position
      const to = chunk[chunk.length - 1].end
      try {
        const entries = await this.rowsOf(chunk)
        const cp: Checkpoint = { done: this.done, inflight: { from, to, split: true } }
        await writeCheckpoint(this.wal.dir, cp, this.opts.fsync)
        await this.insertChunk(entries, from, to, true)
        this.done = to
        await writeCheckpoint(this.wal.dir, { done: to }, this.opts.fsync)
      } catch (err) {
        this.failures++
        this.lastError = (err as Error).message
        this.log.error({ err: { message: (err as Error).message }, rows, failures: this.failures }, 'store insert failed; the batch stays in the write-ahead log and is retried')
        return
      }
      if (this.failures > 0) this.log.info({ rows }, 'store inserts succeed again')
      this.failures = 0
      this.lastError = null
      this.queue.splice(0, n)
      this.queuedRows -= rows
      this.storedRows += rows
      for (const q of chunk) {
        this.pendingBytes -= q.bytes
        if (q.decoded) this.residentBytes -= q.bytes
      }
      await this.wal.removeBefore(this.done)
    }
  }

  private async insertChunk(chunk: DecodedEntry[], from: WalPosition, to: WalPosition, split: boolean): Promise<void> {
    const token = `${formatPosition(from)}-${formatPosition(to)}`
    await this.insertRows(LOGS_TABLE, LOG_INSERT_COLUMNS, chunk.map((d) => d.logs), `${token}:logs`, split)
    await this.insertRows(TRACES_TABLE, SPAN_INSERT_COLUMNS, chunk.map((d) => d.spans), `${token}:spans`, split)
    // Batch ids, so a client's replay of an already stored request is recognised after a restart too.
    const ids = chunk.map((d) => `${d.meta.id}\t${Math.floor(d.meta.at / 1000)}\n`).join('')
    await this.store.insertTsv(BATCHES_TABLE, ['Id', 'At'], Buffer.from(ids), `${token}:batches`)
  }

  /**
   * The rows of a chunk: one insert per day × service (`split`), deterministic groups and tokens so a
   * replay after a crash repeats exactly the same inserts; or, for a range an earlier version
   * started, one insert as it did.
   */
  private async insertRows(table: string, columns: readonly string[], parts: Buffer[], token: string, split: boolean): Promise<void> {
    const rows = parts.filter((b) => b.length > 0)
    if (rows.length === 0) return
    if (!split) {
      await this.store.insertTsv(table, columns, Buffer.concat(rows), token)
      return
    }
    const groups = splitByPartition(rows)
    for (let i = 0; i < groups.length; i++) await this.store.insertTsv(table, columns, Buffer.concat(groups[i]), `${token}:${i}`)
  }
}

function queued(entry: WalEntry, decoded: DecodedEntry): Queued {
  return { position: entry.position, end: entry.end, rows: decoded.meta.logs + decoded.meta.spans, bytes: entry.payload.length, decoded }
}
