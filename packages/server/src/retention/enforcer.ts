import type { Logger } from 'pino'
import type { Store } from '../store/connection.ts'
import type { ArchiveTarget } from '../archive/target.ts'
import { dropArchived, exportPartition, type WriterContext } from '../archive/writer.ts'
import { expireArchive, recoverStaging, syncCatalogue } from '../archive/maintenance.ts'
import type { Config } from '../config/schema.ts'
import { listPartitions, type HotPartition } from './partitions.ts'
import type { RetentionPolicy } from './policy.ts'
import { RESTORED_TABLE } from './tables.ts'
import { TRACE_BOUNDS_TABLE } from '../store/schema.ts'
import { LOG_ROLLUP_TABLE, SPAN_ROLLUP_TABLE } from '../store/rollups.ts'

/**
 *   every retention.checkIntervalSeconds (and on demand):
 *     staging leftovers ── expired partitions ── services over their cap (oldest day first)
 *        each: archive (object + manifest) ── move out ── drop      (archive off: drop)
 *     ── archive objects older than archive.keepDays deleted (audited)
 *
 * Nothing leaves hot storage unarchived while the archive is on: when the archive fails the
 * partition stays, the failure is reported (log, health, Storage page) and retried with backoff.
 */
export interface AuditSink { (event: { action: string; target: string; detail?: string; rows?: number; result?: 'allowed' | 'error' }): void }

export interface RunReport {
  trigger: 'schedule' | 'manual'
  startedAt: string
  finishedAt: string
  ok: boolean
  archivedObjects: number
  droppedPartitions: number
  droppedBytes: number
  /** Partitions due to leave but kept because the archive failed. */
  keptUnarchived: number
  expiredObjects: number
  errors: string[]
}

export interface CapUsage { service: string; bytes: number; capBytes: number; percent: number; warning: boolean }

export interface EnforcerDeps {
  store: Store
  config: Config
  log: Logger
  policy: RetentionPolicy
  target: ArchiveTarget | null
  writer: WriterContext | null
  audit?: AuditSink
}

const MAX_BACKOFF_MS = 60 * 60 * 1000

export class RetentionEnforcer {
  private timer: NodeJS.Timeout | null = null
  private first: NodeJS.Timeout | null = null
  private running: Promise<RunReport> | null = null
  private lastRun: RunReport | null = null
  private failures = 0
  private nextArchiveAttempt = 0
  private archiveError: string | null = null
  private caps: CapUsage[] = []
  private warned = new Set<string>()
  /** The local catalogue is read from the archive's manifests once per start (a new data directory, another writer). */
  private synced = false

  constructor(private readonly d: EnforcerDeps) {}

  start(): void {
    const every = this.d.config.retention.checkIntervalSeconds * 1000
    const tick = (): void => { this.run('schedule').catch((err) => this.d.log.error({ err: { message: (err as Error).message } }, 'retention run failed')) }
    this.timer = setInterval(tick, every)
    this.timer.unref()
    this.first = setTimeout(tick, Math.min(every, 2000))
    this.first.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    if (this.first) clearTimeout(this.first)
    this.timer = null
    this.first = null
    await this.running?.catch(() => undefined)
  }

  status(): { lastRun: RunReport | null; archive: { enabled: boolean; target: string | null; healthy: boolean; error: string | null; consecutiveFailures: number; nextAttemptAt: string | null }; caps: CapUsage[] } {
    return {
      lastRun: this.lastRun,
      archive: {
        enabled: this.d.target !== null,
        target: this.d.target?.description ?? null,
        healthy: this.archiveError === null,
        error: this.archiveError,
        consecutiveFailures: this.failures,
        nextAttemptAt: this.failures > 0 ? new Date(this.nextArchiveAttempt).toISOString() : null,
      },
      caps: this.caps,
    }
  }

