/**
 * Query A/B on a filled data directory (`BENCH_DATA_DIR=… npm run bench` keeps one): the SQL the
 * API runs for each issue-13 query figure, and alternatives, timed straight on the engine in one
 * process, alternating (A B A B …), so a loaded machine slows both alike. Reports p50 per variant.
 *
 *   QUERY_AB_DIR=/tmp/qp-filled node --import tsx bench/query-ab.ts [experiment …]
 *
 * The directory is copied first (experiments may add indexes or tables), and the copy removed.
 * Experiments: fixed, order, gran, proj, services, regress (default: all; gran and proj build
 * 1,000,000-row copies of the logs table, ~1 min each on a loaded machine).
 */
import { rmSync } from 'node:fs'
import { abRunner, openCopy, type Variant } from './ab.ts'
import { chTime } from '../packages/server/src/api/time-range.ts'

const src = process.env.QUERY_AB_DIR ?? '/tmp/qp-filled'
const RUNS = Number(process.env.QUERY_AB_RUNS ?? 15)
// QUERY_AB_MIGRATE=0: the directory as it is (e.g. to compare a table of the old layout with a copy).
const { store, dir, config } = await openCopy(src, 'beacon-qab-', process.env.QUERY_AB_MIGRATE !== '0')
const ab = abRunner(RUNS)


const now = Date.now()
const range = { from: chTime(now - 86_400_000), to: chTime(now) }
const TIME = 'TimestampTime >= toDateTime({from:DateTime64(3)}) AND TimestampTime <= toDateTime({to:DateTime64(3)}) AND Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}'
const q = <T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>) => store.query<T>(sql, params)

const wanted = new Set(process.argv.slice(2))
const run = (name: string) => wanted.size === 0 || wanted.has(name)

const sample = await q<{ OrderId: string; TraceId: string }>(`SELECT OrderId, TraceId FROM otel_logs WHERE OrderId != '' ORDER BY cityHash64(TraceId) LIMIT 20`)
console.log(`query A/B on a copy of ${src}: ${(await q<{ n: string }>('SELECT count() AS n FROM otel_logs'))[0].n} log records, ${(await q<{ n: string }>("SELECT count() AS n FROM system.parts WHERE active AND table = 'otel_logs'"))[0].n} active parts; ${RUNS} alternating runs`)

if (run('fixed')) {
  await ab('fixed cost of one statement', [
    ['SELECT 1', () => q('SELECT 1')],
    ['SELECT 1 FROM otel_logs WHERE 0', () => q('SELECT 1 FROM otel_logs WHERE 0')],
    ['count() over 24 h with a false condition on OrderId', () => q(`SELECT count() FROM otel_logs WHERE ${TIME} AND OrderId = 'nothing'`, range)],
  ])
  const one = () => q(`SELECT count() FROM otel_logs WHERE ${TIME} AND OrderId = 'nothing'`, range)
  await ab('two statements: one after the other / together (does chDB run them in parallel?)', [
    ['serial', async () => { await one(); await one() }],
    ['Promise.all', () => Promise.all([one(), one()])],
  ])
}

