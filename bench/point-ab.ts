/**
 * Point lookups and the rare word (issue 13: order id, trace by id, rare full-text word): the
 * statements the API runs for each, recorded from Beacon itself (started in this process on a copy
 * of a filled directory, as bench/query-api.ts does), then replayed on the engine with variants
 * (query settings, statements dropped or merged), alternating; plus what each statement reads
 * (the engine's ProfileEvents around one run).
 *
 *   POINT_AB_DIR=/tmp/s7q-filled node --import tsx bench/point-ab.ts [reads] [order] [trace] [word] [timeline] [fixed] [bounds] [explain]
 *   POINT_AB_RUNS=15   alternating runs per variant
 *   POINT_AB_SETTINGS='max_threads = 1;use_query_condition_cache = 0'   variants: settings added to every statement
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startQueryBench } from './queries.ts'
import { abRunner, type Variant } from './ab.ts'
import type { Store } from '../packages/server/src/store/connection.ts'

const src = process.env.POINT_AB_DIR ?? '/tmp/s7q-filled'
const RUNS = Number(process.env.POINT_AB_RUNS ?? 15)
const dir = mkdtempSync(join(tmpdir(), 'beacon-pab-'))
cpSync(join(src, 'clickhouse'), join(dir, 'clickhouse'), { recursive: true })
// POINT_AB_CHDB_ARGS: engine arguments (BEACON_CHDB_ARGS), e.g. --index_uncompressed_cache_size=134217728
const bench = await startQueryBench(dir, process.env.POINT_AB_CHDB_ARGS ? { BEACON_CHDB_ARGS: process.env.POINT_AB_CHDB_ARGS } : {})
const ab = abRunner(RUNS)
const wanted = new Set(process.argv.slice(2))
const run = (name: string) => wanted.size === 0 || wanted.has(name)

interface Stmt { sql: string; params?: Record<string, unknown> }
// Record the statements of one API call: wrap the store the query bench sees (the engine's, under the read store).
const store = bench.store as Store
const raw = store.query.bind(store)
let recording: Stmt[] | null = null
store.query = (async (sql: string, params?: Record<string, unknown>) => {
  recording?.push({ sql, params })
  return raw(sql, params)
}) as Store['query']
const q = <T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>) => raw<T>(sql, params)
async function record(path: string): Promise<Stmt[]> {
  recording = []
  await bench.api(path)
  const r = recording
  recording = null
  return r
}

const EVENTS = ['SelectedParts', 'SelectedMarks', 'SelectedRows', 'SelectedBytes', 'FilteringMarksWithSecondaryKeysMicroseconds', 'RowsReadByMainReader', 'RowsReadByPrewhereReaders',
  'CompressedReadBufferBytes', 'ReadCompressedBytes', 'OSCPUVirtualTimeMicroseconds', 'TextIndexReadPostings', 'SkippingIndexCacheHits', 'SkippingIndexCacheMisses',
  'QueryConditionCacheHits', 'QueryConditionCacheMisses', 'MarkCacheHits', 'MarkCacheMisses', 'UncompressedCacheHits', 'UncompressedCacheMisses']
const events = async (): Promise<Map<string, number>> => new Map((await q<{ event: string; value: string }>(
  `SELECT event, value FROM system.events WHERE event IN (${EVENTS.map((e) => `'${e}'`).join(', ')})`)).map((r) => [r.event, Number(r.value)]))

async function reads(title: string, s: Stmt): Promise<void> {
  const a = await events()
  const t = performance.now()
  const rows = await q(s.sql, s.params)
  const ms = performance.now() - t
  const b = await events()
  const d = EVENTS.map((e) => [e, (b.get(e) ?? 0) - (a.get(e) ?? 0)] as const).filter(([, v]) => v !== 0)
  console.log(`  ${title.padEnd(28)} ${String(rows.length).padStart(5)} rows ${ms.toFixed(1).padStart(6)} ms; ${d.map(([e, v]) => `${e} ${v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v}`).join(', ')}`)
}

const withSettings = (sql: string, extra: string): string => extra ? (/\bSETTINGS\b/.test(sql) ? `${sql}, ${extra}` : `${sql} SETTINGS ${extra}`) : sql
const settingVariants = (process.env.POINT_AB_SETTINGS ?? 'max_threads = 1;use_query_condition_cache = 0;query_plan_optimize_lazy_materialization = 0;use_skip_indexes_on_data_read = 0').split(';').map((s) => s.trim()).filter(Boolean)

console.log(`point A/B on a copy of ${src}: ${(await q<{ n: string }>('SELECT count() AS n FROM otel_logs'))[0].n} log records, ${(await q<{ n: string }>("SELECT count() AS n FROM system.parts WHERE active AND table = 'otel_logs'"))[0].n} active parts, `
  + `${(await q<{ n: string }>("SELECT sum(marks) AS n FROM system.parts WHERE active AND table = 'otel_logs'"))[0].n} marks; ${RUNS} alternating runs; load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`)

// Fresh values for every run: the engine's query condition cache remembers which granules matched a
// condition, so a value already looked up would be cheaper the second time (the bench's loop looks each up once).
const orders = (await q<{ v: string }>("SELECT OrderId AS v FROM otel_logs WHERE OrderId != '' ORDER BY cityHash64(TraceId, 7) LIMIT 400")).map((r) => r.v)
const traces = (await q<{ v: string }>("SELECT TraceId AS v FROM otel_logs ORDER BY cityHash64(TraceId, 11) LIMIT 400")).map((r) => r.v)
const words = Array.from({ length: 400 }, (_, i) => `E${1000 + ((i * 37) % 5000)}`).filter((w) => !['E1234', 'E2345', 'E3456', 'E4567'].includes(w))
const timelines = orders.splice(200)
const fresh: Record<string, string[]> = { order: orders, trace: traces, word: words, timeline: timelines }
const path: Record<string, (v: string) => string> = {
  order: (o) => `/api/search?q=${encodeURIComponent(`order.id:${o}`)}&from=now-24h&limit=50`,
  trace: (t) => `/api/traces/${t}`,
  word: (w) => `/api/search?q=${w}&from=now-24h&limit=50`,
  timeline: (o) => `/api/orders/${encodeURIComponent(o)}/timeline`,
}
/** One recorded call per kind (its value not used again) and the value it was recorded with. */
const template: Record<string, { value: string; stmts: Stmt[] }> = {}
for (const k of Object.keys(path)) {
  const value = fresh[k].shift()!
  template[k] = { value, stmts: await record(path[k](k === 'word' ? value : value)) }
}
/** The template's statements with another value in every parameter that held the template's (lower-cased as the API does for words and trace ids). */
function statementsFor(k: string, value: string): Stmt[] {
  const t = template[k]
  return t.stmts.map((s) => ({ sql: s.sql, params: Object.fromEntries(Object.entries(s.params ?? {}).map(([n, v]) => [n, v === t.value ? value : v === t.value.toLowerCase() ? value.toLowerCase() : v])) }))
}
const next = (k: string): string => { const v = fresh[k].shift(); if (v === undefined) throw new Error(`out of fresh ${k} values`); return v }

