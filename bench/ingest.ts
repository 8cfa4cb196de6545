/**
 * npm run bench — the figures of the performance issue, printed as a table at the end.
 *
 *   1. Throughput: `beacon start` as its own process (embedded chDB, fsync on, auth off on
 *      loopback), OTLP/HTTP JSON for BENCH_SECONDS, OTLP/HTTP protobuf and Elasticsearch _bulk for a
 *      third of that each; pre-encoded batches (the generator costs ~nothing while the clock runs).
 *      "acked" = durable 200s per second; "stored" also counts the time until the store has them.
 *      Then the raw chDB insert of the same rows into the same schema (the engine's ceiling).
 *   2. Fill: a fresh `beacon start` on an empty data directory, BENCH_RECORDS freshly generated
 *      records (OTLP JSON) — storage per raw NDJSON byte right after the fill.
 *   3. Queries: Beacon started in this process on that directory; 20 runs of each query through the
 *      HTTP API and the same SQL straight on the engine (floor, ratio); then OPTIMIZE FINAL and the
 *      storage after merges.
 * Server peak RSS is sampled every 250 ms during phases 1 and 2.
 *
 *   BENCH_SECONDS=60          OTLP/JSON phase length (protobuf, ES: a third each)
 *   BENCH_RECORDS=10000000    records stored for the query phase (BENCH_TOTAL is the old name)
 *   BENCH_CONCURRENCY=4       requests in flight
 *   BENCH_DATA_DIR            keep the filled data directory here (default: temp, removed)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { execSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnBeacon, type ChildBeacon } from '../packages/server/test/test-utils.ts'
import { BATCH, encodeBatch, genBatch, load, pool, rawBytes, rssMb, waitDrained, type Format, type Phase } from './load.ts'
import { rawChdbInsert } from './raw-chdb.ts'
import { startQueryBench, type QueryFigure } from './queries.ts'
import { runReceiverBench } from './receivers.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const RECORDS = Number(process.env.BENCH_RECORDS ?? process.env.BENCH_TOTAL ?? 10_000_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)
const POOL = 48

const keepDir = process.env.BENCH_DATA_DIR
const fillDir = keepDir ?? mkdtempSync(join(tmpdir(), 'beacon-bench-fill-'))
const tputDir = mkdtempSync(join(tmpdir(), 'beacon-bench-tput-'))
const du = (dir: string): number => Number(execSync(`du -sb ${join(dir, 'clickhouse')} | cut -f1`).toString().trim())
const fmt = (n: number): string => Math.round(n).toLocaleString('en')

let peakRss = 0
/** Each phase's own peak (the throughput phase and the fill run separate servers). */
const phasePeak: Record<string, number> = {}
function watchRss(child: ChildBeacon, phase: string): () => void {
  const t = setInterval(() => {
    const mb = rssMb(child.proc.pid!)
    peakRss = Math.max(peakRss, mb)
    phasePeak[phase] = Math.max(phasePeak[phase] ?? 0, mb)
  }, 250)
  return () => clearInterval(t)
}
const phasePeaks = (): string => Object.entries(phasePeak).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')
async function stopChild(child: ChildBeacon): Promise<void> {
  child.proc.kill('SIGTERM')
  await new Promise((r) => child.proc.once('exit', r))
}

console.log(`Beacon benchmark — ${new Date().toISOString()}`)
console.log(`machine: ${execSync('nproc').toString().trim()} cores, ${Math.round(Number(execSync("awk '/MemTotal/{print $2}' /proc/meminfo").toString()) / 1024 / 1024)} GB, node ${process.version}, load average ${execSync('cut -d" " -f1-3 /proc/loadavg').toString().trim()}`)
console.log(`BENCH_SECONDS=${SECONDS} BENCH_RECORDS=${RECORDS} BENCH_CONCURRENCY=${CONCURRENCY}`)
const wall = performance.now()
const rows: [string, string, string][] = []

