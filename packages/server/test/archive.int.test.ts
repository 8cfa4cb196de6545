import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { listPartitions } from '../src/retention/partitions.ts'
import { exportPartition, stagingTable } from '../src/archive/writer.ts'
import { objectKey } from '../src/archive/target.ts'
import { startLocalS3, type LocalS3 } from './test-utils.ts'
import { dayAgo, hotDays, seedLogs, seedSpans } from './retention-helpers.ts'

// Archive to a real S3 API (s3rver) on localhost: archive first then drop, list, verify, search in
// place, restore, expiry of old objects, a crash in the middle of a run, S3 down during a run.
const SECRET = 'sup3r-s3cret-never-logged'
let s3: LocalS3
let t: TestBeacon
const logLines: string[] = []

before(async () => {
  s3 = await startLocalS3()
  t = await startTestBeacon({
    env: {
      BEACON_ARCHIVE_URL: `s3://${s3.bucket}/beacon`, BEACON_ARCHIVE_S3_ENDPOINT: s3.endpoint,
      BEACON_ARCHIVE_S3_ACCESS_KEY: 'S3RVER', BEACON_ARCHIVE_S3_SECRET_KEY: 'S3RVER',
      BEACON_RETENTION_DAYS: '3', BEACON_RETENTION_CHECK_SECONDS: '3600',
    },
    logLevel: 'info',
    logDestination: { write: (line) => { logLines.push(line) } },
  })
})
after(async () => { await t?.stop(); await s3?.stop() })

const run = async () => (await t.api('/api/admin/archive/run', { method: 'POST' })).body

