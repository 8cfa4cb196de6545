import type { Logger } from 'pino'
import type { Store } from '../store/connection.ts'
import type { AuditSink } from '../retention/enforcer.ts'
import { listPartitions } from '../retention/partitions.ts'
import { ARCHIVE_TABLE, SIGNAL_TABLE } from '../retention/tables.ts'
import { SIGNALS, type Signal } from '../retention/config.ts'
import { manifestKey, type ArchiveTarget, type Manifest } from './target.ts'
import { recordObject, stagingTable } from './writer.ts'

/**
 * A crash between moving a partition out and dropping it leaves it in the staging table: drop it
 * there when the archive holds an object with the same rows for that day and service, else move it
 * back to hot storage (to be archived again).
 */
export async function recoverStaging(store: Store, target: ArchiveTarget, log: Logger): Promise<void> {
  const staging = Object.fromEntries(SIGNALS.map((s) => [s, stagingTable(s)])) as Record<Signal, string>
  const exists = new Set((await store.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ({t:Array(String)})`, { t: Object.values(staging) })).map((r) => r.name))
  if (exists.size === 0) return
  for (const p of await listPartitions(store, staging)) {
    const archived = await store.query<{ Rows: string }>(
      `SELECT Rows FROM ${ARCHIVE_TABLE} FINAL WHERE Signal = {s:String} AND Service = {svc:String} AND Day = {d:Date} AND Deleted = 0`,
      { s: p.signal, svc: p.service, d: p.day })
    if (archived.some((a) => Number(a.Rows) === p.rows)) {
      await store.command(`ALTER TABLE ${p.table} DROP PARTITION ID {pid:String}`, { pid: p.partitionId })
    } else {
      await store.command(`ALTER TABLE ${p.table} MOVE PARTITION ID {pid:String} TO TABLE ${SIGNAL_TABLE[p.signal]}`, { pid: p.partitionId })
      log.warn({ signal: p.signal, service: p.service, day: p.day }, 'a partition interrupted on its way to the archive is back in hot storage')
    }
  }
  // An empty staging table is rebuilt on next use, so it always has the hot table's current columns.
  for (const s of SIGNALS) {
    if (!exists.has(staging[s])) continue
    const [r] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${staging[s]}`)
    if (Number(r.n) === 0) await store.command(`DROP TABLE IF EXISTS ${staging[s]} SYNC`)
  }
}

/** Deletes objects (and manifests) of days older than `keepDays`; each deletion is audited. Returns how many. */
export async function expireArchive(store: Store, target: ArchiveTarget, today: string, keepDays: number, audit: AuditSink | undefined, log: Logger): Promise<number> {
  const old = await catalogue(store, { olderThanDays: keepDays, today })
  for (const m of old) {
    await target.delete([m.key, manifestKey(m.key)])
    await recordObject(store, m, true)
    audit?.({ action: 'archive.delete', target: m.key, rows: m.rows, detail: `older than ${keepDays} days (archive.keepDays)` })
    log.info({ key: m.key, rows: m.rows, day: m.day, service: m.service }, 'archived object deleted: older than the archive retention')
  }
  return old.length
}

export interface CatalogueFilter { signal?: Signal; service?: string; day?: string; fromDay?: string; toDay?: string; olderThanDays?: number; today?: string }

/** Archived objects known locally (not deleted), as manifests. */
export async function catalogue(store: Store, f: CatalogueFilter = {}): Promise<Manifest[]> {
  const where = ['Deleted = 0']
  if (f.signal) where.push('Signal = {signal:String}')
  if (f.service !== undefined) where.push('Service = {service:String}')
  if (f.day) where.push('Day = {day:Date}')
  if (f.fromDay) where.push('Day >= {fromDay:Date}')
  if (f.toDay) where.push('Day <= {toDay:Date}')
  if (f.olderThanDays !== undefined) where.push('Day < {today:Date} - toIntervalDay({older:UInt32})')
  const rows = await store.query<{ Key: string; Signal: Signal; Service: string; day: string; Rows: string; Bytes: string; HotBytes: string; min: string; max: string; SchemaVersion: number; Sha256: string; at: string }>(
    `SELECT Key, Signal, Service, toString(Day) AS day, Rows, Bytes, HotBytes, toString(MinTime, 'UTC') AS min, toString(MaxTime, 'UTC') AS max,
       SchemaVersion, Sha256, toString(ArchivedAt, 'UTC') AS at
     FROM ${ARCHIVE_TABLE} FINAL WHERE ${where.join(' AND ')} ORDER BY Day, Service, Signal, Key`,
    { signal: f.signal, service: f.service, day: f.day, fromDay: f.fromDay, toDay: f.toDay, older: f.olderThanDays, today: f.today })
  const iso = (t: string): string => `${t.replace(' ', 'T')}Z`
  return rows.map((r) => ({
    format: 'beacon-archive/1', key: r.Key, signal: r.Signal, service: r.Service, day: r.day, rows: Number(r.Rows), bytes: Number(r.Bytes),
    hotBytes: Number(r.HotBytes), minTime: iso(r.min), maxTime: iso(r.max), schemaVersion: Number(r.SchemaVersion), columns: [],
    sha256: r.Sha256, compression: 'zstd', archivedAt: iso(r.at),
  }))
}

/**
 * Reads every manifest in the archive into the local catalogue (a new data directory, objects
 * written by another Beacon), and forgets catalogue entries whose manifest is gone. Returns the manifests.
 */
export async function syncCatalogue(store: Store, target: ArchiveTarget): Promise<Manifest[]> {
  const keys = (await target.list('')).filter((k) => k.endsWith('.manifest.json'))
  const manifests: Manifest[] = []
  for (const k of keys) {
    const text = await target.getText(k)
    if (!text) continue
    try { manifests.push(JSON.parse(text) as Manifest) } catch { /* a foreign or damaged file: verify reports it */ }
  }
  const known = new Map((await catalogue(store)).map((m) => [m.key, m]))
  for (const m of manifests) {
    const k = known.get(m.key)
    if (!k || k.sha256 !== m.sha256 || k.rows !== m.rows) await recordObject(store, m)
    known.delete(m.key)
  }
  for (const gone of known.values()) await recordObject(store, gone, true)
  return manifests.sort((a, b) => a.day.localeCompare(b.day) || a.service.localeCompare(b.service) || a.signal.localeCompare(b.signal) || a.key.localeCompare(b.key))
}