// 1. Throughput
const pools: Record<Format, (string | Buffer)[]> = { json: pool('json', POOL), protobuf: pool('protobuf', POOL), es: pool('es', POOL) }
const t0 = performance.now()
let child = await spawnBeacon(tputDir, { BEACON_LOG_LEVEL: 'warn' })
await child.ready
const startSeconds = (performance.now() - t0) / 1000
let unwatch = watchRss(child, 'throughput')
console.log(`\n1. throughput (start to ready ${startSeconds.toFixed(2)} s; batches of ${BATCH}, ${CONCURRENCY} in flight, durable acks, pre-encoded):`)
const phases: { phase: Phase; storedRps: number }[] = []
try {
  const run = async (name: string, url: string, format: Format, seconds: number) => {
    let i = 0
    const before = await waitDrained(child.apiUrl)
    const t = performance.now()
    const phase = await load(name, url, format, () => pools[format][i++ % POOL], { seconds, concurrency: CONCURRENCY })
    const stored = (await waitDrained(child.apiUrl)) - before
    const storedRps = stored / ((performance.now() - t) / 1000)
    console.log(`  ${''.padEnd(24)} stored and searchable: ${fmt(storedRps)} rec/s (until the store had all ${fmt(stored)})`)
    phases.push({ phase, storedRps })
  }
  await run('OTLP/HTTP JSON', `${child.otlpUrl}/v1/logs`, 'json', SECONDS)
  await run('OTLP/HTTP protobuf', `${child.otlpUrl}/v1/logs`, 'protobuf', SECONDS / 3)
  await run('Elasticsearch _bulk', `${child.esUrl}/_bulk`, 'es', SECONDS / 3)
} finally {
  unwatch()
  await stopChild(child)
  rmSync(tputDir, { recursive: true, force: true })
}
const raw = await rawChdbInsert(Array.from({ length: 600 }, () => genBatch()))
console.log(`  raw chDB insert, same rows and schema: ${fmt(raw.rps)} rows/s (100,000-row inserts after a warm-up; TSV, no HTTP/WAL/pipeline)`)
const [json, proto, es] = phases
rows.push(
  ['OTLP/HTTP JSON, sustained, durable acks (acked / stored)', `${fmt(json.phase.rps)} / ${fmt(json.storedRps)} rec/s = ${(json.storedRps / raw.rps * 100).toFixed(0)} % of raw chDB`, '≥ 100,000'],
  ['OTLP/HTTP protobuf (acked / stored)', `${fmt(proto.phase.rps)} / ${fmt(proto.storedRps)} rec/s`, '≥ 100,000'],
  ['Elasticsearch _bulk (acked / stored)', `${fmt(es.phase.rps)} / ${fmt(es.storedRps)} rec/s`, '≥ 100,000'],
  ['raw chDB insert, same rows, same schema', `${fmt(raw.rps)} rows/s`, '—'],
  ['non-200 answers in the throughput phases', String(json.phase.failed + proto.phase.failed + es.phase.failed), '0'],
)

// 2. Fill
child = await spawnBeacon(fillDir, { BEACON_LOG_LEVEL: 'warn' })
await child.ready
unwatch = watchRss(child, 'fill')
let rawNdjson = 0
console.log(`\n2. fill to ${fmt(RECORDS)} fresh records (OTLP JSON, generated while sending):`)
let afterFill: number
try {
  const fill = await load('fill (OTLP JSON)', `${child.otlpUrl}/v1/logs`, 'json', () => { const b = genBatch(); rawNdjson += rawBytes(b); return encodeBatch('json', b) }, { seconds: 36_000, concurrency: CONCURRENCY, maxRecords: RECORDS })
  await waitDrained(child.apiUrl)
  afterFill = du(fillDir)
  console.log(`  data directory right after the fill: ${(afterFill / 1e9).toFixed(2)} GB for ${(rawNdjson / 1e9).toFixed(2)} GB raw NDJSON (du; includes parts already merged away but not yet removed)`)
  rows.push(['fill rate (generator in the loop, merges running)', `${fmt(fill.rps)} rec/s`, '—'])
} finally {
  unwatch()
  await stopChild(child)
}
console.log(`  server peak RSS during ingest: ${fmt(peakRss)} MB (${phasePeaks()})`)

