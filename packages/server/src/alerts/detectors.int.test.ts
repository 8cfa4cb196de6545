import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../testing.ts'
import { startReceiver, testLog, waitFor, sleep, type Receiver } from './test-utils.ts'

/**
 * Built-in detectors and the rule kinds beyond thresholds, driven through the live feed with
 * explicit evaluations (`alerts.tick()`), against a local webhook receiver (the default channel).
 */

let tb: TestBeacon
let hook: Receiver

async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  return tb.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}
async function ingest(logs: ReturnType<typeof testLog>[]): Promise<void> {
  const out = await tb.beacon.ingest.submit({ id: `d-${Math.random()}`, source: 'test', logs, spans: [], rejected: 0 })
  assert.equal(out.status, 'ok')
}
/** Rule names notified as firing since `from`. */
const fired = (from: number): string[] => hook.received.slice(from).filter((r) => r.json?.status === 'firing').map((r) => `${r.json.rule.name}|${r.json.alerts.map((a: any) => JSON.stringify(a.labels)).join(';')}`)
const req = (p: { service?: string; status?: string; ip?: string; hash?: string; route?: string } = {}) => testLog({
  serviceName: p.service ?? 'shop-api', body: `${p.route ?? '/products'} ${p.status ?? '200'}`,
  a: { 'http.response.status_code': p.status ?? '200', 'http.route': p.route ?? '/products', 'client.address': p.ip ?? '203.0.113.5', ...(p.hash ? { 'http.request.body.hash': p.hash } : {}) },
})
async function evaluate(): Promise<void> {
  await tb.beacon.alerts!.tick()
  await sleep(400)
}

before(async () => {
  hook = await startReceiver()
  tb = await startTestBeacon({ env: { BEACON_ALERT_ALLOW_NETWORKS: '127.0.0.0/8' }, overrides: { 'alerts.detectors': { ops_jump: false, orders_created: false } } })
  const c = await post('/api/alerts/channels', { name: 'hook', type: 'webhook', url: `${hook.url}/x`, default: true })
  assert.equal(c.status, 201)
})

after(async () => {
  await tb.stop()
  await hook.close()
})

test('steady traffic: 10 services × normal requests from many clients raise nothing', async () => {
  const from = hook.received.length
  for (let round = 0; round < 3; round++) {
    const logs = []
    for (let i = 0; i < 200; i++) logs.push(req({ service: `svc-${i % 10}`, ip: `198.51.100.${i % 60}`, status: i % 40 === 0 ? '404' : '200', hash: `h${i}` }))
    await ingest(logs)
    await evaluate()
  }
  assert.deepEqual(fired(from), [])
})

test('HTTP 5xx detector: 5 errors of one service in a minute', async () => {
  const from = hook.received.length
  await ingest(Array.from({ length: 6 }, () => req({ service: 'crm-api', status: '503' })))
  await evaluate()
  assert.deepEqual(fired(from).filter((f) => f.startsWith('HTTP 5xx')), ['HTTP 5xx errors|{"service":"crm-api"}'])
})

test('4xx detectors: a service answering mostly 4xx, and one client collecting 4xx', async () => {
  const from = hook.received.length
  const logs = []
  for (let i = 0; i < 40; i++) logs.push(req({ service: 'mes-api', status: i % 4 === 0 ? '200' : '401', ip: '192.0.2.77' }))
  await ingest(logs)
  await evaluate()
  // The rate rule waits `for: 30` s before firing; the per-client count fires at once.
  assert.ok(fired(from).includes('Many invalid requests from one client|{"client.ip":"192.0.2.77"}'), fired(from).join('\n'))
  const state = (await tb.api('/api/alerts')).body.alerts.find((a: any) => a.ruleId === 'builtin:http_4xx_rate')
  assert.equal(state?.state, 'pending')
  assert.deepEqual(state.labels, { service: 'mes-api' })
})

test('identical requests: the same body hash 20 times in a minute', async () => {
  const from = hook.received.length
  await ingest(Array.from({ length: 25 }, (_, i) => req({ service: 'shop-api', hash: 'deadbeefdeadbeef', ip: `198.51.100.${i}` })))
  await evaluate()
  assert.ok(fired(from).some((f) => f.startsWith('Many identical requests|') && f.includes('deadbeefdeadbeef')), fired(from).join('\n'))
})

test('DDoS-like: many requests from one address, and a surge of distinct addresses', async () => {
  const from = hook.received.length
  const logs = []
  for (let i = 0; i < 650; i++) logs.push(req({ ip: '198.18.0.1' }))
  for (let i = 0; i < 520; i++) logs.push(req({ ip: `10.${Math.floor(i / 250)}.${i % 250}.9` }))
  await ingest(logs)
  await evaluate()
  const f = fired(from)
  assert.ok(f.includes('DDoS-like traffic from one client|{"client.ip":"198.18.0.1"}'), f.join('\n'))
  assert.ok(f.some((x) => x.startsWith('Surge of distinct client addresses')), f.join('\n'))
})

