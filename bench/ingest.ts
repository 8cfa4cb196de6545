/**
 * npm run bench — ingest throughput (OTLP JSON, OTLP protobuf, ES bulk) against a real `beacon start`
 * process, the raw chDB insert of the same rows for comparison, then query latencies with
 * BENCH_TOTAL records stored, storage per raw byte, server memory and start time.
 *
 *   BENCH_SECONDS=60      OTLP/JSON phase length (protobuf and ES phases: a third of it each)
 *   BENCH_TOTAL=10000000  records stored before the query phase (filled with OTLP/JSON)
 *   BENCH_CONCURRENCY=4   requests in flight
 *   BENCH_DATA_DIR        where the server keeps data (default: a temp dir, removed after)
 */
import { mkdtempSync, rmSync, readFileSync } from 'node:fs'
import { execSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnBeacon } from '../packages/server/test/test-utils.ts'
import { genRecord, otlpJsonBatch, esBulkBatch, ecsDoc, type GenRecord } from './generate.ts'
import { protobufBatch } from './protobuf.ts'
import { rawChdbInsert } from './raw-chdb.ts'
import { runReceiverBench } from './receivers.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const TOTAL = Number(process.env.BENCH_TOTAL ?? 10_000_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)
const BATCH = 1000
const DAY = 86_400_000
const ORDERS = 2_000_000

const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'beacon-bench-'))
const now = Date.now()
let rawNdjsonBytes = 0
let generated = 0

function batch(): GenRecord[] {
  const recs = new Array<GenRecord>(BATCH)
  for (let i = 0; i < BATCH; i++) recs[i] = genRecord(now, DAY, ORDERS)
  // Raw size estimate from a sample (building every ECS line would slow the generator).
  rawNdjsonBytes += (ecsDoc(recs[0]).length + 1 + ecsDoc(recs[1]).length + 1) / 2 * BATCH
  generated += BATCH
  return recs
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch { return 0 }
}

interface Phase { name: string; records: number; seconds: number; rps: number; failed: number; statuses: Record<string, number> }

async function load(name: string, url: string, contentType: string, make: () => string | Buffer, seconds: number, maxRecords = Infinity): Promise<Phase> {
  const t0 = performance.now()
  const deadline = t0 + seconds * 1000
  let records = 0
  let failed = 0
  const statuses: Record<string, number> = {}
  const worker = async () => {
    while (performance.now() < deadline && records < maxRecords) {
      const body = make()
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: body as BodyInit })
      await res.arrayBuffer()
      statuses[res.status] = (statuses[res.status] ?? 0) + 1
      if (res.status === 200) records += BATCH
      else { failed++; await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 100)) }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const s = (performance.now() - t0) / 1000
  const p = { name, records, seconds: s, rps: records / s, failed, statuses }
  console.log(`  ${name.padEnd(22)} ${records.toLocaleString('en').padStart(12)} records in ${s.toFixed(1)} s = ${Math.round(p.rps).toLocaleString('en').padStart(8)} records/s  (non-200: ${failed}, ${JSON.stringify(statuses)})`)
  return p
}

