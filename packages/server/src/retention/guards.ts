import { statfsSync } from 'node:fs'
import type { Logger } from 'pino'
import type { IngestOutcome } from '../pipeline/pipeline.ts'
import type { Batch } from '../pipeline/record.ts'
import type { RetentionConfig } from './config.ts'
import type { RetentionPolicy } from './policy.ts'

/**
 * Disk guard: while the data volume is nearly full, ingest answers 503 with Retry-After before
 * doing any work, so the space left goes to what is already acknowledged (the write-ahead log and
 * the store writer draining it). Free space is sampled every few seconds, not per request.
 */
export class DiskGuard {
  private low: { freeBytes: number; totalBytes: number } | null = null
  private timer: NodeJS.Timeout | null = null
  freeBytes = 0
  totalBytes = 0

  constructor(private readonly dir: string, private readonly config: RetentionConfig, private readonly log: Logger,
    /** How free space is read (tests replace it to simulate a full volume). */
    public statfs: (dir: string) => { bavail: number; bsize: number; blocks: number } = (d) => statfsSync(d)) {}

  start(everyMs = 5000): void {
    this.sample()
    this.timer = setInterval(() => this.sample(), everyMs)
    this.timer.unref()
  }

  stop(): void { if (this.timer) clearInterval(this.timer) }

  sample(): void {
    let s: { bavail: number; bsize: number; blocks: number }
    try { s = this.statfs(this.dir) } catch { return }
    this.freeBytes = Number(s.bavail) * Number(s.bsize)
    this.totalBytes = Number(s.blocks) * Number(s.bsize)
    const percent = this.totalBytes > 0 ? (this.freeBytes / this.totalBytes) * 100 : 100
    const isLow = this.freeBytes < this.config.minFreeBytes || percent < this.config.minFreePercent
    if (isLow && !this.low) this.log.error({ freeBytes: this.freeBytes, totalBytes: this.totalBytes, dir: this.dir }, 'disk almost full: ingest refused (503) until space is freed; acknowledged data keeps its space')
    if (!isLow && this.low) this.log.info({ freeBytes: this.freeBytes }, 'disk space recovered: ingest accepted again')
    this.low = isLow ? { freeBytes: this.freeBytes, totalBytes: this.totalBytes } : null
  }

  /** Why ingest is refused now, or null. */
  reason(): string | null {
    if (!this.low) return null
    const gb = (b: number): string => `${(b / 1024 ** 3).toFixed(2)} GB`
    return `the data volume is almost full (${gb(this.low.freeBytes)} free of ${gb(this.low.totalBytes)}; Beacon keeps at least ${gb(this.config.minFreeBytes)} and ${this.config.minFreePercent}% free): free space, lower the retention or the size caps`
  }

  admit = (): IngestOutcome | null => {
    const reason = this.reason()
    return reason ? { status: 'retry', retryAfterSeconds: 60, reason, httpStatus: 503 } : null
  }
}

/**
 * Backfill: records are accepted as far back as their service's hot retention reaches; older
 * ones are not stored (they would leave within a minute) and the response says how many.
 */
export function createBackfillScreen(policy: RetentionPolicy, now: () => number = Date.now): (batch: Batch) => void {
  return (batch) => {
    const t = now()
    const today = Math.floor(t / 86_400_000) * 86_400_000
    let old = 0
    let oldest = ''
    const keep = <R extends { timeUnixNano: string; serviceName: string }>(records: R[], signal: 'logs' | 'spans'): R[] => {
      let dropped = false
      const out = records.filter((r) => {
        const ms = Number(r.timeUnixNano.length > 6 ? r.timeUnixNano.slice(0, -6) : '0')
        // Days kept include today: with 30 days, the 29 whole days before today.
        const limit = today - (policy.daysFor(signal, r.serviceName) - 1) * 86_400_000
        if (ms >= limit || ms === 0) return true
        old++
        dropped = true
        if (!oldest || r.timeUnixNano < oldest) oldest = r.timeUnixNano
        return false
      })
      return dropped ? out : records
    }
    batch.logs = keep(batch.logs, 'logs')
    batch.spans = keep(batch.spans, 'spans')
    if (old > 0) {
      batch.rejected += old
      const msg = `${old} records older than the hot retention were not stored (oldest ${new Date(Number(oldest.slice(0, -6))).toISOString()}); see docs/retention.md`
      batch.rejectionMessage = batch.rejectionMessage ? `${batch.rejectionMessage}; ${msg}` : msg
    }
  }
}
