import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestBeacon, type TestBeacon } from '../testing.ts'
import { startReceiver, testSpan, sleep, waitFor, type Receiver } from './test-utils.ts'
import { PENDING_PUBLISHES_TABLE } from './tables.ts'

/**
 * Lost-message detection survives a restart: a RabbitMQ publish waiting for its consumer is kept in
 * ClickHouse, so stopping Beacon (a deploy, a crash) does not forget it; with no consumer it is
 * still reported after the restart, once. A consumer that did arrive (before the stop) settles it.
 */

let tb: TestBeacon
let dataDir: string
let hook: Receiver
const env = { BEACON_ALERT_ALLOW_NETWORKS: '127.0.0.0/8' }
const overrides = { 'alerts.detectors': { lost_messages: { windowSeconds: 10 }, ops_jump: false, orders_created: false } }
const LOST = '5a'.repeat(16)
const DELIVERED = '6b'.repeat(16)
const LATE = '7c'.repeat(16)

const publish = (traceId: string, kind: 'Producer' | 'Consumer') => testSpan({
  kind, traceId, serviceName: kind === 'Producer' ? 'crm-api' : 'mes-worker', name: kind === 'Producer' ? 'production publish' : 'production process',
  a: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'production' },
})
async function ingest(spans: ReturnType<typeof testSpan>[]): Promise<void> {
  const out = await tb.beacon.ingest.submit({ id: `l-${Math.random()}`, source: 'test', logs: [], spans, rejected: 0 })
  assert.equal(out.status, 'ok')
}
const lostAlerts = (): any[] => hook.received.filter((r) => r.json?.status === 'firing' && r.json.rule?.name === 'Messages lost between CRM and MES')

before(async () => {
  hook = await startReceiver()
  dataDir = mkdtempSync(join(tmpdir(), 'beacon-lost-'))
  tb = await startTestBeacon({ dataDir, env, overrides })
  const c = await tb.api('/api/alerts/channels', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'hook', type: 'webhook', url: `${hook.url}/x`, default: true }) })
  assert.equal(c.status, 201)
})

after(async () => {
  await tb.stop()
  rmSync(dataDir, { recursive: true, force: true })
  await hook.close()
})

test('a publish pending at a restart is still reported when no consumer comes; consumed ones are not', async () => {
  await ingest([publish(LOST, 'Producer'), publish(DELIVERED, 'Producer'), publish(LATE, 'Producer')])
  await tb.beacon.alerts!.persist()
  // DELIVERED's consumer arrives after its publish was written as pending, before the stop.
  await ingest([publish(DELIVERED, 'Consumer')])
  await tb.flush()
  const pending = await tb.store.query<{ trace_id: string; deleted: number }>(`SELECT trace_id, deleted FROM ${PENDING_PUBLISHES_TABLE} FINAL ORDER BY trace_id`)
  assert.deepEqual(pending.map((p) => p.trace_id), [LOST, DELIVERED, LATE].sort())

  await tb.stop({ keepData: true })
  tb = await startTestBeacon({ dataDir, env, overrides })
  const engine = tb.beacon.alerts!
  const rt = [...engine.runtimes.values()].find((r) => r.rule.builtin === 'lost_messages')!
  assert.deepEqual([...rt.published!.keys()].sort(), [LOST, LATE].sort(), 'the stored consumer span settled DELIVERED at load')
  // LATE's consumer was still in an SDK's retry buffer: it arrives after the restart, in time.
  await ingest([publish(LATE, 'Consumer')])
  // Nothing is reported before a restarted publish has had its grace minute... (window 10 s here)
  await engine.tick()
  await sleep(300)
  assert.equal(lostAlerts().length, 0)
  // ...then the one with no consumer is, once.
  for (const p of rt.published!.values()) p.ms -= 60_000
  await engine.tick()
  const got = await waitFor(() => lostAlerts()[0], 3000, 'the lost-message alert after the restart')
  assert.equal(got.json.alerts.length, 1)
  assert.equal(got.json.alerts[0].sample.traceId, LOST)
  assert.deepEqual(got.json.alerts[0].labels, { destination: 'production' })
  await engine.tick()
  await sleep(300)
  assert.equal(lostAlerts().length, 1)
  const left = await tb.store.query<{ trace_id: string }>(`SELECT trace_id FROM ${PENDING_PUBLISHES_TABLE} FINAL WHERE deleted = 0`)
  assert.deepEqual(left, [], 'settled publishes are tombstoned')
})
