/**
 * npm run bench:search-load — do heavy searches starve health, ingest or another user's small search?
 *
 *   1. stores SL_RECORDS ordinary records plus SL_BIG large ones (200 KB bodies, 200 × 15 KB attributes)
 *   2. baseline: health latency, ingest latency (a 100-record OTLP batch until acknowledged), and a
 *      small search by another user, each sampled for SL_SECONDS
 *   3. the same while SL_HEAVY heavy searches run in a loop (match-all over the large records, from
 *      several read keys so the per-user limit is not what holds them back)
 *   4. prints p50 / p95 / max of each, and how the heavy searches were answered (200, 429, 400)
 *
 *   SL_RECORDS=50000 SL_BIG=40 SL_HEAVY=12 SL_SECONDS=10
 * In-process Beacon (embedded chDB) with authentication on. A benchmark, not a test: it prints.
 */
import { startTestBeacon, type TestBeacon } from '../packages/server/src/testing.ts'
import { otlpLogsJson } from '../packages/server/test/test-utils.ts'

const RECORDS = Number(process.env.SL_RECORDS ?? 50_000)
const BIG = Number(process.env.SL_BIG ?? 40)
const HEAVY = Number(process.env.SL_HEAVY ?? 12)
const SECONDS = Number(process.env.SL_SECONDS ?? 10)

const tb: TestBeacon = await startTestBeacon({ overrides: { 'security.login.attemptsPerMinutePerIp': 10_000 } })
const ingestHeaders = { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }

async function ingest(body: string): Promise<number> {
  const t = performance.now()
  const r = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: ingestHeaders, body })
  await r.arrayBuffer()
  if (r.status !== 200) throw new Error(`ingest answered ${r.status}`)
  return performance.now() - t
}

async function readKey(name: string): Promise<string> {
  const r = await tb.api('/api/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'read', name }) })
  return r.body.secret as string
}

async function timed(url: string, token?: string): Promise<{ ms: number; status: number }> {
  const t = performance.now()
  const r = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  await r.arrayBuffer()
  return { ms: performance.now() - t, status: r.status }
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN
  return `p50 ${q(0.5).toFixed(1).padStart(7)} ms   p95 ${q(0.95).toFixed(1).padStart(7)} ms   max ${(s[s.length - 1] ?? NaN).toFixed(1).padStart(7)} ms   (n=${s.length})`
}

/** Samples health, ingest and a small search, one request of each kind at a time, for SECONDS. */
async function sample(smallSearchKey: string): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = { health: [], ingest: [], 'small search (other user)': [] }
  const until = Date.now() + SECONDS * 1000
  let seq = 0
  await Promise.all([
    (async () => { while (Date.now() < until) { out.health.push((await timed(`${tb.apiUrl}/api/health`)).ms); await sleep(50) } })(),
    (async () => { while (Date.now() < until) { out.ingest.push(await ingest(otlpLogsJson('load-ingest', `live-${seq++}`, 100))); await sleep(100) } })(),
    (async () => {
      while (Date.now() < until) {
        out['small search (other user)'].push((await timed(`${tb.apiUrl}/api/search?q=service:tiny&from=now-1h&limit=10`, smallSearchKey)).ms)
        await sleep(100)
      }
    })(),
  ])
  return out
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

console.log(`storing ${RECORDS} records and ${BIG} large ones…`)
for (let i = 0; i < RECORDS; i += 1000) await ingest(otlpLogsJson('load-svc', `ordinary record with some words ${i}`, Math.min(1000, RECORDS - i), (k) => ({ 'order.id': `A-${i + k}` })))
await ingest(otlpLogsJson('tiny', 'tiny', 5))
const bigAttrs = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`a${i}`, 'y'.repeat(15 * 1024)]))
for (let i = 0; i < BIG; i++) await ingest(otlpLogsJson('big-svc', 'b', 1, () => bigAttrs).replace('"b-0"', JSON.stringify(`big ${i} ` + 'x'.repeat(200 * 1024))))
await tb.flush()

const smallKey = await readKey('small')
const heavyKeys = await Promise.all(Array.from({ length: Math.ceil(HEAVY / 4) }, (_, i) => readKey(`heavy-${i}`)))

console.log(`baseline (${SECONDS} s, no other load)…`)
const base = await sample(smallKey)

console.log(`under load: ${HEAVY} heavy searches in a loop…`)
let stop = false
const heavyStatus: Record<number, number> = {}
const heavyMs: number[] = []
const heavy = Array.from({ length: HEAVY }, async (_, i) => {
  while (!stop) {
    const r = await timed(`${tb.apiUrl}/api/search?q=&from=now-1h&limit=1000`, heavyKeys[i % heavyKeys.length])
    heavyStatus[r.status] = (heavyStatus[r.status] ?? 0) + 1
    if (r.status === 200) heavyMs.push(r.ms)
    if (r.status === 429) await sleep(200)
  }
})
await sleep(500)
const loaded = await sample(smallKey)
stop = true
await Promise.all(heavy)
const rss = process.memoryUsage().rss

console.log('\nmachine shared with other work: compare the two blocks, not absolute figures\n')
for (const k of Object.keys(base)) {
  console.log(`${k.padEnd(28)} baseline   ${stats(base[k])}`)
  console.log(`${''.padEnd(28)} under load ${stats(loaded[k])}`)
}
console.log(`${'heavy searches'.padEnd(28)} answered   ${JSON.stringify(heavyStatus)}   200s: ${stats(heavyMs)}`)
console.log(`process RSS at the end: ${(rss / 2 ** 20).toFixed(0)} MiB`)
await tb.stop()