// 3. Queries
console.log('\n3. queries (20 runs each through the HTTP API; the same SQL straight on the engine = floor):')
const q = await startQueryBench(fillDir)
const figures: QueryFigure[] = []
let afterMerge: number
// Bytes of the active parts only: `du` also counts parts a merge replaced, which ClickHouse removes
// minutes later (old_parts_lifetime), so right after OPTIMIZE FINAL it counted the data twice.
const activeBytes = async (): Promise<number> => Number((await q.store.query<{ b: string }>(
  'SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database = currentDatabase()'))[0].b)
try {
  afterFill = await activeBytes()
  console.log(`  storage as filled (active parts): ${(afterFill / 1e9).toFixed(2)} GB = ${(afterFill / rawNdjson).toFixed(3)} bytes per raw byte`)
  const sample = await q.api('/api/search?q=level:error&from=now-24h&limit=100')
  const orders: string[] = sample.events.map((e: any) => e.orderId).filter(Boolean).slice(0, 20)
  const traces: string[] = sample.events.map((e: any) => e.traceId).filter(Boolean).slice(0, 20)
  const all = async (label: string) => {
    console.log(`  ${label}:`)
    const out = [
      await q.measure('order id search, 24 h', '≤ 25 ms', orders.map((o) => `/api/search?q=${encodeURIComponent(`order.id:${o}`)}&from=now-24h&limit=50`)),
      await q.measure('trace by id (log-only traces)', '≤ 15 ms', traces.map((t) => `/api/traces/${t}`)),
      await q.measure('24 h histogram + count + first page', '≤ 80 ms', ['/api/search?q=&from=now-24h&limit=50']),
      await q.measure('rare full-text word, 24 h', '≤ 60 ms', ['E1234', 'E2345', 'E3456', 'E4567'].map((w) => `/api/search?q=${w}&from=now-24h&limit=50`)),
      await q.measure('services over 24 h', '≤ 30 ms', ['/api/services?from=now-24h']),
      await q.measure('common word (~12 %), 24 h', '—', ['furnace', 'conveyor', 'invoice', 'pallet'].map((w) => `/api/search?q=${w}&from=now-24h&limit=50`)),
      await q.measure('order timeline, 30 d', '—', orders.map((o) => `/api/orders/${o}/timeline`)),
    ]
    return out
  }
  figures.push(...await all('as filled (merges of the fill not finished)'))
  for (const t of ['otel_logs', 'otel_traces', 'otel_traces_trace_id_ts', 'beacon_logs_1m', 'beacon_spans_1m']) await q.store.command(`OPTIMIZE TABLE ${t} FINAL`)
  afterMerge = await activeBytes()
  console.log(`  storage after OPTIMIZE FINAL (active parts): ${(afterMerge / 1e9).toFixed(2)} GB = ${(afterMerge / rawNdjson).toFixed(3)} bytes per raw byte`)
  const merged = await all('after merges (OPTIMIZE FINAL)')
  merged.forEach((f) => { f.name += ' (merged)' })
  figures.push(...merged)
} finally {
  await q.close()
  if (!keepDir) rmSync(fillDir, { recursive: true, force: true })
}

rows.push(
  ['bytes on disk per raw NDJSON byte, after the fill / after merges', `${(afterFill / rawNdjson).toFixed(3)} / ${(afterMerge / rawNdjson).toFixed(3)}`, '≤ 0.20 / ≤ 0.12'],
  ...figures.map((f): [string, string, string] => [`${f.name} p50 (p95) · floor · ratio`, `${f.p50.toFixed(0)} (${f.p95.toFixed(0)}) ms · ${f.floorP50.toFixed(0)} ms · ${f.ratio.toFixed(2)}×`, `${f.goal}, ≤ 1.3×`]),
  ['server peak RSS during ingest', `${fmt(peakRss)} MB (${phasePeaks()})`, '≤ 1,000 MB'],
  ['start to ready (empty data directory)', `${startSeconds.toFixed(2)} s`, '≤ 5 s'],
)
console.log(`\n| figure | ${new Date().toISOString().slice(0, 16)} | goal |\n|---|---|---|`)
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`)
console.log(`\nbenchmark took ${((performance.now() - wall) / 60_000).toFixed(1)} min`)

// Each receiver's records/s on a fresh server (bench/receivers.ts; alone: npm run bench:receivers).
if (process.env.BENCH_RECEIVERS !== '0') await runReceiverBench()