async function api(base: string, path: string): Promise<{ ms: number; body: any }> {
  const t = performance.now()
  const res = await fetch(base + path)
  const body = await res.json()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`)
  return { ms: performance.now() - t, body }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

async function waitDrained(apiUrl: string): Promise<void> {
  for (;;) {
    const { body } = await api(apiUrl, '/api/health')
    if (body.ingest.backlogRows === 0) return
    await new Promise((r) => setTimeout(r, 500))
  }
}

console.log(`Beacon ingest benchmark — ${new Date().toISOString()}`)
console.log(`machine: ${execSync('nproc').toString().trim()} cores, ${Math.round(Number(execSync("awk '/MemTotal/{print $2}' /proc/meminfo").toString()) / 1024 / 1024)} GB, node ${process.version}`)
const t0 = performance.now()
const child = await spawnBeacon(dataDir, { BEACON_LOG_LEVEL: 'warn' })
await child.ready
const startSeconds = (performance.now() - t0) / 1000
console.log(`start to ready: ${startSeconds.toFixed(2)} s`)
const pid = child.proc.pid!
let maxRss = 0
const rssTimer = setInterval(() => { maxRss = Math.max(maxRss, rssMb(pid)) }, 500)

try {
  console.log(`\ningest (batches of ${BATCH}, ${CONCURRENCY} in flight, durable acks):`)
  const json = await load('OTLP/HTTP JSON', `${child.otlpUrl}/v1/logs`, 'application/json', () => otlpJsonBatch(batch()), SECONDS)
  const proto = await load('OTLP/HTTP protobuf', `${child.otlpUrl}/v1/logs`, 'application/x-protobuf', () => protobufBatch(batch()), SECONDS / 3)
  const es = await load('Elasticsearch _bulk', `${child.esUrl}/_bulk`, 'application/x-ndjson', () => esBulkBatch(batch()), SECONDS / 3)
  await waitDrained(child.apiUrl)

  console.log('\nraw chDB insert of the same rows into the same schema (TabSeparated, chDB zero-copy insert, no HTTP, no WAL, no pipeline):')
  const raw = await rawChdbInsert(Array.from({ length: 200 }, () => batch()))
  console.log(`  ${raw.rows.toLocaleString('en')} rows in ${raw.seconds.toFixed(1)} s = ${Math.round(raw.rps).toLocaleString('en')} rows/s`)
  console.log(`  Beacon OTLP/JSON end to end = ${(json.rps / raw.rps * 100).toFixed(0)}% of raw chDB insert`)

  const stored = json.records + proto.records + es.records
  if (stored < TOTAL) {
    console.log(`\nfilling to ${TOTAL.toLocaleString('en')} records…`)
    await load('fill (OTLP JSON)', `${child.otlpUrl}/v1/logs`, 'application/json', () => otlpJsonBatch(batch()), 3600, TOTAL - stored)
  }
  await waitDrained(child.apiUrl)
  const { body: h } = await api(child.apiUrl, '/api/health')
  console.log(`stored rows: ${h.ingest.storedRows.toLocaleString('en')}; server max RSS so far: ${maxRss.toFixed(0)} MB`)

  // Give background merges a moment, as a real system would have.
  await new Promise((r) => setTimeout(r, 10_000))
  const diskBytes = Number(execSync(`du -sb ${join(dataDir, 'clickhouse')} | cut -f1`).toString().trim())
  console.log(`\nstorage: ${(diskBytes / 1e9).toFixed(2)} GB on disk for ${(rawNdjsonBytes / 1e9).toFixed(2)} GB raw NDJSON = ${(diskBytes / rawNdjsonBytes).toFixed(3)} bytes per raw byte (${generated.toLocaleString('en')} records generated)`)

  console.log('\nqueries through the API (20 runs each, end-to-end HTTP):')
  const sample = await api(child.apiUrl, '/api/search?q=level:error&from=now-24h&limit=100')
  const orders = sample.body.events.map((e: any) => e.orderId).filter(Boolean).slice(0, 20)
  const traces = sample.body.events.map((e: any) => e.traceId).filter(Boolean).slice(0, 20)
  const measure = async (name: string, target: string, paths: string[]) => {
    const ms: number[] = []
    for (let i = 0; i < 20; i++) ms.push((await api(child.apiUrl, paths[i % paths.length])).ms)
    console.log(`  ${name.padEnd(36)} p50 ${pct(ms, 50).toFixed(0).padStart(5)} ms   p95 ${pct(ms, 95).toFixed(0).padStart(5)} ms   (target ${target})`)
  }
  await measure('order id search (24 h)', '≤ 50 ms', orders.map((o: string) => `/api/search?q=${encodeURIComponent(`order.id:${o}`)}&from=now-24h&limit=50`))
  await measure('order timeline (30 d)', '—', orders.map((o: string) => `/api/orders/${o}/timeline`))
  await measure('trace by id', '≤ 30 ms', traces.map((t: string) => `/api/traces/${t}`))
  await measure('24-hour histogram + count + page', '≤ 200 ms', ['/api/search?q=&from=now-24h&limit=50'])
  await measure('full-text rare word (24 h)', '≤ 300 ms', ['E1234', 'E2345', 'E3456', 'E4567'].map((w) => `/api/search?q=${w}&from=now-24h&limit=50`))
  await measure('full-text common word (24 h, ~12%)', '—', ['furnace', 'conveyor', 'invoice', 'pallet'].map((w) => `/api/search?q=${w}&from=now-24h&limit=50`))
  await measure('services (24 h)', '—', ['/api/services?from=now-24h'])
  console.log(`\nserver max RSS: ${maxRss.toFixed(0)} MB (target ≤ 1,536 MB)`)
} finally {
  clearInterval(rssTimer)
  child.proc.kill('SIGTERM')
  await new Promise((r) => child.proc.once('exit', r))
  if (!process.env.BENCH_DATA_DIR) rmSync(dataDir, { recursive: true, force: true })
}

// Each receiver's records/s on a fresh server (bench/receivers.ts; alone: npm run bench:receivers).
if (process.env.BENCH_RECEIVERS !== '0') await runReceiverBench()
