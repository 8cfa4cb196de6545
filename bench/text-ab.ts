/**
 * Full-text search A/B (issue 13): the statements /api/search runs for a word, on a copy of a filled
 * data directory (`BENCH_DATA_DIR=… npm run bench` keeps one), timed straight on the engine in one
 * process, alternating, as bench/query-ab.ts does; plus what each statement reads (the engine's
 * ProfileEvents around one run: marks and rows selected, bytes decompressed) and the bytes of the
 * text index per record.
 *
 *   TEXT_AB_DIR=/tmp/text-filled node --import tsx bench/text-ab.ts [experiment …]
 *
 * Experiments: reads (what the rare- and common-word statements read), settings (query settings of
 * the rows statement), columns (the rare word's rows statement by returned column), index (variant
 * tables with another text index definition or table settings, built from the logs table and
 * merged: size and timings; ~1–2 min each on a loaded machine). Default: all. TEXT_AB_INDEX picks
 * index variants by name (comma-separated; t_base is always built).
 */
import { rmSync } from 'node:fs'
import { abRunner, openCopy, type Variant } from './ab.ts'
import { logsTableSql } from '../packages/server/src/store/schema.ts'
import { LOG_SELECT, ROW_HASH } from '../packages/server/src/api/records.ts'
import { chTime } from '../packages/server/src/api/time-range.ts'
import { compileSearch } from '@beacon/query'

const src = process.env.TEXT_AB_DIR ?? '/tmp/text-filled'
const RUNS = Number(process.env.TEXT_AB_RUNS ?? 15)
const { store, dir, config } = await openCopy(src, 'beacon-tab-', process.env.TEXT_AB_MIGRATE !== '0')
const ab = abRunner(RUNS)
const q = <T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>) => store.query<T>(sql, params)


const EVENTS = ['SelectedParts', 'SelectedMarks', 'SelectedRows', 'RowsReadByMainReader', 'RowsReadByPrewhereReaders', 'CompressedReadBufferBlocks', 'CompressedReadBufferBytes', 'ReadCompressedBytes', 'TextIndexReadDictionaryBlocks', 'TextIndexReadPostings', 'TextIndexReadSparseIndexBlocks']
const events = async (): Promise<Map<string, number>> => new Map((await q<{ event: string; value: string }>(`SELECT event, value FROM system.events WHERE event IN (${EVENTS.map((e) => `'${e}'`).join(', ')})`)).map((r) => [r.event, Number(r.value)]))

/** What one run of a statement reads (process-wide counters around it: nothing else may run meanwhile). */
async function reads(title: string, sql: string, params: Record<string, unknown>): Promise<void> {
  await q(sql, params)
  const a = await events()
  const rows = await q(sql, params)
  const b = await events()
  const d = EVENTS.map((e) => [e, (b.get(e) ?? 0) - (a.get(e) ?? 0)] as const).filter(([, v]) => v !== 0)
  console.log(`  ${title.padEnd(48)} ${String(rows.length).padStart(4)} rows; ${d.map(([e, v]) => `${e} ${v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v}`).join(', ')}`)
}

const now = Date.now()
const range = { from: chTime(now - 86_400_000), to: chTime(now) }
const TIME = 'TimestampTime >= toDateTime({from:DateTime64(3)}) AND TimestampTime <= toDateTime({to:DateTime64(3)}) AND Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}'
const HIST = 'SELECT toUnixTimestamp(toStartOfInterval(TimestampTime, toIntervalSecond(1800))) AS t, SeverityText AS level, count() AS c'
const ORDER = `ORDER BY Timestamp DESC, ${ROW_HASH.logs} DESC`
const RARE = ['E1234', 'E2345', 'E3456', 'E4567']
const COMMON = ['furnace', 'conveyor', 'invoice', 'pallet']
const word = (w: string, table = 'otel_logs') => {
  const c = compileSearch(w, { target: 'logs' })
  return { where: `${TIME} AND (${c.sql})`, params: { ...range, ...c.params }, table }
}
const histSql = (w: ReturnType<typeof word>) => `${HIST} FROM ${w.table} WHERE ${w.where} GROUP BY t, level ORDER BY t`
/** The rows statement as the API runs it (the read store's prefer_column_name_to_alias: WHERE sees the whole Body), `extra` more settings. */
const rowsSql = (w: ReturnType<typeof word>, extra = '') => `SELECT ${LOG_SELECT} FROM ${w.table} WHERE ${w.where} ${ORDER} LIMIT 50 SETTINGS prefer_column_name_to_alias = 1${extra}`

