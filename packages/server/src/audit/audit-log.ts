import type { Logger } from 'pino'
import type { Migration } from '../store/migrations.ts'
import type { Store } from '../store/connection.ts'
import { tsvString } from '../store/tsv.ts'
import { chTime } from '../api/time-range.ts'
import { GENESIS_HASH, chainEntry, entryHash, type AuditEntry, type AuditEvent, type AuditResult } from './chain.ts'

/**
 *   append(event) ── seq, time, prev_hash, hash (synchronous, in call order) ── pending queue
 *                                                                                   │ one writer at a time
 *                                                                                   ▼
 *                                                               INSERT INTO beacon_audit (TabSeparated)
 *
 * The chain is built in memory in the order events are appended, so it is linear whatever the
 * store does; the writer inserts the pending entries in that order and retries on failure. The
 * application only ever INSERTs into `beacon_audit`: it never updates or deletes a row.
 */
export const AUDIT_TABLE = 'beacon_audit'

export const AUDIT_MIGRATIONS: Migration[] = [
  {
    version: 150,
    name: 'access audit',
    statements: () => [
      `CREATE TABLE IF NOT EXISTS ${AUDIT_TABLE} (
  seq UInt64,
  time DateTime64(3, 'UTC'),
  actor String,
  action LowCardinality(String),
  target String,
  client String,
  result LowCardinality(String),
  rows UInt64,
  detail String,
  prev_hash String,
  hash String
) ENGINE = MergeTree ORDER BY seq`,
    ],
  },
]

const COLUMNS = ['seq', 'time', 'actor', 'action', 'target', 'client', 'result', 'rows', 'detail', 'prev_hash', 'hash'] as const

interface AuditRow {
  seq: string; time_ms: string; actor: string; action: string; target: string; client: string
  result: string; rows: string; detail: string; prev_hash: string; hash: string
}

const SELECT = `SELECT seq, toUnixTimestamp64Milli(time) AS time_ms, actor, action, target, client, result, rows, detail, prev_hash, hash FROM ${AUDIT_TABLE}`

function fromRow(r: AuditRow): AuditEntry {
  return {
    seq: Number(r.seq), timeMs: Number(r.time_ms), actor: r.actor, action: r.action, target: r.target, client: r.client,
    result: r.result as AuditResult, rows: Number(r.rows), detail: r.detail, prevHash: r.prev_hash, hash: r.hash,
  }
}

function tsvRow(e: AuditEntry): string {
  return [String(e.seq), chTime(e.timeMs), tsvString(e.actor), tsvString(e.action), tsvString(e.target), tsvString(e.client),
    e.result, String(e.rows), tsvString(e.detail), e.prevHash, e.hash].join('\t') + '\n'
}

export interface AuditFilter {
  actor?: string
  action?: string
  fromMs?: number
  toMs?: number
  limit?: number
}

export type VerifyReport =
  | { ok: true; count: number; lastHash: string }
  | { ok: false; count: number; brokenAt: number; reason: string }

export class AuditLog {
  private last: { seq: number; hash: string }
  private pending: AuditEntry[] = []
  private writing: Promise<void> | undefined
  private failures = 0

  private constructor(
    private readonly store: Store,
    private readonly log: Logger | undefined,
    last: { seq: number; hash: string },
    private readonly maskTarget: ((target: string) => string) | undefined,
  ) {
    this.last = last
  }