/** Trace by id as the API ran it before session 7: the bounds lookup, then the logs (here: no bounds, so anywhere), skip indexes evaluated on data read. */
const { LOG_SELECT } = await import('../packages/server/src/api/records.ts')
const readTail = (sql: string): string => sql.slice(sql.indexOf(' SETTINGS ')).replace('use_skip_indexes_on_data_read = 0, ', '')
const legacy = (c: Stmt[]): Stmt[] => [
  { sql: `SELECT toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end, count() AS n FROM otel_traces_trace_id_ts WHERE TraceId = {id:String}${readTail(c[0].sql)}`, params: c[0].params },
  { sql: `SELECT ${LOG_SELECT} FROM otel_logs WHERE TraceId = {id:String} ORDER BY Timestamp LIMIT 10000${readTail(c[0].sql)}`, params: c[0].params },
]
/** The statements as they were before session 7. */
const before = (k: string) => (c: Stmt[]): Stmt[] => k === 'trace' ? legacy(c) : c.map((s) => ({ sql: s.sql.replace('SETTINGS use_skip_indexes_on_data_read = 0, ', 'SETTINGS '), params: s.params }))

if (run('reads')) {
  for (const k of Object.keys(path)) {
    const stmts = statementsFor(k, next(k))
    console.log(`${k}: ${stmts.length} statement(s) per call`)
    for (const [i, s] of stmts.entries()) {
      console.log(`  [${i}] ${s.sql.replace(/\s+/g, ' ').slice(0, 200)}`)
      for (const extra of ['', ...settingVariants]) {
        const own = statementsFor(k, next(k))[i]
        await reads(`[${i}] ${extra || 'as the API runs it'}`, { sql: withSettings(own.sql, extra), params: own.params })
      }
    }
  }
}

