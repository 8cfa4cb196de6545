import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { dayAgo, hotDays, seedLogs, seedSpans } from './retention-helpers.ts'
import { otlpLogsJson } from './test-utils.ts'

// Retention per service and signal through the admin API, size caps per service (few MB, several
// services), backfill older than the retention, the disk guard. Archive in a local folder.
const CAP = 3 * 1024 * 1024
const archiveDir = mkdtempSync(join(tmpdir(), 'beacon-archive-'))
let t: TestBeacon
const logLines: string[] = []

before(async () => {
  t = await startTestBeacon({
    env: { BEACON_ARCHIVE_URL: `file://${archiveDir}`, BEACON_SERVICE_CAP_BYTES: String(CAP), BEACON_RETENTION_CHECK_SECONDS: '3600' },
    logLevel: 'info',
    logDestination: { write: (line) => { logLines.push(line) } },
  })
})
after(async () => { await t?.stop(); rmSync(archiveDir, { recursive: true, force: true }) })

const json = (method: string, body: unknown) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const run = async () => (await t.api('/api/admin/archive/run', { method: 'POST' })).body

test('over its cap, only the offending service loses its oldest days, each archived first; 80 % warns', async () => {
  // ~1 MB of barely compressible text per day for 6 days in one service; small amounts in two others.
  for (let d = 1; d <= 6; d++) await seedLogs(t.store, 'noisy', d, 1000, 1000)
  await seedLogs(t.store, 'noisy', 0, 100, 1000)
  for (let d = 0; d <= 6; d++) { await seedLogs(t.store, 'quiet', d, 50); await seedSpans(t.store, 'quiet', d, 20) }
  await seedLogs(t.store, 'warm', 1, 500, 1000)
  const before = await hotDays(t.store, 'quiet')
  // 'warm' gets its own cap (an override), set so that it sits at ~85 % of it.
  const [w] = await t.store.query<{ b: string }>(`SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE active AND table = 'otel_logs' AND partition LIKE '%warm%'`)
  const warmCap = Math.ceil(Number(w.b) / 0.85)
  const put = await t.api('/api/admin/retention/services/warm', json('PUT', { capBytes: warmCap }))
  assert.equal(put.status, 200, JSON.stringify(put.body))
  const rep = await run()
  assert.equal(rep.ok, true, JSON.stringify(rep.errors))

  const storage = (await t.api('/api/admin/storage')).body
  const noisy = storage.services.find((s: { service: string }) => s.service === 'noisy')
  assert.ok(noisy.bytes <= CAP, `noisy ${noisy.bytes} <= ${CAP}`)
  const left = await hotDays(t.store, 'noisy')
  const days = Object.keys(left).sort()
  assert.equal(days[days.length - 1], dayAgo(0), 'the newest day stays')
  assert.ok(!(dayAgo(6) in left) && !(dayAgo(5) in left), `the oldest days went first: ${days}`)
  for (let i = 1; i < days.length; i++) assert.ok(days[i] > days[i - 1])
  // Every day that left is in the archive, whole.
  const archived = readdirSync(join(archiveDir, 'logs'), { recursive: true }).map(String).filter((k) => k.includes('service=noisy') && k.endsWith('.parquet'))
  const gone = [1, 2, 3, 4, 5, 6].map(dayAgo).filter((d) => !(d in left))
  assert.ok(gone.length >= 2)
  for (const d of gone) assert.ok(archived.some((k) => k.includes(`day=${d}`)), `day ${d} archived before it left`)
  const list = (await t.api('/api/admin/archive?service=noisy')).body.objects as { day: string; rows: number }[]
  for (const d of gone) assert.equal(list.find((o) => o.day === d)?.rows, 1000)
  // Their per-minute rollups left with them (histograms and /api/services count only what is held).
  const rolled = await t.store.query<{ d: string }>(`SELECT DISTINCT toString(toDate(Minute)) AS d FROM beacon_logs_1m WHERE ServiceName = 'noisy'`)
  for (const d of gone) assert.ok(!rolled.some((r) => r.d === d), `rollup of day ${d} dropped with it`)
  // The other services keep everything.
  assert.deepEqual(await hotDays(t.store, 'quiet'), before)
  assert.equal((await hotDays(t.store, 'warm'))[dayAgo(1)], 500, JSON.stringify(storage.services))
  const warm = storage.services.find((s: { service: string }) => s.service === 'warm')
  assert.equal(warm.capBytes, warmCap)
  assert.equal(warm.capWarning, true, `warm at ${warm.capPercent}%`)
  assert.ok(logLines.some((l) => l.includes('"service":"warm"') && l.includes('of its size cap')), 'a warning is logged at 80 %')
})

