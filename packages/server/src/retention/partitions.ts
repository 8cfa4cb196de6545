import type { Store } from '../store/connection.ts'
import { SIGNALS, type Signal } from './config.ts'
import { SIGNAL_TABLE } from './tables.ts'

/** One day × service partition of a signal's table, from `system.parts` (no data is read). */
export interface HotPartition {
  signal: Signal
  table: string
  partitionId: string
  day: string
  service: string
  rows: number
  bytes: number
  uncompressedBytes: number
  minBlock: number
  maxBlock: number
}

/**
 * Every active partition of the logs and spans tables (or of `tables`, e.g. the archive staging
 * tables) that holds rows: a dropped or moved partition leaves empty covering parts until merges
 * clean them up.
 */
export async function listPartitions(store: Store, tables: Record<Signal, string> = SIGNAL_TABLE): Promise<HotPartition[]> {
  const rows = await store.query<{ table: string; partition_id: string; partition: string; rows: string; bytes: string; raw: string; minb: string; maxb: string }>(
    `SELECT table, partition_id, any(partition) AS partition, sum(rows) AS rows, sum(bytes_on_disk) AS bytes,
       sum(data_uncompressed_bytes) AS raw, min(min_block_number) AS minb, max(max_block_number) AS maxb
     FROM system.parts WHERE database = currentDatabase() AND active AND table IN ({tables:Array(String)})
     GROUP BY table, partition_id HAVING rows > 0`, { tables: Object.values(tables) })
  const out: HotPartition[] = []
  for (const r of rows) {
    const signal = SIGNALS.find((s) => tables[s] === r.table)
    const key = parsePartition(r.partition)
    if (!signal || !key) continue
    out.push({
      signal, table: r.table, partitionId: r.partition_id, day: key.day, service: key.service,
      rows: Number(r.rows), bytes: Number(r.bytes), uncompressedBytes: Number(r.raw), minBlock: Number(r.minb), maxBlock: Number(r.maxb),
    })
  }
  return out.sort((a, b) => a.day.localeCompare(b.day) || a.service.localeCompare(b.service) || a.signal.localeCompare(b.signal))
}

/**
 * `('2026-11-25','shop-api')` → day and service. ClickHouse prints the tuple with quoted,
 * backslash-escaped strings.
 */
export function parsePartition(text: string): { day: string; service: string } | null {
  const m = /^\('(\d{4}-\d{2}-\d{2})','((?:[^'\\]|\\.)*)'\)$/s.exec(text)
  if (!m) return null
  const service = m[2].replace(/\\(x[0-9a-fA-F]{2}|.)/gs, (_, c: string) => {
    if (c.length === 3) return String.fromCharCode(parseInt(c.slice(1), 16))
    return ({ n: '\n', t: '\t', r: '\r', 0: '\0', b: '\b', f: '\f' } as Record<string, string>)[c] ?? c
  })
  // \xNN escapes are bytes: rebuild UTF-8 from them.
  return { day: m[1], service: /\\x/.test(m[2]) ? Buffer.from(service, 'latin1').toString('utf8') : service }
}