type Shape = [string, (calls: Stmt[]) => Stmt[]]
/** A/B of whole API calls replayed statement by statement, each run with a fresh value; each variant maps the call's statements. */
async function abCalls(k: string, variants: Shape[]): Promise<void> {
  await ab(`${k}: statements of one API call, replayed one after the other (fresh value each run)`, variants.map(([name, f]): Variant => [name, async () => {
    for (const s of f(statementsFor(k, next(k)))) await exec(s)
  }]))
}
const settingsAll = (extra: string) => (c: Stmt[]) => c.map((s) => ({ sql: withSettings(s.sql, extra), params: s.params }))

const BOUNDS = "(SELECT (toUnixTimestamp(min(Start)), toUnixTimestamp(max(End)), count()) FROM otel_traces_trace_id_ts WHERE TraceId = {id:String})"
/** The log-only trace's logs statement with the bounds lookup folded in as a scalar subquery (one statement). */
const folded = (s: Stmt): Stmt => ({ params: s.params, sql: `WITH ${BOUNDS} AS b ${s.sql.replace('WHERE TraceId = {id:String}', 'WHERE TraceId = {id:String} AND (b.3 = 0 OR (TimestampTime >= toDateTime(b.1 - 61) AND TimestampTime <= toDateTime(b.2 + 61)))')}` })
const parallel = (c: Stmt[]): Stmt[] => [{ sql: '__parallel__', params: { c } }]
const traceShapes: Shape[] = [
  ['before: logs statement only (no bounds lookup)', (c) => legacy(c).slice(1)],
  ['before: bounds ∥ logs (Promise.all)', (c) => parallel(legacy(c))],
  ['before + use_skip_indexes_on_data_read = 0', (c) => settingsAll('use_skip_indexes_on_data_read = 0')(legacy(c))],
]
const wordShapes: Shape[] = [
  ['histogram with use_skip_indexes_on_data_read = 0', (c) => [settingsAll('use_skip_indexes_on_data_read = 0')([c[0]])[0], ...c.slice(1)]],
]
const exec = async (s: Stmt): Promise<unknown> => s.sql === '__parallel__' ? Promise.all((s.params!.c as Stmt[]).map((x) => q(x.sql, x.params))) : q(s.sql, s.params)

