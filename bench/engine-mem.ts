/**
 * Engine memory during inserts: the benchmark's rows inserted into today's schema in chunks (as the
 * store writer does), the process RSS and chDB's own accounting (MemoryTracking, caches) printed
 * after each insert. ENGINE_MEM_SET: statements run first (`;;`-separated), e.g. table settings.
 *
 *   node --import tsx bench/engine-mem.ts
 *   ENGINE_MEM_CHUNK=50000 ENGINE_MEM_ROWS=600000 node --import tsx bench/engine-mem.ts
 *   ENGINE_MEM_SPLIT=1 node --expose-gc --import tsx bench/engine-mem.ts   # one insert per day × service
 *   BEACON_CHDB_ARGS=--background_pool_size=1 …   # engine arguments, as the server takes them
 *   JE_MALLOC_CONF=dirty_decay_ms:0 …             # the engine's allocator (jemalloc reads JE_MALLOC_CONF)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../packages/server/src/config/load.ts'
import { createStore } from '../packages/server/src/store/connection.ts'
import { migrate } from '../packages/server/src/store/migrations.ts'
import { createRowEncoder } from '../packages/server/src/store/encode.ts'
import { LOGS_TABLE, LOG_INSERT_COLUMNS } from '../packages/server/src/store/schema.ts'
import { genRecord } from './generate.ts'
import { splitByPartition } from '../packages/server/src/store/partition-split.ts'
import { toLogRecord } from './raw-chdb.ts'

const ROWS = Number(process.env.ENGINE_MEM_ROWS ?? 600_000)
const CHUNK = Number(process.env.ENGINE_MEM_CHUNK ?? 100_000)
const dir = mkdtempSync(join(tmpdir(), 'beacon-mem-'))
const config = loadConfig({ env: { BEACON_DATA_DIR: dir, BEACON_CHDB_ARGS: process.env.BEACON_CHDB_ARGS ?? '' }, file: '/dev/null' })
const store = await createStore(config)
await migrate(store, config)
for (const sql of (process.env.ENGINE_MEM_SET ?? '').split(';;').filter((s) => s.trim())) await store.command(sql)
const encoder = createRowEncoder(config.businessKeys)
const encode = (recs: Parameters<typeof encoder.logsBytes>[0]): Buffer => encoder.logsBytes(recs)
const now = Date.now()
const rss = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) >> 10
let peak = 0
const sampler = setInterval(() => { peak = Math.max(peak, rss()) }, 100)
const metrics = async (): Promise<string> => {
  // chDB has no system.asynchronous_metrics: MemoryTracking and the cache gauges of system.metrics.
  const m = await store.query<{ metric: string; value: string }>(`SELECT metric, toString(value) AS v FROM system.metrics WHERE metric = 'MemoryTracking' OR metric = 'Merge' OR (metric LIKE '%Cache%Bytes' AND value > 0)`)
    .then((rows) => rows.map((r) => ({ metric: r.metric, value: (r as unknown as { v: string }).v })))
  return m.map((x) => `${x.metric} ${Number(x.value) > 1e5 ? (Number(x.value) / 1048576).toFixed(0) + 'M' : x.value}`).join(', ')
}
// Rows encoded before anything is measured (the generator's objects are garbage by then).
const bodies: Buffer[] = []
// ENGINE_MEM_ONE_PARTITION=1: every row of one service within a minute (one partition per insert).
const one = process.env.ENGINE_MEM_ONE_PARTITION === '1'
const gen = () => { const g = genRecord(now, one ? 60_000 : 86_400_000, 2_000_000); if (one) g.service = 'shop-api'; return g }
for (let done = 0; done < ROWS; done += CHUNK) bodies.push(Buffer.from(encode(Array.from({ length: CHUNK }, (_, i) => toLogRecord(gen(), `${now + i}000000`)))))
;(globalThis as { gc?: () => void }).gc?.()
await new Promise((r) => setTimeout(r, 1000))
peak = 0
console.log(`start: RSS ${rss()} MB (${(bodies.reduce((n, b) => n + b.length, 0) / 1048576).toFixed(0)} MB of TSV held); ${await metrics()}`)
let queryLog = true
let cpuTotal = 0
for (const body of bodies) {
  const t = performance.now()
  const cpu0 = process.cpuUsage()
  // ENGINE_MEM_SPLIT=1: one insert per day × service, as the store writer does.
  if (process.env.ENGINE_MEM_SPLIT === '1') for (const g of splitByPartition([body])) await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, Buffer.concat(g))
  else await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, body)
  const c = process.cpuUsage(cpu0)
  cpuTotal += (c.user + c.system) / 1000
  let mem = ''
  if (queryLog) {
    try {
      await store.command('SYSTEM FLUSH LOGS')
      const q = await store.query<{ m: string }>(`SELECT toString(max(memory_usage)) AS m FROM system.query_log WHERE type = 'QueryFinish' AND query_kind = 'Insert' AND event_time > now() - 60`)
      mem = `, insert peak memory ${(Number(q[0]?.m ?? 0) / 1048576).toFixed(0)} MB`
    } catch { queryLog = false }
  }
  console.log(`+${CHUNK} (${(performance.now() - t).toFixed(0)} ms): RSS ${rss()} MB, peak ${peak} MB${mem}; ${await metrics()}`)
}
const tail0 = process.cpuUsage()
let maxTracked = 0
for (let i = 0; i < 20; i++) {
  await new Promise((r) => setTimeout(r, 500))
  const [m] = await store.query<{ v: string }>(`SELECT toString(value) AS v FROM system.metrics WHERE metric = 'MemoryTracking'`)
  maxTracked = Math.max(maxTracked, Number(m.v))
}
const tail = process.cpuUsage(tail0)
console.log(`10 s later: RSS ${rss()} MB, peak ${peak} MB, engine memory (MemoryTracking) peak while merging ${(maxTracked / 1048576).toFixed(0)} MB, CPU in those 10 s ${((tail.user + tail.system) / 1e6).toFixed(1)} s; ${await metrics()}`)
console.log(`${CHUNK.toLocaleString('en')} rows per insert: ${(cpuTotal * 1000 / ROWS).toFixed(2)} µs CPU per row while inserting (engine threads included; merges running meanwhile count too); peak RSS ${peak} MB`)
clearInterval(sampler)
await store.close()
rmSync(dir, { recursive: true, force: true })