  /**
   * Opens the audit log, continuing the chain from the last stored entry. `maskTarget` rewrites
   * every entry's `target` before it is chained and stored (security/audit-text.ts: no plaintext
   * of encrypted fields, secrets or card numbers from search text).
   */
  static async open(store: Store, log?: Logger, opts: { maskTarget?: (target: string) => string } = {}): Promise<AuditLog> {
    const [row] = await store.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${AUDIT_TABLE} ORDER BY seq DESC LIMIT 1`)
    return new AuditLog(store, log, row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH }, opts.maskTarget)
  }

  /** Records an event; the entry joins the chain now and is written in the background (see flush). */
  append(event: AuditEvent): AuditEntry {
    const masked = this.maskTarget ? { ...event, target: this.maskTarget(event.target) } : event
    const entry = chainEntry(this.last, masked, Date.now())
    this.last = { seq: entry.seq, hash: entry.hash }
    this.pending.push(entry)
    this.writing ??= this.drain()
    return entry
  }

  /** Resolves when every entry appended so far is in the store (throws if the store keeps refusing). */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.writing) {
      if (this.writing) await this.writing
      else this.writing = this.drain()
      if (this.failures > 0 && this.pending.length > 0) throw new Error('the audit log cannot be written to the store')
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.slice(0, 1000)
        try {
          await this.store.insertTsv(AUDIT_TABLE, COLUMNS, Buffer.from(batch.map(tsvRow).join(''), 'utf8'))
          this.pending.splice(0, batch.length)
          this.failures = 0
        } catch (err) {
          this.failures++
          this.log?.error({ err: { message: (err as Error).message }, pending: this.pending.length }, 'cannot write the access audit; retrying')
          if (this.failures >= 3) return
          await new Promise((r) => setTimeout(r, 200 * this.failures))
        }
      }
    } finally {
      this.writing = undefined
    }
  }

  /** Newest first. */
  async query(filter: AuditFilter): Promise<AuditEntry[]> {
    await this.flush().catch(() => {})
    const where: string[] = []
    const params: Record<string, unknown> = { limit: Math.min(Math.max(filter.limit ?? 100, 1), 10_000) }
    if (filter.actor) { where.push('actor = {actor:String}'); params.actor = filter.actor }
    if (filter.action) { where.push('action = {action:String}'); params.action = filter.action }
    if (filter.fromMs !== undefined) { where.push('time >= fromUnixTimestamp64Milli({from:Int64})'); params.from = filter.fromMs }
    if (filter.toMs !== undefined) { where.push('time <= fromUnixTimestamp64Milli({to:Int64})'); params.to = filter.toMs }
    const rows = await this.store.query<AuditRow>(`${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT {limit:UInt32}`, params)
    return rows.map(fromRow)
  }

  /**
   * Recomputes the whole chain from the store: every seq present once and in order from 1, each
   * prev_hash equal to the previous hash, each hash equal to the recomputed one.
   */
  static async verify(store: Store, pageSize = 10_000): Promise<VerifyReport> {
    let prev = { seq: 0, hash: GENESIS_HASH }
    let count = 0
    for (;;) {
      const rows = await store.query<AuditRow>(`${SELECT} WHERE seq > {after:UInt64} ORDER BY seq LIMIT {n:UInt32}`, { after: prev.seq, n: pageSize })
      for (const r of rows) {
        const e = fromRow(r)
        if (e.seq !== prev.seq + 1) return { ok: false, count, brokenAt: prev.seq + 1, reason: `entry ${prev.seq + 1} is missing (next present: ${e.seq})` }
        if (e.prevHash !== prev.hash) return { ok: false, count, brokenAt: e.seq, reason: 'prev_hash does not match the previous entry' }
        const { prevHash: _p, hash: _h, ...body } = e
        if (entryHash(e.prevHash, body) !== e.hash) return { ok: false, count, brokenAt: e.seq, reason: 'the entry was altered (hash does not match its content)' }
        prev = { seq: e.seq, hash: e.hash }
        count++
      }
      if (rows.length < pageSize) break
    }
    // Two rows with the same seq (an inserted copy) hide behind `seq >`: count them too.
    const [dups] = await store.query<{ n: string; m: string }>(`SELECT count() AS n, uniqExact(seq) AS m FROM ${AUDIT_TABLE}`)
    if (dups && Number(dups.n) !== Number(dups.m)) {
      const [d] = await store.query<{ seq: string }>(`SELECT seq FROM ${AUDIT_TABLE} GROUP BY seq HAVING count() > 1 ORDER BY seq LIMIT 1`)
      return { ok: false, count, brokenAt: Number(d?.seq ?? 0), reason: 'two entries share this seq' }
    }
    return { ok: true, count, lastHash: prev.hash }
  }
}
