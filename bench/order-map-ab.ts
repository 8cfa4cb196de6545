/**
 * The order-id map (store/order-map.ts), A/B in one process, alternating (the engine runs in it).
 *
 *   node --import tsx bench/order-map-ab.ts insert          # engine + collector CPU per inserted row, with and without the map insert
 *   ORDER_MAP_AB_DIR=/tmp/s6lk-filled node --import tsx bench/order-map-ab.ts query   # the order-id search's statements, full path vs map
 *
 * insert: generated records (bench/generate.ts) in chunks of ORDER_MAP_AB_CHUNK rows (default
 * 100,000), encoded first; per round the same chunk is inserted as the writer does it (one insert per
 * day × service) — A without, B with the collector and the map insert before — into a fresh store with
 * merges stopped, so only the inserts count. ORDER_MAP_AB_ROUNDS (default 10).
 *
 * query: a copy of a directory filled by this checkout (the map written by the writer);
 * ORDER_MAP_AB_COPIES=n (> 1) adds n − 1 copies of the records with their own order ids (and map
 * rows for them), then merges (OPTIMIZE FINAL). Variants: the API's rows statement for
 * `order.id:X` over 24 h (LIMIT 50, the point-lookup path) as today, and map lookup + narrowed
 * statement; the answers are compared. ORDER_MAP_AB_RUNS (default 15).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { abRunner, openCopy } from './ab.ts'
import { loadConfig } from '../packages/server/src/config/load.ts'
import { createStore, type Store } from '../packages/server/src/store/connection.ts'
import { migrate } from '../packages/server/src/store/migrations.ts'
import { createRowEncoder } from '../packages/server/src/store/encode.ts'
import { LOGS_TABLE, LOG_INSERT_COLUMNS } from '../packages/server/src/store/schema.ts'
import { splitByPartition } from '../packages/server/src/store/partition-split.ts'
import { OrderMapCollector, ORDER_MAP_COLUMNS, ORDER_MAP_TABLE, SIGNAL_LOGS, SIGNAL_SPANS, orderMapFromTableSql, orderMapTableSql } from '../packages/server/src/store/order-map.ts'
import { createReadStore } from '../packages/server/src/api/read-limits.ts'
import { searchWhere } from '../packages/server/src/api/search.ts'
import { narrowingFor, orderPlaces } from '../packages/server/src/api/order-narrow.ts'
import { LOG_SELECT } from '../packages/server/src/api/records.ts'
import { orderBy, parseSort } from '../packages/server/src/api/search-page.ts'
import { genRecord } from './generate.ts'
import { toLogRecord } from './raw-chdb.ts'

const mode = process.argv[2] ?? 'insert'
const pct = (xs: number[], f: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(f * s.length))] }

if (mode === 'insert') {
  const CHUNK = Number(process.env.ORDER_MAP_AB_CHUNK ?? 100_000)
  const ROUNDS = Number(process.env.ORDER_MAP_AB_ROUNDS ?? 10)
  // ORDER_MAP_AB_POOL: distinct orders the records draw from (default 2,000,000: nearly every record its own order, as in the bench).
  const POOL = Number(process.env.ORDER_MAP_AB_POOL ?? 2_000_000)
  const dir = mkdtempSync(join(tmpdir(), 'beacon-omab-'))
  const config = loadConfig({ env: { BEACON_DATA_DIR: dir }, file: '/dev/null' })
  const store = await createStore(config)
  await migrate(store, config)
  await store.command('SYSTEM STOP MERGES')
  const encoder = createRowEncoder(config.businessKeys)
  const now = Date.now()
  const chunks: Buffer[] = []
  for (let k = 0; k < 3; k++) chunks.push(Buffer.from(encoder.logsBytes(Array.from({ length: CHUNK }, (_, i) => toLogRecord(genRecord(now, 86_400_000, POOL), `${now + i}000000`)))))
  const logsOnly = async (body: Buffer): Promise<void> => {
    for (const g of splitByPartition([body])) await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, Buffer.concat(g))
  }
  let mapRows = 0
  const collectorCpu: number[] = []
  const withMap = async (body: Buffer): Promise<void> => {
    const c0 = process.cpuUsage()
    const c = new OrderMapCollector()
    c.add([body], SIGNAL_LOGS)
    const tsv = c.tsv()
    const used = process.cpuUsage(c0)
    collectorCpu.push((used.user + used.system) / CHUNK)
    mapRows = c.size
    await store.insertTsv(ORDER_MAP_TABLE, ORDER_MAP_COLUMNS, tsv)
    await logsOnly(body)
  }
  const cpu: number[][] = [[], []]
  const variants = [logsOnly, withMap]
  for (const v of variants) await v(chunks[0])
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [1, 0] : [0, 1]
    for (const k of order) {
      const c0 = process.cpuUsage()
      await variants[k](chunks[r % chunks.length])
      const used = process.cpuUsage(c0)
      cpu[k].push((used.user + used.system) / CHUNK)
    }
  }
  const a = pct(cpu[0], 0.5)
  const b = pct(cpu[1], 0.5)
  console.log(`insert A/B, ${CHUNK} rows per chunk (${mapRows} map rows), ${ROUNDS} rounds, merges stopped: CPU per row p50 — logs only ${a.toFixed(2)} µs, collector + map insert + logs ${b.toFixed(2)} µs (×${(b / a).toFixed(3)}); collector alone ${pct(collectorCpu, 0.5).toFixed(3)} µs`)
  console.log(`  all rounds A: ${cpu[0].map((x) => x.toFixed(1)).join(' ')}\n  all rounds B: ${cpu[1].map((x) => x.toFixed(1)).join(' ')}`)
  const parts = await store.query<{ table: string; b: string; rows: string }>(`SELECT table, sum(bytes_on_disk) AS b, sum(rows) AS rows FROM system.parts WHERE active AND database = currentDatabase() AND table IN ('${LOGS_TABLE}', '${ORDER_MAP_TABLE}') GROUP BY table`)
  for (const p of parts) console.log(`  ${p.table}: ${p.rows} rows, ${(Number(p.b) / Number(p.rows)).toFixed(2)} bytes per row (unmerged)`)
  await store.close()
  rmSync(dir, { recursive: true, force: true })
} else {
  const src = process.env.ORDER_MAP_AB_DIR ?? '/tmp/s6lk-filled'
  const RUNS = Number(process.env.ORDER_MAP_AB_RUNS ?? 15)
  const COPIES = Number(process.env.ORDER_MAP_AB_COPIES ?? 1)
  const { store: raw, dir, config } = await openCopy(src, 'beacon-omq-', true)
  const q = <T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>) => raw.query<T>(sql, params)
  // The original rows in a subquery: in the outer WHERE, OrderId would name the REPLACE alias.
  for (let k = 1; k < COPIES; k++) {
    await raw.command(`INSERT INTO ${LOGS_TABLE} SELECT * REPLACE (if(OrderId = '', '', concat(OrderId, '~${k}')) AS OrderId, if(TraceId = '', '', concat(substring(TraceId, 1, 30), lower(hex(toUInt8(${k}))))) AS TraceId)
      FROM (SELECT * FROM ${LOGS_TABLE} WHERE OrderId NOT LIKE '%~%') SETTINGS max_partitions_per_insert_block = 0, insert_deduplicate = 0, insert_deduplication_token = ''`)
  }
  // ORDER_MAP_AB_REBUILD=1: the map rebuilt from the tables (a directory filled by an earlier layout of the map), timed.
  const [cols] = await q<{ n: string }>(`SELECT count() AS n FROM system.columns WHERE database = currentDatabase() AND table = '${ORDER_MAP_TABLE}' AND name = 'Seconds'`)
  if (process.env.ORDER_MAP_AB_REBUILD === '1' || Number(cols.n) === 0) {
    await raw.command(`DROP TABLE IF EXISTS ${ORDER_MAP_TABLE}`)
    await raw.command(orderMapTableSql)
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    await raw.command(orderMapFromTableSql(SIGNAL_LOGS, '1'))
    await raw.command(orderMapFromTableSql(SIGNAL_SPANS, '1'))
    const c = process.cpuUsage(c0)
    console.log(`  map rebuilt from the tables: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${((c.user + c.system) / 1e6).toFixed(1)} s CPU`)
  } else if (COPIES > 1) await raw.command(orderMapFromTableSql(SIGNAL_LOGS, "OrderId LIKE '%~%'"))
  if (COPIES > 1 || process.env.ORDER_MAP_AB_MERGE === '1') {
    await raw.command(`OPTIMIZE TABLE ${LOGS_TABLE} FINAL`)
    await raw.command(`OPTIMIZE TABLE ${ORDER_MAP_TABLE} FINAL`)
  }
  const store: Store = createReadStore(raw, config.security.reads)
  const [n] = await q<{ rows: string; parts: string; bytes: string }>(`SELECT sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = currentDatabase() AND table = '${LOGS_TABLE}'`)
  const [m] = await q<{ rows: string; parts: string; bytes: string }>(`SELECT sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = currentDatabase() AND table = '${ORDER_MAP_TABLE}'`)
  console.log(`order-map query A/B on a copy of ${src} ×${COPIES}: ${n.rows} log records in ${n.parts} parts (${(Number(n.bytes) / Number(n.rows)).toFixed(1)} bytes per record); map ${m.rows} rows in ${m.parts} parts, ${(Number(m.bytes) / Number(n.rows)).toFixed(2)} bytes per log record; ${RUNS} alternating runs`)
  const sample = (await q<{ OrderId: string }>(`SELECT OrderId FROM ${LOGS_TABLE} WHERE OrderId != '' ORDER BY cityHash64(OrderId, TraceId) LIMIT 20`)).map((r) => r.OrderId)
  const now = Date.now()
  const range = { fromMs: now - 86_400_000, toMs: now }
  const order = parseSort('', 'logs')
  const statement = (where: string) => `SELECT ${LOG_SELECT} FROM ${LOGS_TABLE} WHERE ${where} AND 1
ORDER BY ${orderBy(order, 'logs')} LIMIT {limit:UInt32} OFFSET {skip:UInt32}`
  const full = async (id: string) => {
    const { where, params } = searchWhere(`order.id:${JSON.stringify(id)}`, 'logs', range)
    return store.query<{ ts: string }>(statement(where), { ...params, limit: 50, skip: 0, lb: 0 })
  }
  const mapped = async (id: string) => {
    const { where, params, orderId } = searchWhere(`order.id:${JSON.stringify(id)}`, 'logs', range)
    const nw = narrowingFor(await orderPlaces(store, orderId!, range.fromMs, range.toMs), 'logs')
    if (nw?.sql === '0') return []
    return store.query<{ ts: string }>(statement(nw ? `${where} AND ${nw.sql}` : where), { ...params, ...nw?.params, limit: 50, skip: 0, lb: 0 })
  }
  let same = 0
  for (const id of sample) {
    const a = JSON.stringify(await full(id))
    const b = JSON.stringify(await mapped(id))
    if (a === b && a !== '[]') same++
  }
  console.log(`  same non-empty answers: ${same} of ${sample.length}`)
  const ab = abRunner(RUNS)
  let i = 0
  let j = 0
  await ab('order id search 24 h (rows, LIMIT 50)', [
    ['full path (bloom filter of the day)', () => full(sample[i++ % sample.length])],
    ['map lookup + narrowed statement', () => mapped(sample[j++ % sample.length])],
  ])
  let k = 0
  await ab('the map lookup alone vs SELECT 1', [
    ['SELECT 1', () => store.query('SELECT 1')],
    ['map lookup', () => orderPlaces(store, sample[k++ % sample.length], range.fromMs, range.toMs)],
  ])
  await raw.close()
  rmSync(dir, { recursive: true, force: true })
}