/** A copy of otel_logs with other table settings / extra DDL, filled from it and merged (`LOGS` names the table in the SQL). */
async function variantTable(name: string, settings: string, extra: string[] = []): Promise<string> {
  const { logsTableSql } = await import('../packages/server/src/store/schema.ts')
  await store.command(`DROP TABLE IF EXISTS ${name}`)
  await store.command(logsTableSql(config.businessKeys).replace('otel_logs', name).replace(/SETTINGS index_granularity = 8192/, `SETTINGS ${settings}`))
  for (const e of extra) await store.command(e.replaceAll('LOGS', name))
  const t = performance.now()
  await store.command(`INSERT INTO ${name} SELECT * FROM otel_logs SETTINGS max_partitions_per_insert_block = 0`)
  await store.command(`OPTIMIZE TABLE ${name} FINAL`)
  const [b] = await q<{ b: string }>(`SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database = currentDatabase() AND table = {t:String}`, { t: name })
  console.log(`  table ${name} (${settings}${extra.length ? `; ${extra.join('; ')}` : ''}): ${(Number(b.b) / 1e6).toFixed(1)} MB, built in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  return name
}

if (run('order')) {
  let i = 0
  const id = () => ({ ...range, q0: sample[i++ % sample.length].OrderId })
  await ab('order id: histogram + rows (as the API runs them, rows without the window)', [
    ['histogram (GROUP BY t, level)', () => q(`SELECT toUnixTimestamp(toStartOfInterval(TimestampTime, toIntervalSecond(1800))) AS t, SeverityText AS level, count() AS c FROM otel_logs WHERE ${TIME} AND (OrderId = {q0:String}) GROUP BY t, level ORDER BY t`, id())],
    ['rows (LIMIT 50)', () => q(`SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, Body, LogAttributes FROM otel_logs WHERE ${TIME} AND (OrderId = {q0:String}) ORDER BY Timestamp DESC LIMIT 50`, id())],
  ])
}

if (run('gran')) {
  const tables = ['otel_logs']
  for (const g of (process.env.QUERY_AB_GRAN ?? '1024,2048').split(',')) tables.push(await variantTable(`ab_g${g}`, `index_granularity = ${g}, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000`))
  await store.command('OPTIMIZE TABLE otel_logs FINAL')
  let i = 0
  const next = () => sample[i++ % sample.length]
  const ROWS = 'toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, SeverityText, ServiceName, Body, ResourceAttributes, LogAttributes, OrderId, UserId'
  await ab('order id rows (LIMIT 50) by index granularity', tables.map((t): Variant => [t, () => q(`SELECT ${ROWS} FROM ${t} WHERE ${TIME} AND (OrderId = {q0:String}) ORDER BY Timestamp DESC LIMIT 50`, { ...range, q0: next().OrderId })]))
  await ab('order id histogram by index granularity', tables.map((t): Variant => [t, () => q(`SELECT toUnixTimestamp(toStartOfInterval(TimestampTime, toIntervalSecond(1800))) AS t, SeverityText AS level, count() AS c FROM ${t} WHERE ${TIME} AND (OrderId = {q0:String}) GROUP BY t, level ORDER BY t`, { ...range, q0: next().OrderId })]))
  await ab('trace id logs (no bounds) by index granularity', tables.map((t): Variant => [t, () => q(`SELECT ${ROWS} FROM ${t} WHERE TraceId = {id:String} ORDER BY Timestamp LIMIT 10000`, { id: next().TraceId })]))
  const words = ['E1234', 'E2345', 'E3456', 'E4567']
  await ab('rare word rows by index granularity', tables.map((t): Variant => [t, () => q(`SELECT ${ROWS} FROM ${t} WHERE ${TIME} AND hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) ORDER BY Timestamp DESC LIMIT 50`, { ...range, q0: words[i++ % 4] })]))
  await ab('rare word histogram by index granularity', tables.map((t): Variant => [t, () => q(`SELECT toUnixTimestamp(toStartOfInterval(TimestampTime, toIntervalSecond(1800))) AS t, SeverityText AS level, count() AS c FROM ${t} WHERE ${TIME} AND hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) GROUP BY t, level ORDER BY t`, { ...range, q0: words[i++ % 4] })]))
}

if (run('proj')) {
  const settings = 'index_granularity = 1024, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000'
  const a = await variantTable('ab_g1024', settings)
  const b = await variantTable('ab_g1024x', settings, [
    'ALTER TABLE LOGS DROP INDEX idx_body',
    "ALTER TABLE LOGS ADD INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha, posting_list_codec = 'bitpacking')",
    'ALTER TABLE LOGS ADD PROJECTION p_order (SELECT _part_offset ORDER BY OrderId)',
    'ALTER TABLE LOGS MODIFY COLUMN ObservedTimestamp DateTime64(9) CODEC(ZSTD(1))',
  ])
  for (const t of [a, b]) {
    const cols = await q<{ c: string; b: string }>(`SELECT column AS c, sum(column_data_compressed_bytes) AS b FROM system.parts_columns WHERE active AND database = currentDatabase() AND table = {t:String} AND column IN ('ObservedTimestamp', 'OrderId') GROUP BY c`, { t })
    const idx = await q<{ n: string; b: string }>(`SELECT name AS n, data_compressed_bytes AS b FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = {t:String}`, { t })
    const proj = await q<{ n: string; b: string }>(`SELECT name AS n, sum(bytes_on_disk) AS b FROM system.projection_parts WHERE active AND database = currentDatabase() AND table = {t:String} GROUP BY n`, { t })
    console.log(`  ${t} bytes per record: ${[...cols.map((c) => `${c.c} ${(Number(c.b) / 1e6).toFixed(2)}`), ...idx.map((c) => `${c.n} ${(Number(c.b) / 1e6).toFixed(2)}`), ...proj.map((c) => `projection ${c.n} ${(Number(c.b) / 1e6).toFixed(2)}`)].join(', ')}`)
  }
  let i = 0
  const next = () => sample[i++ % sample.length]
  const ROWS = 'toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, SeverityText, ServiceName, Body, ResourceAttributes, LogAttributes, OrderId, UserId'
  const HIST = 'SELECT toUnixTimestamp(toStartOfInterval(TimestampTime, toIntervalSecond(1800))) AS t, SeverityText AS level, count() AS c'
  const words = ['E1234', 'E2345', 'E3456', 'E4567']
  await ab('rare word rows: text index posting lists plain / bitpacked', [a, b].map((t): Variant => [t, () => q(`SELECT ${ROWS} FROM ${t} WHERE ${TIME} AND hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) ORDER BY Timestamp DESC LIMIT 50`, { ...range, q0: words[i++ % 4] })]))
  await ab('rare word histogram: plain / bitpacked', [a, b].map((t): Variant => [t, () => q(`${HIST} FROM ${t} WHERE ${TIME} AND hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) GROUP BY t, level ORDER BY t`, { ...range, q0: words[i++ % 4] })]))
  const useP = 'SETTINGS optimize_use_projections = 1, min_table_rows_to_use_projection_index = 0'
  const noP = 'SETTINGS optimize_use_projections = 0'
  await ab('order id histogram: bloom filter / projection index', [
    ['bloom filter', () => q(`${HIST} FROM ${b} WHERE ${TIME} AND (OrderId = {q0:String}) GROUP BY t, level ORDER BY t ${noP}`, { ...range, q0: next().OrderId })],
    ['projection index', () => q(`${HIST} FROM ${b} WHERE ${TIME} AND (OrderId = {q0:String}) GROUP BY t, level ORDER BY t ${useP}`, { ...range, q0: next().OrderId })],
  ])
  await ab('order id rows: bloom filter / projection index', [
    ['bloom filter', () => q(`SELECT ${ROWS} FROM ${b} WHERE ${TIME} AND (OrderId = {q0:String}) ORDER BY Timestamp DESC LIMIT 50 ${noP}`, { ...range, q0: next().OrderId })],
    ['projection index', () => q(`SELECT ${ROWS} FROM ${b} WHERE ${TIME} AND (OrderId = {q0:String}) ORDER BY Timestamp DESC LIMIT 50 ${useP}`, { ...range, q0: next().OrderId })],
  ])
  console.log((await q<{ e: string }>(`EXPLAIN indexes = 1 SELECT count() FROM ${b} WHERE OrderId = 'x' ${useP}`)).map((r) => Object.values(r)[0]).join('\n'))
}

if (run('services')) {
  const { servicesFromRollup } = await import('../packages/server/src/store/rollups.ts')
  const m0 = Math.ceil((now - 86_400_000) / 60_000) * 60
  const m1 = Math.floor(now / 60_000) * 60
  const p = { from: Math.floor((now - 86_400_000) / 1000), to: Math.floor(now / 1000), m0, m1 }
  await ab('services over 24 h, by part', [
    ['whole (two statements)', () => servicesFromRollup(store, now - 86_400_000, now)],
    ['logs rollup only', () => q(`SELECT ServiceName, sum(Count) AS c, sumIf(Count, SeverityNumber >= 17 AND SeverityNumber < 21) AS e, sumIf(Count, SeverityNumber >= 21) AS f, max(LastSeen) AS l FROM beacon_logs_1m WHERE Minute >= toDateTime({m0:UInt32}) AND Minute < toDateTime({m1:UInt32}) GROUP BY ServiceName`, p)],
    ['logs edges only', () => q(`SELECT ServiceName, count(), max(Timestamp) FROM otel_logs WHERE (TimestampTime >= toDateTime({from:UInt32}) AND TimestampTime < toDateTime({m0:UInt32})) OR (TimestampTime >= toDateTime({m1:UInt32}) AND TimestampTime <= toDateTime({to:UInt32})) GROUP BY ServiceName`, p)],
    ['spans statement (empty tables)', () => q(`SELECT ServiceName, sum(Count), quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(Durations) FROM beacon_spans_1m WHERE Minute >= toDateTime({m0:UInt32}) AND Minute < toDateTime({m1:UInt32}) GROUP BY ServiceName`, p)],
  ])
}

if (run('regress')) {
  // Both layouts side by side: otel_logs (as the directory has it) and ab_g1024 (built here unless present).
  const have = await q<{ n: string }>("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'ab_g1024'")
  if (Number(have[0].n) === 0) await variantTable('ab_g1024', 'index_granularity = 1024, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000')
  const [g] = await q<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'otel_logs'")
  const base = `otel_logs (${/index_granularity = \d+/.exec(g.q)?.[0]})`
  const ROWS = 'toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, SeverityText, ServiceName, Body, ResourceAttributes, LogAttributes, OrderId, UserId'
  const HIST = 'SELECT toUnixTimestamp(toStartOfInterval(TimestampTime, toIntervalSecond(1800))) AS t, SeverityText AS level, count() AS c'
  const lb = Math.floor(now / 1000) - 600
  let i = 0
  const words = ['furnace', 'conveyor', 'invoice', 'pallet']
  const both = (title: string, f: (t: string) => Promise<unknown>) => ab(title, [[base, () => f('otel_logs')], ['ab_g1024 (index_granularity = 1024)', () => f('ab_g1024')]])
  await both('empty query: first page of 50 in the newest 10 minutes (the window)', (t) => q(`SELECT ${ROWS} FROM ${t} WHERE ${TIME} AND TimestampTime >= toDateTime({lb:UInt32}) ORDER BY Timestamp DESC LIMIT 50`, { ...range, lb }))
  await both('empty query: histogram from the records (no rollup)', (t) => q(`${HIST} FROM ${t} WHERE ${TIME} GROUP BY t, level ORDER BY t`, range))
  await both('common word (~12 %): histogram', (t) => q(`${HIST} FROM ${t} WHERE ${TIME} AND hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) GROUP BY t, level ORDER BY t`, { ...range, q0: words[i++ % 4] }))
  await both('common word: first page (window of the last 30 min)', (t) => q(`SELECT ${ROWS} FROM ${t} WHERE ${TIME} AND hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) AND TimestampTime >= toDateTime({lb:UInt32}) ORDER BY Timestamp DESC LIMIT 50`, { ...range, q0: words[i++ % 4], lb: lb - 1200 }))
  await both('order id: rows (the point-lookup path: one statement)', (t) => q(`SELECT ${ROWS} FROM ${t} WHERE ${TIME} AND (OrderId = {q0:String}) ORDER BY Timestamp DESC LIMIT 50`, { ...range, q0: sample[i++ % sample.length].OrderId }))
  await both('order id: histogram, then rows (the path before)', async (t) => {
    const p = { ...range, q0: sample[i++ % sample.length].OrderId }
    await q(`${HIST} FROM ${t} WHERE ${TIME} AND (OrderId = {q0:String}) GROUP BY t, level ORDER BY t`, p)
    await q(`SELECT ${ROWS} FROM ${t} WHERE ${TIME} AND (OrderId = {q0:String}) ORDER BY Timestamp DESC LIMIT 50`, p)
  })
  await both('trace id, log-only: bounds, then logs by the bloom filter', async (t) => {
    const id = sample[i++ % sample.length].TraceId
    await q('SELECT toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end, count() AS n FROM otel_traces_trace_id_ts WHERE TraceId = {id:String}', { id })
    await q(`SELECT ${ROWS} FROM ${t} WHERE TraceId = {id:String} ORDER BY Timestamp LIMIT 10000`, { id })
  })
  const rare = ['E1234', 'E2345', 'E3456', 'E4567']
  await both('rare word: histogram, then rows', async (t) => {
    const p = { ...range, q0: rare[i++ % 4] }
    await q(`${HIST} FROM ${t} WHERE ${TIME} AND hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) GROUP BY t, level ORDER BY t`, p)
    await q(`SELECT ${ROWS} FROM ${t} WHERE ${TIME} AND hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) ORDER BY Timestamp DESC LIMIT 50`, p)
  })
}

await store.close()
rmSync(dir, { recursive: true, force: true })
