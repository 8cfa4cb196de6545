/**
 * Where an API call's time goes beyond its statements (issue 13: the API's time ÷ the engine floor
 * ≤ 1.3×). Beacon is started in this process on a copy of a filled directory (as bench/query-api.ts
 * does) and each call is split by Fastify's own hooks and the store's calls:
 *
 *   fetch ─► onRequest ─► handler ─► [store.query … ] ─► handler end ─► onSend ─► onResponse ─► answer read
 *            (HTTP in)    (auth,       (engine + client    (preSerialization hooks and    (socket)
 *                          limits)      JSON parse)         JSON.stringify)
 *
 * plus the CPU of the whole process (all threads: the engine runs in it) and of the main thread
 * alone (/proc, 10 ms ticks: summed over all calls), the audit insert that follows each read (after
 * the answer, in the background: engine CPU while this process's client still reads the answer), and
 * the call's statements replayed twice: right after it (warm query condition cache, the floor of the
 * runs before session 8) and with that cache dropped first (as cold as the call's own run).
 *
 *   API_OVERHEAD_DIR=/tmp/s8t-filled node --import tsx bench/api-overhead.ts [trace] [services] [order]
 *   API_OVERHEAD_RUNS=40   calls per query (each with a fresh id)
 *   API_OVERHEAD_VARIANTS='as is,audit deferred,no audit'   alternated call by call (default: as is)
 *   API_OVERHEAD_PROF=/tmp/x   a V8 CPU profile of the main thread over each query's calls (<dir>/<query>.cpuprofile)
 */
import { subscribe, tracingChannel } from 'node:diagnostics_channel'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { startQueryBench } from './queries.ts'
import type { Store } from '../packages/server/src/store/connection.ts'
import { AuditLog } from '../packages/server/src/audit/audit-log.ts'

const src = process.env.API_OVERHEAD_DIR ?? '/tmp/s8t-filled'
const RUNS = Number(process.env.API_OVERHEAD_RUNS ?? 40)
const wanted = new Set(process.argv.slice(2))
const dir = mkdtempSync(join(tmpdir(), 'beacon-aov-'))
cpSync(join(src, 'clickhouse'), join(dir, 'clickhouse'), { recursive: true })

/** Marks of the call in flight (the bench makes one call at a time). */
let marks: Record<string, number> = {}
const mark = (name: string): void => { marks[name] ??= performance.now() }
// Hooks added when each Fastify instance is created, so they run before Beacon's own.
subscribe('fastify.initialization', (msg) => {
  const app = (msg as { fastify: FastifyInstance }).fastify
  app.addHook('onRequest', async () => { mark('onRequest') })
  app.addHook('preSerialization', async (_req, _rep, payload) => { mark('preSerialization'); return payload })
  app.addHook('onSend', async (_req, _rep, payload) => { mark('onSend'); return payload })
  app.addHook('onResponse', async () => { mark('onResponse') })
})
tracingChannel('fastify.request.handler').subscribe({
  start: () => mark('handler'), end: () => {}, asyncStart: () => {}, asyncEnd: () => mark('handlerEnd'), error: () => {},
})

const bench = await startQueryBench(dir)
const store = bench.store as Store
let queryMs = 0
let recorded: { sql: string; params?: Record<string, unknown> }[] = []
const rawQuery = store.query.bind(store)
store.query = (async (sql: string, params?: Record<string, unknown>) => {
  const t = performance.now()
  recorded.push({ sql, params })
  try { return await rawQuery(sql, params) } finally { queryMs += performance.now() - t }
}) as Store['query']
const audits: number[] = []
const rawInsert = store.insertTsv.bind(store)
store.insertTsv = (async (table, columns, body, token) => {
  const t = performance.now()
  const c = process.cpuUsage()
  try { return await rawInsert(table, columns, body, token) } finally {
    if (table === 'beacon_audit') { const u = process.cpuUsage(c); audits.push(performance.now() - t, (u.user + u.system) / 1000) }
  }
}) as Store['insertTsv']

/** Main thread CPU (ms) from /proc: utime + stime of the thread whose id is the process id. */
const mainCpu = (): number => { const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10 }
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] }
const fmt = (xs: number[]): string => `${pct(xs, 0.5).toFixed(2).padStart(6)} (p90 ${pct(xs, 0.9).toFixed(2)})`

