/**
 * Trace by id (issue 13: ≤ 15 ms): shapes of the logs statement A/B on the engine, through the read
 * store (its limits in every statement), each run with a fresh trace id, alternating; CPU of all
 * threads compared (the engine runs in this process). The traces are log-only (the bench's data).
 *
 *   TRACE_AB_DIR=/tmp/beacon-filled node --import tsx bench/trace-ab.ts
 *   TRACE_AB_RUNS=30
 *   TRACE_AB_SETTINGS='max_threads = 1;max_streams_for_merge_tree_reading = 1'   variants: settings added to each shape
 *   TRACE_AB_SHAPES=0,1   only these shapes (their order below)
 */
import { rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { abRunner, openCopy, type Variant } from './ab.ts'
import { createReadStore, POINT_LOOKUP_SETTINGS } from '../packages/server/src/api/read-limits.ts'
import { LOG_SELECT } from '../packages/server/src/api/records.ts'
import type { Store } from '../packages/server/src/store/connection.ts'

const src = process.env.TRACE_AB_DIR ?? '/tmp/beacon-filled'
const RUNS = Number(process.env.TRACE_AB_RUNS ?? 30)
const { store: engine, dir, config } = await openCopy(src, 'beacon-tab-', true)
const read: Store = createReadStore(engine, config.security.reads)
const ab = abRunner(RUNS)
const traces = (await engine.query<{ v: string }>("SELECT TraceId AS v FROM otel_logs WHERE TraceId != '' ORDER BY cityHash64(TraceId, 23) LIMIT 2000")).map((r) => r.v)
console.log(`trace A/B on a copy of ${src}; ${RUNS} alternating runs; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)

const BOUNDS = '(SELECT (toUnixTimestamp(min(Start)), toUnixTimestamp(max(End)), count()) FROM otel_traces_trace_id_ts WHERE TraceId = {id:String})'
const WINDOW = '(b.3 = 0 OR (TimestampTime >= toDateTime(b.1 - 61) AND TimestampTime <= toDateTime(b.2 + 61)))'
const shapes: Record<string, (extra: string) => string[]> = {
  'as the API runs it (bounds folded as a scalar)': (x) => [`WITH ${BOUNDS} AS b SELECT ${LOG_SELECT}, b.3 AS boundRows FROM otel_logs WHERE TraceId = {id:String} AND ${WINDOW} ORDER BY Timestamp LIMIT 10000 ${POINT_LOOKUP_SETTINGS}${x}`],
  'folded, TraceId as PREWHERE': (x) => [`WITH ${BOUNDS} AS b SELECT ${LOG_SELECT}, b.3 AS boundRows FROM otel_logs PREWHERE TraceId = {id:String} WHERE ${WINDOW} ORDER BY Timestamp LIMIT 10000 ${POINT_LOOKUP_SETTINGS}${x}`],
  'bounds statement, then logs statement (session 6 shape + setting)': (x) => [
    `SELECT toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end, count() AS n FROM otel_traces_trace_id_ts WHERE TraceId = {id:String} ${POINT_LOOKUP_SETTINGS}${x}`,
    `SELECT ${LOG_SELECT} FROM otel_logs WHERE TraceId = {id:String} ORDER BY Timestamp LIMIT 10000 ${POINT_LOOKUP_SETTINGS}${x}`],
  'logs statement alone (no bounds: a lower bound)': (x) => [`SELECT ${LOG_SELECT} FROM otel_logs WHERE TraceId = {id:String} ORDER BY Timestamp LIMIT 10000 ${POINT_LOOKUP_SETTINGS}${x}`],
}
const extras = (process.env.TRACE_AB_SETTINGS ?? '').split(';').map((s) => s.trim()).filter(Boolean)
const run = (stmts: string[]) => async () => { const id = traces.shift()!; for (const s of stmts) await read.query(s, { id }) }

// Same rows from every shape (five traces).
for (let i = 0; i < 5; i++) {
  const id = traces.shift()!
  const answers = await Promise.all(Object.values(shapes).map(async (f) => { const s = f(''); return JSON.stringify((await read.query<Record<string, unknown>>(s[s.length - 1], { id })).map(({ boundRows: _b, ...r }) => r)) }))
  if (new Set(answers).size !== 1 || answers[0] === '[]') throw new Error(`shapes differ for ${id}`)
}
console.log('same rows from every shape (5 traces)')

// What each shape reads (the engine's counters around one run of each, a fresh trace each; TRACE_AB_READS=1).
const EVENTS = ['SelectedParts', 'SelectedMarks', 'SelectedRows', 'RowsReadByMainReader', 'RowsReadByPrewhereReaders', 'CompressedReadBufferBytes', 'ReadCompressedBytes', 'OSCPUVirtualTimeMicroseconds']
const events = async (): Promise<Map<string, number>> => new Map((await engine.query<{ event: string; value: string }>(
  `SELECT event, value FROM system.events WHERE event IN (${EVENTS.map((e) => `'${e}'`).join(', ')})`)).map((r) => [r.event, Number(r.value)]))
if (process.env.TRACE_AB_READS === '1') {
  for (const [name, f] of Object.entries(shapes)) {
    for (const x of ['', ...extras]) {
      const a = await events()
      await run(f(x ? `, ${x}` : ''))()
      const b = await events()
      console.log(`  ${`${name}${x ? `, ${x}` : ''}`.padEnd(70)} ${EVENTS.map((e) => `${e} ${(b.get(e) ?? 0) - (a.get(e) ?? 0)}`).join(', ')}`)
    }
  }
}

const variants: Variant[] = []
const only = process.env.TRACE_AB_SHAPES?.split(',').map(Number)
for (const [i, [name, f]] of Object.entries(shapes).entries()) {
  if (only && !only.includes(i)) continue
  variants.push([name, run(f(''))])
  for (const e of extras) variants.push([`${name}, ${e}`, run(f(`, ${e}`))])
}
await ab('trace by id, log-only traces: statements through the read store', variants)
await engine.close()
rmSync(dir, { recursive: true, force: true })
