/**
 * Engine A/B for schema choices: the same generated rows inserted into two table layouts in one
 * chDB process, alternately, 100,000 rows per insert; then bytes per column before and after
 * OPTIMIZE FINAL. Only the engine is timed (rows are TSV-encoded before the clock starts).
 *
 *   node --import tsx bench/engine-ab.ts            # 400,000 rows, ~1–2 min on 2 shared cores
 *   ENGINE_AB_ROWS=1000000 node --import tsx bench/engine-ab.ts
 *
 * Variants: `old` = the layout before migrations 2–6 (MATERIALIZED business keys, trace bounds from
 * logs, default codecs), `new` = schema.ts today, `try` = schema.ts then the statements in
 * ENGINE_AB_TRY (separated by `;;`), e.g. ENGINE_AB_TRY='ALTER TABLE otel_logs MODIFY COLUMN Body String CODEC(ZSTD(3))'.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../packages/server/src/config/load.ts'
import { createStore, type Store } from '../packages/server/src/store/connection.ts'
import { migrate } from '../packages/server/src/store/migrations.ts'
import { createRowEncoder } from '../packages/server/src/store/encode.ts'
import { LOGS_TABLE, LOG_INSERT_COLUMNS } from '../packages/server/src/store/schema.ts'
import { genRecord } from './generate.ts'
import { histogramFromRollup, servicesFromRollup } from '../packages/server/src/store/rollups.ts'
import { chTime } from '../packages/server/src/api/time-range.ts'
import { toLogRecord } from './raw-chdb.ts'
import { LEGACY_LOG_INSERT_COLUMNS, legacyEncodeLogs, legacySchemaV1 } from '../packages/server/test/fixtures/legacy-schema-v1.ts'

const ROWS = Number(process.env.ENGINE_AB_ROWS ?? 400_000)
const CHUNK = 100_000

interface Variant { name: string; chunks: Buffer[]; columns: readonly string[]; ms: number[]; cpuMs: number[] }

// chDB holds one data directory per process: each variant is a database in it, selected with USE
// (chDB runs every statement on one session).
const dir = mkdtempSync(join(tmpdir(), 'beacon-ab-'))
const store = await createStore(loadConfig({ env: { BEACON_DATA_DIR: dir }, file: '/dev/null' }))
const use = (v: Variant) => store.command(`USE ab_${v.name}`)

async function open(name: string, setup: (s: Store) => Promise<void>, encode: (recs: ReturnType<typeof toLogRecord>[]) => string | Buffer, columns: readonly string[], recs: ReturnType<typeof toLogRecord>[]): Promise<Variant> {
  await store.command(`CREATE DATABASE IF NOT EXISTS ab_${name}`)
  await store.command(`USE ab_${name}`)
  await setup(store)
  const chunks: Buffer[] = []
  for (let i = 0; i < recs.length; i += CHUNK) chunks.push(Buffer.from(encode(recs.slice(i, i + CHUNK))))
  return { name, chunks, columns, ms: [], cpuMs: [] }
}

async function columnBytes(store: Store): Promise<{ total: number; cols: { name: string; bytes: number }[] }> {
  const cols = await store.query<{ name: string; bytes: string }>(`SELECT column AS name, sum(column_data_compressed_bytes) AS bytes FROM system.parts_columns WHERE active AND database = currentDatabase() AND table = {t:String} GROUP BY name ORDER BY bytes DESC`, { t: LOGS_TABLE })
  const parts = await store.query<{ table: string; bytes: string }>(`SELECT table, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table`)
  const total = parts.reduce((n, p) => n + Number(p.bytes), 0)
  const idx = await store.query<{ name: string; bytes: string }>(`SELECT name, sum(data_compressed_bytes) AS bytes FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = {t:String} GROUP BY name ORDER BY bytes DESC`, { t: LOGS_TABLE })
  console.log('    indexes per record: ' + idx.map((i) => `${i.name} ${(Number(i.bytes) / ROWS).toFixed(1)}`).join(', '))
  console.log('    tables: ' + parts.map((p) => `${p.table} ${(Number(p.bytes) / 1e6).toFixed(1)} MB`).join(', '))
  return { total, cols: cols.map((c) => ({ name: c.name, bytes: Number(c.bytes) })) }
}

const now = Date.now()
const gen = Array.from({ length: ROWS }, () => genRecord(now, 86_400_000, 2_000_000))
const recs = gen.map((r, i) => toLogRecord(r, `${now + Math.floor(i / 1000) * 10}000000`))
const rawBytes = gen.reduce((n, r) => n + JSON.stringify(r).length, 0)
const keys = loadConfig({ env: {}, file: '/dev/null' }).businessKeys
const variants = [
  await open('old', async (s) => { for (const sql of legacySchemaV1(keys, 30)) await s.command(sql) }, legacyEncodeLogs, LEGACY_LOG_INSERT_COLUMNS, recs),
  await open('new', async (s) => { await migrate(s, loadConfig({ env: {}, file: '/dev/null' })) }, (r) => Buffer.from(createRowEncoder(keys).logsBytes(r)), LOG_INSERT_COLUMNS, recs),
  ...(process.env.ENGINE_AB_TRY ? [await open('try', async (s) => {
    await migrate(s, loadConfig({ env: {}, file: '/dev/null' }))
    for (const sql of process.env.ENGINE_AB_TRY!.split(';;')) await s.command(sql)
  }, (r) => Buffer.from(createRowEncoder(keys).logsBytes(r)), LOG_INSERT_COLUMNS, recs)] : []),
]
console.log(`engine A/B: ${ROWS.toLocaleString('en')} rows, ${CHUNK.toLocaleString('en')} per insert, alternating`)
for (let i = 0; i < variants[0].chunks.length; i++) {
  for (const v of i % 2 ? [...variants].reverse() : variants) {
    await use(v)
    const t = performance.now()
    const cpu = process.cpuUsage()
    await store.insertTsv(LOGS_TABLE, v.columns, v.chunks[i])
    const used = process.cpuUsage(cpu)
    v.ms.push(performance.now() - t)
    v.cpuMs.push((used.user + used.system) / 1000)
  }
}
for (const v of variants) {
  const total = v.ms.reduce((a, b) => a + b, 0)
  const sorted = [...v.ms].sort((a, b) => a - b)
  const cpu = v.cpuMs.reduce((a, b) => a + b, 0)
  // CPU time (all of the engine's threads) is what a shared machine does not distort much; wall time is noise there.
  console.log(`  ${v.name}: ${(cpu * 1000 / ROWS).toFixed(2)} µs CPU per row (${Math.round(ROWS / cpu * 1000).toLocaleString('en')} rows per CPU-second); wall ${Math.round(ROWS / total * 1000).toLocaleString('en')} rows/s (median insert ${sorted[sorted.length >> 1].toFixed(0)} ms)`)
}
// Queries on the new layout: the plain GROUP BY over the records against the per-minute rollup.
{
  await use(variants[1])
  const from = Date.now() - 86_400_000
  const to = Date.now()
  const where = 'TimestampTime >= toDateTime({from:DateTime64(3)}) AND TimestampTime <= toDateTime({to:DateTime64(3)}) AND Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (1)'
  const params = { from: chTime(from), to: chTime(to) }
  const p50 = async (f: () => Promise<unknown>) => {
    const ms: number[] = []
    for (let i = 0; i < 15; i++) { const t = performance.now(); await f(); ms.push(performance.now() - t) }
    return ms.sort((a, b) => a - b)[7].toFixed(1)
  }
  const rawHist = () => store.query(`SELECT toUnixTimestamp(toStartOfInterval(TimestampTime, toIntervalSecond(1800))) AS t, SeverityText AS level, count() AS c FROM ${LOGS_TABLE} WHERE ${where} GROUP BY t, level ORDER BY t`, params)
  const rollHist = () => histogramFromRollup(store, { q: '', target: 'logs', fromMs: from, toMs: to, bucket: 1800, where, params })
  const rawServices = () => store.query(`SELECT ServiceName AS name, count() AS events, countIf(SeverityNumber >= 17 AND SeverityNumber < 21) AS errors, countIf(SeverityNumber >= 21) AS fatals, toString(max(Timestamp)) AS last FROM ${LOGS_TABLE} WHERE TimestampTime >= toDateTime({from:DateTime64(3)}) AND TimestampTime <= toDateTime({to:DateTime64(3)}) GROUP BY ServiceName`, params)
  const rollServices = () => servicesFromRollup(store, from, to)
  console.log(`  24 h histogram p50: records ${await p50(rawHist)} ms, rollup ${await p50(rollHist)} ms; services p50: records ${await p50(rawServices)} ms, rollup ${await p50(rollServices)} ms`)
}
for (const v of variants) {
  await use(v)
  console.log(`  ${v.name} bytes after the inserts:`)
  const a = await columnBytes(store)
  await store.command(`OPTIMIZE TABLE ${LOGS_TABLE} FINAL`)
  console.log(`  ${v.name} bytes after OPTIMIZE FINAL:`)
  const b = await columnBytes(store)
  console.log(`    per record: ${(a.total / ROWS).toFixed(1)} → ${(b.total / ROWS).toFixed(1)} bytes (generator JSON ${(rawBytes / ROWS).toFixed(0)} bytes/record)`)
  console.log('    columns (after merge): ' + b.cols.slice(0, 14).map((c) => `${c.name} ${(c.bytes / ROWS).toFixed(1)}`).join(', '))
}
await store.close()
rmSync(dir, { recursive: true, force: true })