const q = <T>(sql: string) => rawQuery<T>(sql)
const traces = (await q<{ v: string }>("SELECT TraceId AS v FROM otel_logs WHERE TraceId != '' ORDER BY cityHash64(TraceId, 13) LIMIT 1000")).map((r) => r.v)
const orders = (await q<{ v: string }>("SELECT OrderId AS v FROM otel_logs WHERE OrderId != '' ORDER BY cityHash64(TraceId, 17) LIMIT 1000")).map((r) => r.v)
const paths: Record<string, () => string> = {
  trace: () => `/api/traces/${traces.shift()}`,
  services: () => '/api/services?from=now-24h',
  order: () => `/api/search?q=${encodeURIComponent(`order.id:${orders.shift()}`)}&from=now-24h&limit=50`,
}
console.log(`API overhead on a copy of ${src}; ${RUNS} calls per query; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)

/**
 * Variants of the server's post-answer work, alternated call by call: `as is`; `audit deferred`
 * (each audit append moved to setImmediate: same entries, same order); `no audit` (a lower bound).
 */
const appendAsIs = AuditLog.prototype.append
const variants: Record<string, () => void> = {
  'as is': () => { AuditLog.prototype.append = appendAsIs },
  'audit deferred': () => { AuditLog.prototype.append = function (this: AuditLog, e) { setImmediate(() => appendAsIs.call(this, e)); return undefined as never } },
  'no audit': () => { AuditLog.prototype.append = () => undefined as never },
}
const chosen = (process.env.API_OVERHEAD_VARIANTS ?? 'as is').split(',').map((v) => v.trim())

for (const k of Object.keys(paths)) {
  if (wanted.size > 0 && !wanted.has(k)) continue
  await bench.api(paths[k]()) // warm-up
  const rows: Record<string, number[]> = {}
  const add = (n: string, v: number) => (rows[n] ??= []).push(v)
  const prof = process.env.API_OVERHEAD_PROF ? new Session() : undefined
  if (prof) { prof.connect(); await prof.post('Profiler.enable'); await prof.post('Profiler.setSamplingInterval', { interval: 200 }); await prof.post('Profiler.start') }
  const main0 = mainCpu()
  for (let i = 0; i < RUNS; i++) {
    for (const v of i % 2 ? [...chosen].reverse() : chosen) {
      variants[v]()
      await new Promise((r) => setTimeout(r, 30)) // the previous call's audit insert done
      marks = {}
      queryMs = 0
      recorded = []
      const c = process.cpuUsage()
      const t = performance.now()
      const res = await fetch(bench.apiUrl + paths[k]())
      const headersAt = performance.now()
      await res.arrayBuffer()
      const end = performance.now()
      const u = process.cpuUsage(c)
      add(`${v}: wall, whole call`, end - t)
      add(`${v}: CPU, all threads`, (u.user + u.system) / 1000)
      add(`${v}:   fetch → onRequest (HTTP in)`, marks.onRequest - t)
      add(`${v}:   onRequest → handler (auth, limits)`, marks.handler - marks.onRequest)
      add(`${v}:   handler (incl. store)`, marks.handlerEnd - marks.handler)
      add(`${v}:     of which store.query`, queryMs)
      add(`${v}:   handler end → onSend (hooks, JSON)`, marks.onSend - marks.handlerEnd)
      add(`${v}:   onSend → answer read`, end - marks.onSend)
      add(`${v}:   (headers at client → body read)`, end - headersAt)
      add(`${v}: statements`, recorded.length)
      // The floor as `npm run bench` takes it (the call's statements again, straight on the engine, right
      // after: the query condition cache holds their conditions), and with that cache dropped first (as cold as the call's own run).
      const stmts = recorded
      for (const cold of [false, true]) {
        await new Promise((r) => setTimeout(r, 30))
        if (cold) await store.command('SYSTEM DROP QUERY CONDITION CACHE')
        const fc = process.cpuUsage()
        const ft = performance.now()
        for (const s of stmts) await rawQuery(s.sql, s.params)
        const fu = process.cpuUsage(fc)
        add(`${v}: floor ${cold ? 'cold' : 'warm'}, wall`, performance.now() - ft)
        add(`${v}: floor ${cold ? 'cold' : 'warm'}, CPU`, (fu.user + fu.system) / 1000)
      }
    }
  }
  variants['as is']()
  const mainMs = mainCpu() - main0
  if (prof) { const { profile } = await prof.post('Profiler.stop'); writeFileSync(join(process.env.API_OVERHEAD_PROF!, `${k}.cpuprofile`), JSON.stringify(profile)); prof.disconnect() }
  console.log(`${k}: ${RUNS} calls per variant, alternating; main thread CPU ${(mainMs / RUNS / chosen.length).toFixed(2)} ms per call with its floors (10 ms ticks over ${mainMs} ms); load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
  for (const [n, v] of Object.entries(rows)) console.log(`  ${n.padEnd(50)} ${fmt(v)}`)
  const aw = audits.filter((_, i) => i % 2 === 0)
  const ac = audits.filter((_, i) => i % 2 === 1)
  if (aw.length) console.log(`  audit insert (after the answer): wall ${fmt(aw)}, CPU ${fmt(ac)} (${aw.length} inserts)`)
  audits.length = 0
}

await bench.close()
rmSync(dir, { recursive: true, force: true })