console.log(`text A/B on a copy of ${src}: ${(await q<{ n: string }>('SELECT count() AS n FROM otel_logs'))[0].n} log records, ${(await q<{ n: string }>("SELECT count() AS n FROM system.parts WHERE active AND database = currentDatabase() AND table = 'otel_logs'"))[0].n} active parts; ${RUNS} alternating runs`)

const wanted = new Set(process.argv.slice(2))
const run = (name: string) => wanted.size === 0 || wanted.has(name)

async function indexBytes(table: string): Promise<string> {
  const [n] = await q<{ n: string }>(`SELECT count() AS n FROM ${table}`)
  const idx = await q<{ n: string; c: string; u: string }>(`SELECT name AS n, data_compressed_bytes AS c, data_uncompressed_bytes AS u FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = {t:String} AND name = 'idx_body'`, { t: table })
  const [p] = await q<{ b: string; parts: string }>(`SELECT sum(bytes_on_disk) AS b, count() AS parts FROM system.parts WHERE active AND database = currentDatabase() AND table = {t:String}`, { t: table })
  const per = (b: string) => (Number(b) / Number(n.n)).toFixed(2)
  return `idx_body ${per(idx[0]?.c ?? '0')} bytes per record (uncompressed ${per(idx[0]?.u ?? '0')}), table ${per(p.b)} bytes per record, ${p.parts} parts`
}

if (run('reads')) {
  console.log(`otel_logs: ${await indexBytes('otel_logs')}`)
  console.log('what the statements read (one run, after a warm-up):')
  for (const w of [RARE[0], COMMON[0]]) {
    const s = word(w)
    await reads(`${w}: histogram`, histSql(s), s.params)
    await reads(`${w}: rows (whole range)`, rowsSql(s), s.params)
  }
}

if (run('settings')) {
  let i = 0
  const s = () => word(RARE[i++ % RARE.length])
  const variants: [string, string][] = [
    ['as the API runs it', ''],
    ['query_plan_optimize_lazy_materialization = 0', ', query_plan_optimize_lazy_materialization = 0'],
    ['use_skip_indexes_on_data_read = 0', ', use_skip_indexes_on_data_read = 0'],
    ['query_plan_direct_read_from_text_index = 0', ', query_plan_direct_read_from_text_index = 0'],
    ['use_text_index_postings_cache = 1', ', use_text_index_postings_cache = 1'],
    ['max_threads = 1', ', max_threads = 1'],
  ]
  for (const [name, extra] of variants) { const w = word(RARE[0]); await reads(name, rowsSql(w, extra), w.params) }
  await ab('rare word rows statement (whole 24 h, LIMIT 50) by query settings', variants.map(([name, extra]): Variant => [name, () => { const w = s(); return q(rowsSql(w, extra), w.params) }]))
}

if (run('columns')) {
  // Which returned columns the rare word's rows statement pays for (one hit per granule).
  const w = word(RARE[0])
  const cols = ['Timestamp', 'TraceId, SpanId', 'Body', 'ResourceAttributes', 'LogAttributes', 'SeverityText, SeverityNumber, ServiceName, EventName, OrderId, UserId, HttpStatus, HttpRoute, EventAction']
  for (const c of cols) await reads(`rows, only ${c.length > 40 ? 'the small columns' : c}`, `SELECT ${c} FROM otel_logs WHERE ${w.where} ORDER BY Timestamp DESC LIMIT 50`, w.params)
  let i = 0
  await ab('rare word rows statement, by returned columns', cols.map((c): Variant => [c.length > 40 ? 'the small columns' : c, () => { const v = word(RARE[i++ % RARE.length]); return q(`SELECT ${c} FROM otel_logs WHERE ${v.where} ORDER BY Timestamp DESC LIMIT 50`, v.params) }]))
  await ab('rare word: histogram / rows', [
    ['histogram', () => { const v = word(RARE[i++ % RARE.length]); return q(histSql(v), v.params) }],
    ['rows', () => { const v = word(RARE[i++ % RARE.length]); return q(rowsSql(v), v.params) }],
  ])
}

