/**
 * npm run bench:archive — archive throughput (rows/s written to Parquet and uploaded), Parquet
 * bytes per hot byte, and search in the archive over 30 days (p50, p95), in process on embedded chDB.
 *
 *   BENCH_ARCHIVE_DAYS=30            days of data (all archived: hot retention is 1 day)
 *   BENCH_ARCHIVE_ROWS_PER_DAY=100000 log rows per day, spread over 5 services
 *   BENCH_ARCHIVE_S3=1               archive to a local S3 API (s3rver) instead of a folder
 *   BENCH_ARCHIVE_SEARCHES=10        runs of each search
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestBeacon } from '../packages/server/src/testing.ts'
import { startLocalS3, type LocalS3 } from '../packages/server/test/test-utils.ts'

const DAYS = Number(process.env.BENCH_ARCHIVE_DAYS ?? 30)
const PER_DAY = Number(process.env.BENCH_ARCHIVE_ROWS_PER_DAY ?? 100_000)
const SEARCHES = Number(process.env.BENCH_ARCHIVE_SEARCHES ?? 10)
const USE_S3 = process.env.BENCH_ARCHIVE_S3 === '1'
const SERVICES = ['shop-api', 'crm-api', 'mes-api', 'mes', 'rabbitmq']

const archiveDir = mkdtempSync(join(tmpdir(), 'beacon-bench-archive-'))
let s3: LocalS3 | undefined
if (USE_S3) s3 = await startLocalS3()
const env: Record<string, string> = s3
  ? { BEACON_ARCHIVE_URL: `s3://${s3.bucket}/bench`, BEACON_ARCHIVE_S3_ENDPOINT: s3.endpoint, BEACON_ARCHIVE_S3_ACCESS_KEY: 'S3RVER', BEACON_ARCHIVE_S3_SECRET_KEY: 'S3RVER' }
  : { BEACON_ARCHIVE_URL: `file://${archiveDir}` }
const t = await startTestBeacon({ env: { ...env, BEACON_RETENTION_DAYS: '1', BEACON_RETENTION_CHECK_SECONDS: '3600', BEACON_AUTH: 'off' } })

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`

try {
  // Hold the schedule off while loading: the first pass would start archiving half-loaded days.
  await t.beacon.retention.enforcer.stop()
  const t0 = performance.now()
  for (let d = 1; d <= DAYS; d++) {
    await t.store.command(`INSERT INTO otel_logs (Timestamp, ObservedTimestamp, TraceId, SeverityText, SeverityNumber, ServiceName, Body, LogAttributes)
SELECT toDateTime64(toStartOfDay(now()) - toIntervalDay({d:UInt32}) + toIntervalMillisecond(intDiv(number * 86400000, {n:UInt32})), 9), now64(9),
  lower(hex(MD5(toString(intDiv(number, 7))))), ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR'][number % 5 + 1], [9, 9, 9, 13, 17][number % 5 + 1],
  {svc:Array(String)}[intDiv(number, 3) % 5 + 1],
  concat(['GET', 'POST', 'PUT'][number % 3 + 1], ' /api/orders/', toString(number % 20000), ' ', ['200', '201', '404', '500'][number % 4 + 1],
    ' in ', toString(number % 900), ' ms', if(number % 9973 = 0, ' needle-rare', '')),
  map('order.id', concat('ORD-', toString(number % 50000)), 'user.id', concat('u', toString(number % 3000)), 'http.route', '/api/orders/:id')
FROM numbers({n:UInt32}) SETTINGS insert_deduplicate = 0, insert_deduplication_token = ''`, { d, n: PER_DAY, svc: SERVICES })
  }
  await t.store.command('OPTIMIZE TABLE otel_logs FINAL')
  const [hot] = await t.store.query<{ rows: string; bytes: string }>(`SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND table = 'otel_logs'`)
  console.log(`loaded ${Number(hot.rows).toLocaleString()} rows, ${mb(Number(hot.bytes))} on disk, in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

  const a0 = performance.now()
  const report = await t.beacon.retention.enforcer.run('manual')
  const seconds = (performance.now() - a0) / 1000
  if (!report.ok) throw new Error(`archive run failed: ${report.errors.join('; ')}`)
  const list = await t.api('/api/admin/archive')
  const objects = list.body.objects as { rows: number; bytes: number; hotBytes: number }[]
  const rows = objects.reduce((n, o) => n + o.rows, 0)
  const parquet = objects.reduce((n, o) => n + o.bytes, 0)
  const hotBytes = objects.reduce((n, o) => n + o.hotBytes, 0)
  console.log(`archive (${s3 ? 's3rver' : 'folder'}): ${objects.length} objects, ${rows.toLocaleString()} rows in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds).toLocaleString()} rows/s`)
  console.log(`Parquet (ZSTD) ${mb(parquet)} for ${mb(hotBytes)} hot: ${(parquet / hotBytes).toFixed(2)} Parquet bytes per hot byte`)

  const searches: [string, Record<string, string>][] = [
    [`rare word, ${DAYS} days`, { q: 'needle-rare' }],
    [`service + level, ${DAYS} days`, { q: 'service:shop-api AND level:error' }],
    [`order id, ${DAYS} days`, { q: 'order.id:ORD-4242' }],
  ]
  for (const [name, params] of searches) {
    const times: number[] = []
    let total = 0
    for (let i = 0; i < SEARCHES; i++) {
      const s0 = performance.now()
      const r = await t.api(`/api/search?${new URLSearchParams({ scope: 'archive', from: `now-${DAYS + 1}d`, to: 'now', limit: '100', ...params })}`)
      times.push(performance.now() - s0)
      if (r.status !== 200) throw new Error(`search failed: ${JSON.stringify(r.body)}`)
      total = r.body.total
    }
    console.log(`archive search ${name}: p50 ${pct(times, 0.5).toFixed(0)} ms, p95 ${pct(times, 0.95).toFixed(0)} ms (${total} matches, ${SEARCHES} runs)`)
  }
  console.log('(figures from a shared machine are noise; rerun idle)')
} finally {
  await t.stop()
  await s3?.stop()
  rmSync(archiveDir, { recursive: true, force: true })
}