test('expired days are archived to S3 as Parquet with a manifest, then leave hot storage; recent days stay', async () => {
  for (const [svc, n] of [['shop-api', 500], ['crm-api', 300]] as const) {
    for (const d of [0, 1, 5, 6]) await seedLogs(t.store, svc, d, n + d)
    await seedSpans(t.store, svc, 6, 200)
  }
  const report = await run()
  assert.equal(report.ok, true, JSON.stringify(report.errors))
  // (The first scheduled pass, two seconds after start, may have done part of it: count the archive.)
  assert.equal((await t.api('/api/admin/archive')).body.objects.length, 6) // 2 services × days 5, 6 (logs) + 2 × day 6 (spans)
  assert.deepEqual(await hotDays(t.store, 'shop-api'), { [dayAgo(1)]: 501, [dayAgo(0)]: 500 })
  assert.deepEqual(await hotDays(t.store, 'shop-api', 'otel_traces'), {})

  const list = await t.api('/api/admin/archive?service=shop-api')
  assert.equal(list.status, 200)
  const objects = list.body.objects as { key: string; signal: string; day: string; rows: number; bytes: number; sha256: string; schemaVersion: number; minTime: string; maxTime: string }[]
  assert.deepEqual(objects.map((o) => [o.signal, o.day, o.rows]).sort(), [['logs', dayAgo(5), 505], ['logs', dayAgo(6), 506], ['spans', dayAgo(6), 200]].sort())
  for (const o of objects) {
    assert.match(o.sha256, /^[0-9a-f]{64}$/)
    assert.ok(o.bytes > 0 && o.schemaVersion >= 302)
    assert.ok(o.minTime.startsWith(o.day) && o.maxTime.startsWith(o.day), `${o.minTime} ${o.maxTime} within ${o.day}`)
  }
  const verify = await t.api('/api/admin/archive/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  assert.equal(verify.body.ok, true, JSON.stringify(verify.body))
  assert.equal(verify.body.checked, 6)
  // A rerun archives nothing more and duplicates nothing.
  const again = await run()
  assert.equal(again.archivedObjects, 0)
  assert.equal((await t.api('/api/admin/archive')).body.objects.length, 6)
})

test('scope=archive searches the Parquet objects in place, reading only days and services that can match', async () => {
  const q = (params: Record<string, string>) => t.api(`/api/search?${new URLSearchParams({ from: 'now-8d', to: 'now', limit: '5', ...params })}`)
  const arch = await q({ scope: 'archive', q: 'service:shop-api' })
  assert.equal(arch.status, 200, JSON.stringify(arch.body))
  assert.equal(arch.body.total, 505 + 506)
  assert.equal(arch.body.archive.objectsRead, 2)
  assert.match(arch.body.events[0].body, /^archived line shop-api/)
  const order = await q({ scope: 'archive', q: 'order.id:O-7' })
  assert.equal(order.body.total, 4, 'materialized business keys are searchable in the archive')
  const all = await q({ scope: 'all', q: 'service:shop-api' })
  assert.equal(all.body.total, 505 + 506 + 501 + 500)
  const hot = await q({ q: 'service:shop-api' })
  assert.equal(hot.body.total, 1001)
  const spans = await q({ scope: 'archive', target: 'spans', q: 'level:error' })
  assert.equal(spans.body.total, 40)
  const narrow = await t.api(`/api/search?${new URLSearchParams({ scope: 'archive', q: '', from: `${dayAgo(5)}T00:00:00Z`, to: `${dayAgo(5)}T23:59:59Z` })}`)
  assert.ok(narrow.body.archive.days.every((d: string) => d >= dayAgo(6) && d <= dayAgo(4)))
  const bad = await q({ scope: 'cold' })
  assert.equal(bad.status, 400)
})

test('restore brings a day back into hot search and keeps it past the retention; it leaves later without a second copy', async () => {
  const day = dayAgo(6)
  const r = await t.api('/api/admin/archive/restore', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'shop-api', day }) })
  assert.equal(r.status, 200, JSON.stringify(r.body) + logLines.filter((l) => l.includes('"level":50')).join('\n'))
  assert.deepEqual(r.body.restored.map((x: { signal: string; rows: number }) => [x.signal, x.rows]), [['logs', 506], ['spans', 200]])
  assert.equal((await hotDays(t.store, 'shop-api'))[day], 506)
  const [oc] = await t.store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE ServiceName = 'shop-api' AND OrderId = 'O-3' AND toDate(Timestamp) = {d:Date}`, { d: day })
  assert.equal(Number(oc.n), 1, 'business keys computed again on restore')
  await run()
  assert.equal((await hotDays(t.store, 'shop-api'))[day], 506, 'held past the hot retention')
  // Restoring again adds nothing; searching everything counts the day once.
  await t.api('/api/admin/archive/restore', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'shop-api', day }) })
  assert.equal((await hotDays(t.store, 'shop-api'))[day], 506)
  const all = await t.api(`/api/search?${new URLSearchParams({ scope: 'all', q: 'service:shop-api', from: 'now-8d' })}`)
  assert.equal(all.body.total, 505 + 506 + 501 + 500)
  // The hold ends: the day leaves again, with no second object in the archive.
  await t.store.command(`ALTER TABLE beacon_restored_days UPDATE Until = now() - INTERVAL 1 HOUR WHERE 1 SETTINGS mutations_sync = 1`)
  const rep = await run()
  assert.equal(rep.ok, true)
  assert.equal((await hotDays(t.store, 'shop-api'))[day], undefined)
  assert.equal((await t.api('/api/admin/archive?service=shop-api')).body.objects.length, 3)
  const missing = await t.api('/api/admin/archive/restore', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'nobody', day }) })
  assert.equal(missing.status, 404)
})

test('a crash in the middle of a run (object without manifest, archived but not dropped, moved but not dropped): the rerun leaves no duplicate and no missing row', async () => {
  for (const d of [7, 8, 9]) await seedLogs(t.store, 'mes', d, 100 + d)
  const parts = (await listPartitions(t.store)).filter((p) => p.service === 'mes').sort((a, b) => a.day.localeCompare(b.day))
  const [p9, p8, p7] = parts
  // Day 9: the upload was cut off (a broken object, no manifest).
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `beacon/${objectKey('logs', p9.day, 'mes', p9.minBlock, p9.maxBlock)}`, Body: 'PAR1 truncated' }))
  // Day 8: archived (object + manifest) but the process died before the drop.
  const retention = t.beacon.retention
  await exportPartition({ store: t.store, target: retention.target!, stagingDir: join(t.dataDir, 'archive-staging'), schemaVersion: async () => 302 }, p8)
  // Day 7: archived and moved out of the hot table, died before the drop there.
  await exportPartition({ store: t.store, target: retention.target!, stagingDir: join(t.dataDir, 'archive-staging'), schemaVersion: async () => 302 }, p7)
  await t.store.command(`CREATE TABLE IF NOT EXISTS ${stagingTable('logs')} AS otel_logs`)
  await t.store.command(`ALTER TABLE otel_logs MOVE PARTITION ID {pid:String} TO TABLE ${stagingTable('logs')}`, { pid: p7.partitionId })

  const rep = await run()
  assert.equal(rep.ok, true, JSON.stringify(rep.errors))
  assert.deepEqual(await hotDays(t.store, 'mes'), {})
  const objects = (await t.api('/api/admin/archive?service=mes')).body.objects as { day: string; rows: number }[]
  assert.deepEqual(objects.map((o) => [o.day, o.rows]).sort(), [[dayAgo(7), 107], [dayAgo(8), 108], [dayAgo(9), 109]].sort())
  const verify = await t.api('/api/admin/archive/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'mes' }) })
  assert.equal(verify.body.ok, true, JSON.stringify(verify.body))
  const search = await t.api(`/api/search?${new URLSearchParams({ scope: 'archive', q: 'service:mes', from: 'now-10d' })}`)
  assert.equal(search.body.total, 107 + 108 + 109)
  const tables = (await t.store.query<{ n: string }>(`SELECT count() AS n FROM ${stagingTable('logs')}`).catch(() => [{ n: '0' }]))
  assert.equal(Number(tables[0].n), 0)
})

test('S3 down during a run: nothing leaves hot storage, the failure is reported and retried; credentials appear nowhere', async () => {
  await seedLogs(t.store, 'rabbitmq', 10, 50)
  await s3.stop()
  const rep = await run()
  assert.equal(rep.ok, false)
  assert.ok(rep.keptUnarchived >= 1)
  assert.deepEqual(await hotDays(t.store, 'rabbitmq'), { [dayAgo(10)]: 50 })
  const health = await t.api('/api/health')
  assert.equal(health.body.status, 'degraded')
  assert.equal(health.body.retention.archive.healthy, false)
  assert.ok(health.body.retention.archive.nextAttemptAt)
  const storage = await t.api('/api/admin/storage')
  assert.equal(storage.body.archive.healthy, false)
  assert.equal(storage.body.lastRun.ok, false)
  for (const text of [JSON.stringify(rep), JSON.stringify(health.body), JSON.stringify(storage.body), ...logLines]) {
    assert.ok(!text.includes('S3RVER') && !text.includes(SECRET), `no credentials in: ${text.slice(0, 200)}`)
  }
  assert.ok(logLines.some((l) => l.includes('archive failed')), 'the failure is logged')

  await s3.restart()
  const ok = await run()
  assert.equal(ok.ok, true, JSON.stringify(ok.errors))
  assert.deepEqual(await hotDays(t.store, 'rabbitmq'), {})
  assert.equal((await t.api('/api/health')).body.retention.archive.healthy, true)
})

test('objects older than the archive retention are deleted, and each deletion is audited', async () => {
  await seedLogs(t.store, 'legacy', 400, 20)
  const rep = await run()
  assert.equal(rep.ok, true, JSON.stringify(rep.errors))
  assert.equal(rep.expiredObjects, 1)
  assert.deepEqual(await hotDays(t.store, 'legacy'), {})
  assert.equal((await t.api('/api/admin/archive?service=legacy')).body.objects.length, 0)
  await t.beacon.flush()
  // (Reading /api/audit needs the auditor role; the entries are read from the append-only table.)
  const entries = await t.store.query<{ actor: string; target: string; rows: string }>(`SELECT actor, target, rows FROM beacon_audit WHERE action = 'archive.delete'`)
  assert.ok(entries.some((e) => e.target.includes('service=legacy') && e.actor === 'system' && Number(e.rows) === 20), JSON.stringify(entries))
})

test('storage report: per service and signal rows, bytes, compression, days, cap usage, archive objects', async () => {
  const s = await t.api('/api/admin/storage')
  assert.equal(s.status, 200)
  const shop = s.body.signals.find((x: { service: string; signal: string }) => x.service === 'shop-api' && x.signal === 'logs')
  assert.equal(shop.rows, 1001)
  assert.equal(shop.daysKept, 2)
  assert.equal(shop.oldestHotDay, dayAgo(1))
  assert.equal(shop.retentionDays, 3)
  assert.equal(shop.archiveObjects, 2)
  assert.ok(shop.bytes > 0 && shop.compression > 0)
  const svc = s.body.services.find((x: { service: string }) => x.service === 'shop-api')
  assert.equal(svc.capBytes, 100 * 1024 ** 3)
  assert.equal(s.body.archive.target, `s3://${s3.bucket}/beacon`)
  writeFileSync(join(t.dataDir, 'storage.json'), JSON.stringify(s.body))
})