  /**
   * One pass at a time. A scheduled tick during a pass is skipped (shares it); a manual run waits
   * for the pass in progress and then runs its own, so it sees the data as it is when asked.
   * A manual run ignores the archive backoff.
   */
  async run(trigger: RunReport['trigger']): Promise<RunReport> {
    while (this.running) {
      const current = this.running
      if (trigger === 'schedule') return current
      await current.catch(() => undefined)
    }
    this.running = this.pass(trigger).finally(() => { this.running = null })
    return this.running
  }

  private async pass(trigger: RunReport['trigger']): Promise<RunReport> {
    const { store, policy, log } = this.d
    const report: RunReport = { trigger, startedAt: new Date().toISOString(), finishedAt: '', ok: true, archivedObjects: 0, droppedPartitions: 0, droppedBytes: 0, keptUnarchived: 0, expiredObjects: 0, errors: [] }
    const archiveAllowed = trigger === 'manual' || Date.now() >= this.nextArchiveAttempt
    let archiveFailed = false
    await policy.load()
    if (this.d.target && !this.synced && archiveAllowed) {
      try {
        await syncCatalogue(store, this.d.target)
        this.synced = true
      } catch (err) {
        archiveFailed = true
        report.errors.push(`reading the archive's manifests: ${(err as Error).message}`)
      }
    }
    if (this.d.target) await recoverStaging(store, this.d.target, log)
    const parts = await listPartitions(store)
    const [{ today }] = await store.query<{ today: string }>(`SELECT toString(today()) AS today`)
    const holds = await this.holds()

    const evict = async (p: HotPartition, reason: string): Promise<boolean> => {
      const held = holds.get(`${p.signal}|${p.service}|${p.day}`)
      if (held && held.until > Date.now()) return false
      if (!this.d.target || !this.d.writer || (held && held.rows === p.rows)) {
        // Archive off, or a restored day leaving again unchanged (it is in the archive already).
        await store.command(`ALTER TABLE ${p.table} DROP PARTITION ID {pid:String}`, { pid: p.partitionId })
      } else {
        if (!archiveAllowed || archiveFailed) { report.keptUnarchived++; return false }
        try {
          const m = await exportPartition(this.d.writer, p)
          report.archivedObjects++
          if (!(await dropArchived(store, p, m.rows))) {
            log.info({ signal: p.signal, service: p.service, day: p.day }, 'rows arrived while archiving; the partition stays hot and is archived again next run')
            return false
          }
        } catch (err) {
          archiveFailed = true
          report.keptUnarchived++
          report.errors.push(`${p.signal} ${p.service} ${p.day}: ${(err as Error).message}`)
          log.error({ signal: p.signal, service: p.service, day: p.day, target: this.d.target.description, err: { message: (err as Error).message } },
            'archive failed: the partition stays in hot storage and the archive is retried with backoff')
          return false
        }
      }
      // The per-minute rollups (store/rollups.ts) share the day × service partitioning: their counts
      // leave with the records, or histograms and /api/services would count records no longer held.
      await store.command(`ALTER TABLE ${p.signal === 'logs' ? LOG_ROLLUP_TABLE : SPAN_ROLLUP_TABLE} DROP PARTITION ID {pid:String}`, { pid: p.partitionId })
      report.droppedPartitions++
      report.droppedBytes += p.bytes
      log.info({ signal: p.signal, service: p.service, day: p.day, rows: p.rows, bytes: p.bytes, reason, archived: this.d.target !== null }, 'partition left hot storage')
      return true
    }

    const remaining: HotPartition[] = []
    for (const p of parts) {
      const cutoff = addDays(today, -policy.daysFor(p.signal, p.service))
      if (p.day <= cutoff && (await evict(p, 'retention'))) continue
      remaining.push(p)
    }
    await this.enforceCaps(remaining, today, holds, evict)
    if (this.d.target) {
      try {
        report.expiredObjects = await expireArchive(store, this.d.target, today, this.d.config.archive.keepDays, this.d.audit, log)
      } catch (err) {
        archiveFailed = true
        report.errors.push(`archive expiry: ${(err as Error).message}`)
      }
    }
    await store.command(`ALTER TABLE ${RESTORED_TABLE} DELETE WHERE Until < now() - INTERVAL 1 DAY`).catch(() => undefined)
    await this.trimTraceBounds(today, holds).catch((err) => report.errors.push(`trace bounds: ${(err as Error).message}`))

    if (archiveFailed) {
      this.failures++
      this.nextArchiveAttempt = Date.now() + Math.min(MAX_BACKOFF_MS, 30_000 * 2 ** Math.min(this.failures - 1, 10))
      this.archiveError = report.errors[0] ?? 'archive failed'
    } else if (this.d.target && archiveAllowed) {
      this.failures = 0
      this.archiveError = null
    }
    report.ok = report.errors.length === 0
    report.finishedAt = new Date().toISOString()
    this.lastRun = report
    return report
  }

