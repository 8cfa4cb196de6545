/** The Storage page's data: `GET /api/admin/storage` and small formatting helpers (pure, unit-tested). */

export interface StorageService { service: string; bytes: number; capBytes: number; capPercent: number; capWarning: boolean }
export interface StorageSignal {
  service: string; signal: 'logs' | 'spans'; rows: number; bytes: number; uncompressedBytes: number; compression: number | null
  daysKept: number; oldestHotDay: string | null; newestHotDay: string | null; retentionDays: number
  archiveObjects: number; archiveBytes: number; archiveRows: number; oldestArchivedDay: string | null
}
export interface RunReport {
  trigger: string; startedAt: string; finishedAt: string; ok: boolean; archivedObjects: number; droppedPartitions: number
  droppedBytes: number; keptUnarchived: number; expiredObjects: number; errors: string[]
}
export interface StorageReport {
  services: StorageService[]
  signals: StorageSignal[]
  archive: { enabled: boolean; target: string | null; healthy: boolean; error: string | null; consecutiveFailures: number; nextAttemptAt: string | null; keepDays: number; objects: number; bytes: number }
  lastRun: RunReport | null
  disk: { freeBytes: number; totalBytes: number; ingestRefused: string | null }
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB']

/** 1536 → "1.5 KB" (powers of 1024, as caps are set). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B'
  const i = Math.min(UNITS.length - 1, Math.floor(Math.log(n) / Math.log(1024)))
  const v = n / 1024 ** i
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${UNITS[i]}`
}

/** Cap usage as a bar level: ok below the warning, warn from it, over at 100 %. */
export function capLevel(s: StorageService): 'none' | 'ok' | 'warn' | 'over' {
  if (s.capBytes <= 0) return 'none'
  if (s.capPercent >= 100) return 'over'
  return s.capWarning ? 'warn' : 'ok'
}

/** A one-line summary of an archive run for the page header. */
export function runSummary(r: RunReport | null): string {
  if (!r) return 'No run yet since start'
  const what = `${r.archivedObjects} archived, ${r.droppedPartitions} partitions left hot storage (${formatBytes(r.droppedBytes)})`
  const kept = r.keptUnarchived ? `, ${r.keptUnarchived} kept because the archive failed` : ''
  const expired = r.expiredObjects ? `, ${r.expiredObjects} old archive objects deleted` : ''
  return `${r.ok ? 'OK' : 'Failed'} at ${r.finishedAt.replace('T', ' ').slice(0, 19)} UTC (${r.trigger}): ${what}${kept}${expired}`
}