if (run('trace')) {
  // the folded statement answers what the two did (log-only traces here)
  for (let i = 0; i < 5; i++) {
    const c = legacy(statementsFor('trace', next('trace')))
    const a = JSON.stringify(await q(c[1].sql, c[1].params))
    const b = JSON.stringify(await q(folded(c[1]).sql, c[1].params))
    if (a !== b || a === '[]') throw new Error(`folded trace statement differs: ${a.slice(0, 200)} / ${b.slice(0, 200)}`)
  }
  console.log('trace: folded statement gives the same rows (5 traces)')
}
if (run('fixed')) {
  const { LOG_SELECT_FULL } = await import('../packages/server/src/api/records.ts')
  const logsSql = (c: Stmt[]) => c[1].sql
  const tail = (sql: string) => sql.slice(sql.indexOf(' SETTINGS '))
  const v = (name: string, f: (c: Stmt[]) => string): Variant => [name, () => { const c = legacy(statementsFor('trace', next('trace'))); return q(f(c), c[1].params) }]
  await ab('trace logs statement: what its fixed cost is', [
    v('as the API runs it', logsSql),
    v('SELECT count() WHERE TraceId', (c) => `SELECT count() FROM otel_logs WHERE TraceId = {id:String}${tail(logsSql(c))}`),
    v('SELECT ts ORDER BY Timestamp', (c) => `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts FROM otel_logs WHERE TraceId = {id:String} ORDER BY Timestamp LIMIT 10000${tail(logsSql(c))}`),
    v('LOG_SELECT_FULL (no substring/mapApply)', (c) => `SELECT ${LOG_SELECT_FULL} FROM otel_logs WHERE TraceId = {id:String} ORDER BY Timestamp LIMIT 10000${tail(logsSql(c))}`),
    v('as is, use_query_condition_cache = 0', (c) => `${logsSql(c)}, use_query_condition_cache = 0`),
    v('SELECT 1', () => 'SELECT 1'),
  ])
}
if (run('bounds')) {
  const tail = (sql: string) => sql.slice(sql.indexOf(' SETTINGS '))
  const v = (name: string, f: (c: Stmt[]) => string): Variant => [name, () => { const c = legacy(statementsFor('trace', next('trace'))); return q(f(c), c[0].params) }]
  await ab('trace bounds lookup: what it costs', [
    v('as the API runs it', (c) => c[0].sql),
    v('plain rows (no aggregation)', (c) => `SELECT toUnixTimestamp(Start) AS start, toUnixTimestamp(End) AS end FROM otel_traces_trace_id_ts WHERE TraceId = {id:String}${tail(c[0].sql)}`),
    v('as is, max_threads = 1', (c) => `${c[0].sql}, max_threads = 1`),
    v('plain rows, max_threads = 1', (c) => `SELECT toUnixTimestamp(Start) AS start, toUnixTimestamp(End) AS end FROM otel_traces_trace_id_ts WHERE TraceId = {id:String}${tail(c[0].sql)}, max_threads = 1`),
    v('SELECT 1 (with the read store settings)', (c) => `SELECT 1${tail(c[0].sql)}`),
  ])
}
if (run('explain')) {
  // the folded statement for a trace that has bounds: do the scalar subquery's bounds prune partitions and granules?
  await store.command("INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ServiceName, SpanName) SELECT Timestamp, TraceId, SpanId, ServiceName, 'probe' FROM otel_logs WHERE TraceId != '' ORDER BY cityHash64(TraceId, 3) LIMIT 50")
  const [t] = await q<{ TraceId: string; s: string; e: string }>('SELECT TraceId, toString(min(Start)) AS s, toString(max(End)) AS e FROM otel_traces_trace_id_ts GROUP BY TraceId LIMIT 1')
  console.log('trace with bounds:', t)
  if (t) {
    const c = legacy(statementsFor('trace', t.TraceId))
    for (const [name, sql] of [['unbounded', c[1].sql], ['folded', folded(c[1]).sql]] as const) {
      const plan = await q<{ explain: string }>(`EXPLAIN indexes = 1 ${sql.slice(0, sql.indexOf(' SETTINGS '))}`, c[1].params)
      console.log(`--- ${name}\n${plan.map((r) => r.explain).filter((l) => /Condition|Parts|Granules|Type|Name/.test(l)).join('\n')}`)
    }
  }
}
for (const k of ['order', 'trace', 'word', 'timeline']) {
  if (!run(k)) continue
  await abCalls(k, [['as the API runs them', (c) => c], ['before session 7', before(k)], ...settingVariants.map((e): Shape => [e, settingsAll(e)]),
    ...(k === 'trace' ? traceShapes : []), ...(k === 'word' ? wordShapes : [])])
}

await bench.close()
rmSync(dir, { recursive: true, force: true })