test('anomaly: a burst far above the seasonal baseline fires with the expected band; a usual count does not', async () => {
  // Four past weeks at this time of day: ~20 orders per window for both services.
  for (const week of [1, 2, 3, 4]) {
    await tb.store.command(`INSERT INTO otel_logs (Timestamp, ObservedTimestamp, SeverityText, SeverityNumber, ServiceName, Body, LogAttributes)
      SELECT now64(9) - toIntervalSecond(${week} * 604800) - toIntervalMillisecond(number * 100), now64(9), 'INFO', 9, if(number % 2 = 0, 'shop-api', 'crm-api'), 'order created',
        map('event.action', 'order.created') FROM numbers(${38 + week})`)
  }
  const rule = await post('/api/alerts/rules', { name: 'orders anomaly', kind: 'anomaly', query: 'event.action:order.created', windowSeconds: 10, groupBy: ['service'], minCount: 5, anomaly: { direction: 'up', sensitivity: 4 } })
  assert.equal(rule.status, 201, JSON.stringify(rule.body))
  const from = hook.received.length
  const orders = (service: string, n: number) => Array.from({ length: n }, () => testLog({ serviceName: service, body: 'order created', a: { 'event.action': 'order.created' } }))
  await ingest([...orders('shop-api', 200), ...orders('crm-api', 20)])
  await evaluate()
  const got = hook.received.slice(from).find((r) => r.json?.rule?.name === 'orders anomaly')
  assert.ok(got, 'anomaly notified')
  assert.equal(got.json.alerts.length, 1)
  assert.deepEqual(got.json.alerts[0].labels, { service: 'shop-api' })
  const band = got.json.alerts[0].expected
  assert.ok(band.low < 20 && band.high > 21 && band.high < 200, JSON.stringify(band))
  const status = (await tb.api(`/api/alerts/rules/${rule.body.id}`)).body.status
  assert.equal(status.warmingUpGroups, 0)
})

test('new value: a value of a field not seen in the last days fires once; known values do not', async () => {
  await ingest([testLog({ severityText: 'ERROR', severityNumber: 17, body: 'db failed', a: { 'error.type': 'TimeoutError' } })])
  await tb.flush()
  const rule = await post('/api/alerts/rules', { name: 'new error type', kind: 'new_value', query: 'level:error', field: 'error.type', newValueDays: 7 })
  assert.equal(rule.status, 201, JSON.stringify(rule.body))
  const from = hook.received.length
  await ingest([testLog({ severityText: 'ERROR', severityNumber: 17, body: 'again', a: { 'error.type': 'TimeoutError' } })])
  await ingest([testLog({ severityText: 'ERROR', severityNumber: 17, body: 'new!', a: { 'error.type': 'OutOfPaperError' } })])
  await ingest([testLog({ severityText: 'ERROR', severityNumber: 17, body: 'new again', a: { 'error.type': 'OutOfPaperError' } })])
  await waitFor(() => hook.received.slice(from).find((r) => r.json?.rule?.name === 'new error type'), 3000, 'new value alert')
  await sleep(300)
  const alerts = hook.received.slice(from).filter((r) => r.json?.rule?.name === 'new error type')
  assert.equal(alerts.length, 1)
  assert.deepEqual(alerts[0].json.alerts[0].labels, { 'error.type': 'OutOfPaperError' })
})

test('absence: a service that goes silent fires after the window and resolves when it speaks again', async () => {
  const rule = await post('/api/alerts/rules', { name: 'MES silent', kind: 'absence', query: 'service:mes-worker', windowSeconds: 10, groupBy: ['service'] })
  assert.equal(rule.status, 201)
  await ingest([testLog({ serviceName: 'mes-worker', body: 'heartbeat' })])
  const from = hook.received.length
  await evaluate()
  assert.equal(hook.received.slice(from).filter((r) => r.json?.rule?.name === 'MES silent').length, 0)
  await sleep(10_500)
  await evaluate()
  const got = hook.received.slice(from).filter((r) => r.json?.rule?.name === 'MES silent')
  assert.equal(got.length, 1)
  assert.equal(got[0].json.status, 'firing')
  await ingest([testLog({ serviceName: 'mes-worker', body: 'back' })])
  await evaluate()
  assert.ok(hook.received.slice(from).some((r) => r.json?.rule?.name === 'MES silent' && r.json.status === 'resolved'))
})

test('preview: how often a rule would have fired over the last 24 h', async () => {
  const rules = (await tb.api('/api/alerts/rules')).body.rules
  const r = rules.find((x: any) => x.id === 'builtin:http_5xx')
  const p = await post(`/api/alerts/rules/${r.id}/preview?range=24h`, {})
  assert.equal(p.status, 200, JSON.stringify(p.body))
  await tb.flush()
  const again = await post(`/api/alerts/rules/${r.id}/preview?range=24h`, {})
  assert.ok(again.body.firings >= 1, JSON.stringify({ ...again.body, series: undefined }))
  assert.equal(again.body.threshold, 5)
  assert.ok(again.body.series.length > 100)
})
