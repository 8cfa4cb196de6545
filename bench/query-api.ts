/**
 * The query phase of `npm run bench` alone, on a copy of a filled data directory
 * (`BENCH_DATA_DIR=… npm run bench` keeps one): each issue-13 query figure through the HTTP API
 * with its engine floor, as the directory is (no OPTIMIZE). For before/after comparisons of code,
 * run it alternately from two checkouts on the same directory.
 *
 *   QUERY_API_DIR=/tmp/beacon-filled node --import tsx bench/query-api.ts
 *   QUERY_API_IN_PLACE=1 …   use the directory itself (keeps what the migrations did to it)
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startQueryBench } from './queries.ts'

const src = process.env.QUERY_API_DIR ?? '/tmp/beacon-filled'
const runs = Number(process.env.QUERY_API_RUNS ?? 20)
const inPlace = process.env.QUERY_API_IN_PLACE === '1'
const dir = inPlace ? src : mkdtempSync(join(tmpdir(), 'beacon-qapi-'))
if (!inPlace) cpSync(join(src, 'clickhouse'), join(dir, 'clickhouse'), { recursive: true })
const t = performance.now()
const q = await startQueryBench(dir)
console.log(`started on a copy of ${src} in ${((performance.now() - t) / 1000).toFixed(1)} s (migrations included); load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`)
try {
  const sample = await q.api('/api/search?q=level:error&from=now-24h&limit=100')
  const orders: string[] = sample.events.map((e: any) => e.orderId).filter(Boolean).slice(0, 20)
  const traces: string[] = sample.events.map((e: any) => e.traceId).filter(Boolean).slice(0, 20)
  await q.measure('order id search, 24 h', '≤ 25 ms', orders.map((o) => `/api/search?q=${encodeURIComponent(`order.id:${o}`)}&from=now-24h&limit=50`), runs)
  await q.measure('trace by id (log-only traces)', '≤ 15 ms', traces.map((id) => `/api/traces/${id}`), runs)
  await q.measure('24 h histogram + count + first page', '≤ 80 ms', ['/api/search?q=&from=now-24h&limit=50'], runs)
  await q.measure('rare full-text word, 24 h', '≤ 60 ms', ['E1234', 'E2345', 'E3456', 'E4567'].map((w) => `/api/search?q=${w}&from=now-24h&limit=50`), runs)
  await q.measure('services over 24 h', '≤ 30 ms', ['/api/services?from=now-24h'], runs)
} finally {
  await q.close()
  if (!inPlace) rmSync(dir, { recursive: true, force: true })
}
