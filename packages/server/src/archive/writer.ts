import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Store } from '../store/connection.ts'
import type { HotPartition } from '../retention/partitions.ts'
import { ARCHIVE_TABLE, SIGNAL_TABLE } from '../retention/tables.ts'
import type { Signal } from '../retention/config.ts'
import { manifestKey, objectKey, type ArchiveTarget, type Manifest } from './target.ts'

/**
 *   partition (hot) ── SELECT … INTO file(staging.parquet, ZSTD) ── sha256 ── upload object ── upload manifest
 *        │                                                                                      (commit mark)
 *        └── MOVE PARTITION to <table>_archive_staging ── rows = manifest rows? ── DROP there : MOVE back
 *
 * A partition leaves hot storage only after its object and manifest are in the archive, and only
 * if no row arrived since the export (the move is atomic; late rows make the counts differ and the
 * partition goes back, to be archived again on the next run under a new name).
 */
export interface WriterContext {
  store: Store
  target: ArchiveTarget
  /** Local folder for Parquet files on their way out. */
  stagingDir: string
  schemaVersion: () => Promise<number>
}

export const stagingTable = (signal: Signal): string => `${SIGNAL_TABLE[signal]}_archive_staging`

/** Columns written to Parquet: everything but ALIAS columns (materialized business keys included, so search works on them). */
async function exportColumns(store: Store, table: string): Promise<{ name: string; type: string }[]> {
  return store.query<{ name: string; type: string }>(
    `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String} AND default_kind != 'ALIAS' ORDER BY position`, { t: table })
}

const quote = (c: string): string => `\`${c.replace(/`/g, '``')}\``

/** Writes the partition to the archive (or finds it already there); returns its manifest. */
export async function exportPartition(ctx: WriterContext, p: HotPartition): Promise<Manifest> {
  const key = objectKey(p.signal, p.day, p.service, p.minBlock, p.maxBlock)
  const existing = await ctx.target.getText(manifestKey(key))
  if (existing) {
    const m = JSON.parse(existing) as Manifest
    if (m.rows === p.rows) return m // a rerun after a crash: already archived, nothing to write again
  }
  await mkdir(ctx.stagingDir, { recursive: true })
  const local = join(ctx.stagingDir, `${randomUUID()}.parquet`)
  try {
    const columns = await exportColumns(ctx.store, p.table)
    await ctx.store.command(`INSERT INTO FUNCTION file({path:String}, 'Parquet')
SELECT ${columns.map((c) => quote(c.name)).join(', ')} FROM ${p.table} WHERE _partition_id = {pid:String} ORDER BY Timestamp
SETTINGS output_format_parquet_compression_method = 'zstd', engine_file_truncate_on_insert = 1`, { path: local, pid: p.partitionId })
    const [s] = await ctx.store.query<{ rows: string; min: string; max: string }>(
      `SELECT count() AS rows, toString(min(Timestamp), 'UTC') AS min, toString(max(Timestamp), 'UTC') AS max FROM file({path:String}, 'Parquet')`, { path: local })
    const sha256 = await fileSha256(local)
    const bytes = (await stat(local)).size
    await ctx.target.putFile(key, local)
    const manifest: Manifest = {
      format: 'beacon-archive/1', key, signal: p.signal, service: p.service, day: p.day,
      rows: Number(s.rows), bytes, hotBytes: p.bytes, minTime: isoTime(s.min), maxTime: isoTime(s.max),
      schemaVersion: await ctx.schemaVersion(), columns, sha256, compression: 'zstd', archivedAt: new Date().toISOString(),
    }
    await ctx.target.putText(manifestKey(key), JSON.stringify(manifest, null, 2))
    await recordObject(ctx.store, manifest)
    return manifest
  } finally {
    await rm(local, { force: true })
  }
}

/**
 * Drops an archived partition if it still holds exactly the archived rows; otherwise leaves it
 * hot (late rows arrived) and returns false.
 */
export async function dropArchived(store: Store, p: HotPartition, archivedRows: number): Promise<boolean> {
  const staging = stagingTable(p.signal)
  await store.command(`CREATE TABLE IF NOT EXISTS ${staging} AS ${p.table}`)
  await store.command(`ALTER TABLE ${p.table} MOVE PARTITION ID {pid:String} TO TABLE ${staging}`, { pid: p.partitionId })
  const [r] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${staging} WHERE _partition_id = {pid:String}`, { pid: p.partitionId })
  if (Number(r.n) === archivedRows) {
    await store.command(`ALTER TABLE ${staging} DROP PARTITION ID {pid:String}`, { pid: p.partitionId })
    return true
  }
  await store.command(`ALTER TABLE ${staging} MOVE PARTITION ID {pid:String} TO TABLE ${p.table}`, { pid: p.partitionId })
  return false
}

export async function recordObject(store: Store, m: Manifest, deleted = false): Promise<void> {
  await store.command(`INSERT INTO ${ARCHIVE_TABLE} (Key, Signal, Service, Day, Rows, Bytes, HotBytes, MinTime, MaxTime, SchemaVersion, Sha256, ArchivedAt, Deleted)
SETTINGS insert_deduplicate = 0, insert_deduplication_token = ''
VALUES ({key:String}, {signal:String}, {service:String}, {day:Date}, {rows:UInt64}, {bytes:UInt64}, {hot:UInt64},
  parseDateTime64BestEffort({min:String}, 9), parseDateTime64BestEffort({max:String}, 9), {sv:UInt32}, {sha:String},
  parseDateTime64BestEffort({at:String}, 3), {del:UInt8})`, {
    key: m.key, signal: m.signal, service: m.service, day: m.day, rows: m.rows, bytes: m.bytes, hot: m.hotBytes,
    min: m.minTime, max: m.maxTime, sv: m.schemaVersion, sha: m.sha256, at: m.archivedAt, del: deleted ? 1 : 0,
  })
}

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

/** ClickHouse's `2026-11-25 07:04:33.870072488` (UTC) → ISO 8601 with nanoseconds. */
function isoTime(ch: string): string {
  return ch ? `${ch.replace(' ', 'T')}Z` : ''
}