  /** Services over their cap lose their oldest days first (never today's); 80 % warns. */
  private async enforceCaps(parts: HotPartition[], today: string, holds: Map<string, { until: number; rows: number }>, evict: (p: HotPartition, reason: string) => Promise<boolean>): Promise<void> {
    const byService = new Map<string, HotPartition[]>()
    for (const p of parts) byService.set(p.service, [...(byService.get(p.service) ?? []), p])
    const usage: CapUsage[] = []
    for (const [service, list] of byService) {
      const cap = this.d.policy.capFor(service)
      let bytes = list.reduce((n, p) => n + p.bytes, 0)
      if (cap > 0 && bytes > cap) {
        for (const p of list.filter((x) => x.day < today).sort((a, b) => a.day.localeCompare(b.day))) {
          if (bytes <= cap) break
          if (holds.has(`${p.signal}|${p.service}|${p.day}`)) continue
          if (await evict(p, 'cap')) bytes -= p.bytes
        }
      }
      const percent = cap > 0 ? Math.round((bytes / cap) * 1000) / 10 : 0
      const warning = cap > 0 && percent >= this.d.config.retention.capWarnPercent
      if (warning && !this.warned.has(service)) this.d.log.warn({ service, bytes, capBytes: cap, percent }, `service is at ${percent}% of its size cap; its oldest data will be archived and dropped above 100%`)
      if (warning) this.warned.add(service)
      else this.warned.delete(service)
      usage.push({ service, bytes, capBytes: cap, percent, warning })
    }
    this.caps = usage.sort((a, b) => a.service.localeCompare(b.service))
  }

  /** Trace-id bounds (a lookup index, day partitions) are kept as long as the longest retention, and for restored days. */
  private async trimTraceBounds(today: string, holds: Map<string, { until: number; rows: number }>): Promise<void> {
    const cutoff = addDays(today, -this.d.policy.maxDays())
    const held = new Set([...holds.keys()].map((k) => k.split('|')[2]))
    const parts = await this.d.store.query<{ partition_id: string; partition: string }>(
      `SELECT DISTINCT partition_id, partition FROM system.parts WHERE database = currentDatabase() AND active AND table = {t:String} AND rows > 0`, { t: TRACE_BOUNDS_TABLE })
    for (const p of parts) {
      const day = p.partition.replace(/'/g, '')
      if (/^\d{4}-\d{2}-\d{2}$/.test(day) && day <= cutoff && !held.has(day)) {
        await this.d.store.command(`ALTER TABLE ${TRACE_BOUNDS_TABLE} DROP PARTITION ID {pid:String}`, { pid: p.partition_id })
      }
    }
  }

  private async holds(): Promise<Map<string, { until: number; rows: number }>> {
    const rows = await this.d.store.query<{ Signal: string; Service: string; day: string; until: string; Rows: string }>(
      `SELECT Signal, Service, toString(Day) AS day, toUnixTimestamp(Until) AS until, Rows FROM ${RESTORED_TABLE} FINAL`)
    return new Map(rows.map((r) => [`${r.Signal}|${r.Service}|${r.day}`, { until: Number(r.until) * 1000, rows: Number(r.Rows) }]))
  }
}

/** `YYYY-MM-DD` plus n days. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