test('a retention change through the admin API applies to stored data at once, per service and signal; it is audited', async () => {
  const r = await t.api('/api/admin/retention/services/quiet', json('PUT', { logsDays: 3 }))
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.equal(r.body.logsDays, 3)
  assert.equal(r.body.spansDays, 30)
  assert.deepEqual(Object.keys(await hotDays(t.store, 'quiet')).sort(), [dayAgo(2), dayAgo(1), dayAgo(0)].sort())
  assert.equal(Object.keys(await hotDays(t.store, 'quiet', 'otel_traces')).length, 7, 'spans keep their own retention')
  const cfg = await t.api('/api/admin/retention')
  assert.equal(cfg.body.effective.find((e: { service: string }) => e.service === 'quiet').logsDays, 3)
  const bad = await t.api('/api/admin/retention/services/quiet', json('PUT', { logsDays: 0 }))
  assert.equal(bad.status, 400)
  await t.beacon.flush()
  const audit = await t.store.query<{ target: string }>(`SELECT target FROM beacon_audit WHERE action = 'retention.update'`)
  assert.ok(audit.some((a) => a.target.includes('quiet')))
  const cleared = await t.api('/api/admin/retention/services/quiet', { method: 'DELETE' })
  assert.equal(cleared.body.logsDays, 30)
})

test('backfill: records as old as the hot retention are stored; older ones are refused and the response says so', async () => {
  const now = BigInt(Date.now()) * 1_000_000n
  const day = 86_400_000_000_000n
  const body = JSON.parse(otlpLogsJson('backfill', 'bf', 3))
  const recs = body.resourceLogs[0].scopeLogs[0].logRecords
  recs[0].timeUnixNano = String(now - 2n * day)
  recs[1].timeUnixNano = String(now - 40n * day)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (t.ingestKey) headers.authorization = `Bearer ${t.ingestKey}`
  const res = await fetch(`${t.otlpUrl}/v1/logs`, { method: 'POST', headers, body: JSON.stringify(body) })
  assert.equal(res.status, 200)
  const answer = await res.json() as { partialSuccess?: { rejectedLogRecords: string; errorMessage: string } }
  assert.equal(answer.partialSuccess?.rejectedLogRecords, '1')
  assert.match(answer.partialSuccess!.errorMessage, /older than the hot retention/)
  await t.flush()
  const days = await hotDays(t.store, 'backfill')
  assert.equal(Object.values(days).reduce((a, b) => a + b, 0), 2)
  assert.ok(dayAgo(2) in days)
})

test('one batch spanning many day × service partitions (backfill of 25 days from 6 services) is stored', async () => {
  const now = BigInt(Date.now()) * 1_000_000n
  const day = 86_400_000_000_000n
  const resourceLogs = Array.from({ length: 6 }, (_, s) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: `wide-${s}` } }] },
    scopeLogs: [{ scope: { name: 'test' }, logRecords: Array.from({ length: 25 }, (_, d) => ({
      timeUnixNano: String(now - BigInt(d) * day), severityText: 'INFO', severityNumber: 9, body: { stringValue: `wide ${s} ${d}` },
    })) }],
  }))
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (t.ingestKey) headers.authorization = `Bearer ${t.ingestKey}`
  const res = await fetch(`${t.otlpUrl}/v1/logs`, { method: 'POST', headers, body: JSON.stringify({ resourceLogs }) })
  assert.equal(res.status, 200)
  await t.flush()
  const [r] = await t.store.query<{ n: string; p: string }>(`SELECT count() AS n, uniqExact(_partition_id) AS p FROM otel_logs WHERE startsWith(ServiceName, 'wide-')`)
  assert.equal(Number(r.n), 150)
  assert.equal(Number(r.p), 150)
})

test('disk guard: when the volume is nearly full ingest answers 503 with Retry-After and /api/health says why', async () => {
  const guard = t.beacon.retention.guard
  const real = guard.statfs
  guard.statfs = () => ({ bavail: 1000, bsize: 4096, blocks: 10_000_000 })
  guard.sample()
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (t.ingestKey) headers.authorization = `Bearer ${t.ingestKey}`
    const res = await fetch(`${t.otlpUrl}/v1/logs`, { method: 'POST', headers, body: otlpLogsJson('full', 'x', 1) })
    assert.equal(res.status, 503)
    assert.ok(Number(res.headers.get('retry-after')) > 0)
    assert.match(await res.text(), /almost full/)
    const health = await t.api('/api/health')
    assert.equal(health.body.status, 'degraded')
    assert.match(health.body.retention.disk.ingestRefused, /almost full/)
  } finally {
    guard.statfs = real
    guard.sample()
  }
  assert.equal((await t.api('/api/health')).body.retention.disk.ingestRefused, null)
})

test('beacon archive list | verify | run talk to the running server', async () => {
  const { execFile } = await import('node:child_process')
  const { repoRoot } = await import('./test-utils.ts')
  const cli = (...args: string[]) => new Promise<{ code: number; out: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'archive', ...args, '--api', t.apiUrl, ...(t.adminToken ? ['--token', t.adminToken] : [])],
      { cwd: repoRoot, env: { ...process.env, BEACON_CONFIG: '/dev/null' } }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }))
  })
  const list = await cli('list', '--service', 'noisy', '--json')
  assert.equal(list.code, 0, list.out)
  assert.ok((JSON.parse(list.out).objects as unknown[]).length >= 2)
  const verify = await cli('verify', '--service', 'noisy')
  assert.equal(verify.code, 0, verify.out)
  assert.match(verify.out, /^ok: \d+ objects checked/)
  const runOut = await cli('run')
  assert.equal(runOut.code, 0, runOut.out)
  assert.match(runOut.out, /^ok: /)
  const restore = await cli('restore', '--service', 'noisy')
  assert.equal(restore.code, 1)
  assert.match(restore.out, /needs --service and --day/)
})
