import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../testing.ts'
import { startReceiver, testLog, sleep, type Receiver } from './test-utils.ts'

/**
 * The storage_cap detector: a service whose stored data reaches 80 % (retention.capWarnPercent) of
 * its size cap is notified on the default channel, from the retention enforcer's own measurement
 * (bytes of its active parts on disk); it resolves when the cap is raised. Services without a cap,
 * or far below it, stay quiet.
 */

let tb: TestBeacon
let hook: Receiver
const RULE = 'Service near its storage size cap'

async function call(path: string, body: unknown, method = 'POST'): Promise<{ status: number; body: any }> {
  return tb.api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}
const notified = (status: string): any[] => hook.received.filter((r) => r.json?.status === status && r.json.rule?.name === RULE)

before(async () => {
  hook = await startReceiver()
  // No cap by default (0); the test sets per-service caps through the retention API.
  tb = await startTestBeacon({ env: { BEACON_ALERT_ALLOW_NETWORKS: '127.0.0.0/8', BEACON_SERVICE_CAP_BYTES: '0' }, overrides: { 'alerts.detectors': { ops_jump: false, orders_created: false } } })
  const c = await call('/api/alerts/channels', { name: 'hook', type: 'webhook', url: `${hook.url}/x`, default: true })
  assert.equal(c.status, 201)
})

after(async () => {
  await tb.stop()
  await hook.close()
})

test('a service at 85 % of its size cap is notified on the default channel, and resolves when the cap is raised', async () => {
  const logs = (service: string) => Array.from({ length: 2000 }, (_, i) => testLog({ serviceName: service, body: `billing run ${i} ${'x'.repeat(i % 97)}`, a: { 'invoice.id': `INV-${i}` } }))
  for (const service of ['billing-api', 'archive-api']) {
    const out = await tb.beacon.ingest.submit({ id: `cap-${service}`, source: 'test', logs: logs(service), spans: [], rejected: 0 })
    assert.equal(out.status, 'ok')
  }
  await tb.flush()
  await tb.beacon.retention.enforcer.run('manual')
  const bytesOf = (s: string): number => tb.beacon.retention.enforcer.status().caps.find((c) => c.service === s)?.bytes ?? 0
  const billing = bytesOf('billing-api')
  assert.ok(billing > 0 && bytesOf('archive-api') > 0)

  // billing-api: its cap such that it stores 85 %; archive-api: a cap far above what it stores.
  let r = await call('/api/admin/retention/services/billing-api', { capBytes: Math.ceil(billing / 0.85) }, 'PUT')
  assert.equal(r.status, 200, JSON.stringify(r.body))
  r = await call('/api/admin/retention/services/archive-api', { capBytes: bytesOf('archive-api') * 10 }, 'PUT')
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const usage = tb.beacon.retention.enforcer.status().caps.find((c) => c.service === 'billing-api')!
  assert.ok(usage.percent >= 80 && usage.percent < 100, JSON.stringify(usage))

  await tb.beacon.alerts!.tick()
  await sleep(500)
  const fired = notified('firing')
  assert.equal(fired.length, 1, JSON.stringify(hook.received.map((x) => x.json?.rule?.name)))
  assert.deepEqual(fired[0].json.alerts.map((a: any) => a.labels), [{ service: 'billing-api' }])
  assert.equal(fired[0].json.alerts[0].value, usage.percent)
  assert.match(fired[0].json.alerts[0].sample.message, /billing-api stores [\d.]+ MB of its [\d.]+ MB size cap/)
  const state = (await tb.api('/api/alerts')).body.alerts.find((a: any) => a.ruleId === 'builtin:storage_cap')
  assert.equal(state.state, 'firing')

  // Still at 85 % on the next evaluations: no second message.
  await tb.beacon.alerts!.tick()
  await sleep(300)
  assert.equal(notified('firing').length, 1)

  r = await call('/api/admin/retention/services/billing-api', { capBytes: billing * 10 }, 'PUT')
  assert.equal(r.status, 200)
  // Resolution is damped: two quiet evaluations.
  for (let i = 0; i < 3 && notified('resolved').length === 0; i++) {
    await sleep(i === 0 ? 0 : 10_000)
    await tb.beacon.alerts!.tick()
    await sleep(300)
  }
  assert.equal(notified('resolved').length, 1)
})