/** A copy of otel_logs with another idx_body (and table settings), filled from it and merged. */
async function variantTable(name: string, index: string, settings = ''): Promise<string> {
  await store.command(`DROP TABLE IF EXISTS ${name}`)
  let ddl = logsTableSql(config.businessKeys).replace('otel_logs', name).replace(/INDEX idx_body [^\n]*/, index)
  if (settings) ddl = ddl.replace(/SETTINGS (.*)$/, `SETTINGS $1, ${settings}`)
  await store.command(ddl)
  const t = performance.now()
  await store.command(`INSERT INTO ${name} SELECT * FROM otel_logs SETTINGS max_partitions_per_insert_block = 0`)
  await store.command(`OPTIMIZE TABLE ${name} FINAL`)
  console.log(`  ${name}: ${index}${settings ? ` SETTINGS ${settings}` : ''} — built in ${((performance.now() - t) / 1000).toFixed(1)} s; ${await indexBytes(name)}`)
  return name
}

if (run('index')) {
  const all: [string, string, string?][] = [
    ['t_base', 'INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha)'],
    ['t_bitpack', "INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha, posting_list_codec = 'bitpacking')"],
    ['t_dict2k', 'INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha, dictionary_block_size = 2048)'],
    ['t_blocks', 'INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha)', 'min_compress_block_size = 8192, max_compress_block_size = 65536'],
    ['t_blocks16', 'INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha)', 'min_compress_block_size = 16384, max_compress_block_size = 131072'],
  ]
  const pick = new Set((process.env.TEXT_AB_INDEX ?? '').split(',').filter(Boolean))
  const chosen = all.filter(([n]) => pick.size === 0 || pick.has(n) || n === 't_base')
  console.log('index variants (each a merged copy of otel_logs):')
  const tables: string[] = []
  for (const [n, idx, settings] of chosen) tables.push(await variantTable(n, idx, settings))
  for (const t of tables) { const w = word(RARE[0], t); await reads(`${t}: rare word rows`, rowsSql(w), w.params) }
  let i = 0
  await ab('rare word: rows', tables.map((t): Variant => [t, () => { const w = word(RARE[i++ % 4], t); return q(rowsSql(w), w.params) }]))
  await ab('rare word: histogram, then rows', tables.map((t): Variant => [t, async () => { const w = word(RARE[i++ % 4], t); await q(histSql(w), w.params); await q(rowsSql(w), w.params) }]))
  const orders = await q<{ o: string }>("SELECT OrderId AS o FROM otel_logs WHERE OrderId != '' ORDER BY cityHash64(TraceId) LIMIT 20")
  await ab('order id: rows (the point-lookup path)', tables.map((t): Variant => [t, () => { const c = compileSearch(`order.id:${orders[i++ % orders.length].o}`, { target: 'logs' }); return q(rowsSql({ where: `${TIME} AND (${c.sql})`, params: { ...range, ...c.params }, table: t }), { ...range, ...c.params }) }]))
  await ab('common word (~12 %): histogram', tables.map((t): Variant => [t, () => { const w = word(COMMON[i++ % 4], t); return q(histSql(w), w.params) }]))
  await ab('phrase "payment failed"-like: two tokens', tables.map((t): Variant => [t, () => { const w = word('"material price"', t); return q(histSql(w), w.params) }]))
  await ab('wildcard furn*', tables.map((t): Variant => [t, () => { const w = word('furn*', t); return q(histSql(w), w.params) }]))
}

await store.close()
rmSync(dir, { recursive: true, force: true })
