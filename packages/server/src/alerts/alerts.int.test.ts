import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestBeacon, type TestBeacon } from '../testing.ts'
import { startReceiver, testLog, testSpan, waitFor, sleep, type Receiver } from './test-utils.ts'
import { signature } from './channels/webhook.ts'
import { CHANNELS_TABLE } from './tables.ts'

let tb: TestBeacon
let dataDir: string
let telegram: Receiver
let slack: Receiver
let hook: Receiver
const BOT = '123456:ABCDEFGHIJKLMNOPQRSTUV'
const env = { BEACON_ALERT_ALLOW_NETWORKS: '127.0.0.0/8', BEACON_PUBLIC_URL: 'https://beacon.example.com' }
// Short windows so the detectors can be driven within a test; thresholds stay as shipped.
const overrides = { 'alerts.detectors': { lost_messages: { windowSeconds: 10 }, ops_jump: false, orders_created: false } }

async function post(path: string, body: unknown, method = 'POST'): Promise<{ status: number; body: any }> {
  return tb.api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

async function ingest(logs = [testLog()], spans = [testSpan()].slice(0, 0)): Promise<number> {
  const out = await tb.beacon.ingest.submit({ id: `t-${Math.random()}`, source: 'test', logs, spans, rejected: 0 })
  assert.equal(out.status, 'ok')
  return Date.now()
}

const firingTexts = (r: Receiver): string[] => r.received.map((x) => String(x.json?.text ?? ''))

before(async () => {
  ;[telegram, slack, hook] = await Promise.all([startReceiver(), startReceiver(), startReceiver()])
  dataDir = mkdtempSync(join(tmpdir(), 'beacon-alerts-'))
  tb = await startTestBeacon({ dataDir, env, overrides })
})

after(async () => {
  await tb.stop()
  rmSync(dataDir, { recursive: true, force: true })
  await Promise.all([telegram.close(), slack.close(), hook.close()])
})

test('channels: created with secrets encrypted at rest and never returned in full', async () => {
  const tg = await post('/api/alerts/channels', { name: 'oncall-telegram', type: 'telegram', botToken: BOT, chatId: '-100200300', apiBaseUrl: telegram.url, default: true })
  assert.equal(tg.status, 201, JSON.stringify(tg.body))
  const sl = await post('/api/alerts/channels', { name: 'slack-ops', type: 'slack', url: `${slack.url}/services/T000/B000/XXXXSECRETXXXX` })
  assert.equal(sl.status, 201)
  const wh = await post('/api/alerts/channels', { name: 'hook', type: 'webhook', url: `${hook.url}/beacon`, signingSecret: 'hmac-secret-1234' })
  assert.equal(wh.status, 201)
  const list = await tb.api('/api/alerts/channels')
  const text = JSON.stringify(list.body)
  assert.ok(!text.includes(BOT) && !text.includes('XXXXSECRETXXXX') && !text.includes('hmac-secret-1234'), text)
  const rows = await tb.store.query<{ secret: string; spec: string }>(`SELECT secret, spec FROM ${CHANNELS_TABLE}`)
  for (const r of rows) {
    assert.match(r.secret, /^enc:v1:/)
    assert.ok(!r.spec.includes(BOT) && !r.spec.includes('SECRET'))
  }
  const bad = await post('/api/alerts/channels', { name: 'x', type: 'telegram', botToken: 'nope', chatId: 'abc' })
  assert.equal(bad.status, 400)
  assert.match(bad.body.message, /botToken/)
})

test('send test reaches the receiver', async () => {
  const res = await post('/api/alerts/channels/hook/test', {})
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.equal(res.body.ok, true)
  const got = hook.received.at(-1)!
  assert.equal(got.json.status, 'test')
  // HMAC-SHA256 over "<timestamp>.<body>" with the signing secret.
  assert.equal(got.headers['x-beacon-signature'], signature('hmac-secret-1234', String(got.headers['x-beacon-timestamp']), got.body))
})

test('an instant FATAL reaches Telegram within 2 s of the ingest acknowledgement, escaped, with UI links', async () => {
  const before = telegram.received.length
  const acked = await ingest([testLog({ serviceName: 'mes-worker', severityText: 'FATAL', severityNumber: 21, body: 'press <P-7> jammed & stopped', traceId: 'ef'.repeat(16), a: { 'order.id': 'ORD-9' } })])
  const got = await waitFor(() => telegram.received[before], 2000, 'the FATAL at the Telegram receiver')
  const latency = got.at - acked
  assert.ok(latency < 2000, `latency ${latency} ms`)
  assert.equal(got.path, `/bot${BOT}/sendMessage`)
  assert.equal(got.json.parse_mode, 'HTML')
  assert.equal(got.json.chat_id, '-100200300')
  const text: string = got.json.text
  assert.ok(text.length <= 4096)
  assert.match(text, /press &lt;P-7&gt; jammed &amp; stopped/)
  assert.match(text, /FATAL/)
  assert.match(text, /href="https:\/\/beacon\.example\.com\/search\?q=/)
  assert.match(text, /https:\/\/beacon\.example\.com\/traces\/efefef/)
  assert.match(text, /https:\/\/beacon\.example\.com\/orders\/ORD-9/)
  // A second FATAL of the same service is the same alert: no second message.
  await ingest([testLog({ serviceName: 'mes-worker', severityText: 'FATAL', severityNumber: 21, body: 'again' })])
  await sleep(500)
  assert.equal(telegram.received.length, before + 1)
  const alerts = await tb.api('/api/alerts')
  const fatal = alerts.body.alerts.find((a: any) => a.ruleId === 'builtin:fatal')
  assert.equal(fatal.state, 'firing')
  assert.equal(fatal.value, 2)
})

test('bad rules get 400 with the position of the problem', async () => {
  const q = await post('/api/alerts/rules', { name: 'bad', query: 'service:(shop OR', kind: 'threshold' })
  assert.equal(q.status, 400)
  assert.equal(q.body.error, 'invalid_query')
  assert.equal(typeof q.body.position, 'number')
  const t = await post('/api/alerts/rules', { name: 'bad', query: 'level:error', threshold: 'many' })
  assert.equal(t.status, 400)
  assert.match(t.body.message, /threshold/)
  const c = await post('/api/alerts/rules', { name: 'bad', query: 'level:error', channels: ['nowhere'] })
  assert.equal(c.status, 400)
  assert.match(c.body.message, /nowhere/)
})

test('a windowed 5xx burst rule fires on Slack within 15 s, one message for the services that fired together', async () => {
  const rule = await post('/api/alerts/rules', {
    name: 'HTTP 500 burst', kind: 'threshold', query: 'http.status:>=500', aggregate: 'count', op: '>=', threshold: 5, windowSeconds: 60,
    groupBy: ['service'], channels: ['slack-ops'], severity: 'critical',
  })
  assert.equal(rule.status, 201, JSON.stringify(rule.body))
  const logs = []
  for (const svc of ['shop-api', 'crm-api']) for (let i = 0; i < 6; i++) logs.push(testLog({ serviceName: svc, severityText: 'ERROR', severityNumber: 17, body: `GET /orders 500 boom ${i}`, a: { 'http.response.status_code': '500', 'http.route': '/orders' } }))
  const before = slack.received.length
  const acked = await ingest(logs)
  const got = await waitFor(() => slack.received[before], 15_000, 'the 5xx burst at the Slack receiver')
  assert.ok(got.at - acked <= 15_000, `latency ${got.at - acked} ms`)
  const payload = got.json
  assert.match(payload.text, /FIRING ×2.*HTTP 500 burst/)
  const blocks = payload.attachments[0].blocks
  assert.equal(blocks[0].type, 'header')
  assert.equal(payload.attachments[0].color, '#d32f2f')
  const buttons = blocks.filter((b: any) => b.type === 'actions').flatMap((b: any) => b.elements)
  assert.ok(buttons.some((b: any) => b.url.startsWith('https://beacon.example.com/search?q=')))
  await sleep(300)
  assert.equal(slack.received.length, before + 1)
})

test('silences mute matching alerts (logged as silenced); incidents are still recorded', async () => {
  const s = await post('/api/alerts/silences', { matchers: { service: 'crm-api' }, endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'deploy' })
  assert.equal(s.status, 201, JSON.stringify(s.body))
  const before = telegram.received.length
  await ingest([testLog({ serviceName: 'crm-api', severityText: 'FATAL', severityNumber: 21, body: 'crm crashed' })])
  await sleep(1000)
  assert.ok(!firingTexts(telegram).slice(before).some((t) => t.includes('crm crashed')))
  const del = await tb.api('/api/alerts/deliveries')
  assert.ok(del.body.deliveries.some((d: any) => d.status === 'silenced'))
  const inc = await tb.api('/api/alerts/incidents?status=open&service=crm-api')
  assert.ok(inc.body.incidents.some((i: any) => i.ruleId === 'builtin:fatal'))
})

test('acknowledging an incident records who and when; MTTA/MTTR per service', async () => {
  const inc = await tb.api('/api/alerts/incidents?status=open&service=mes-worker')
  const id = inc.body.incidents[0].id
  const ack = await post(`/api/alerts/incidents/${id}/ack`, { note: 'on it' })
  assert.equal(ack.status, 200, JSON.stringify(ack.body))
  assert.equal(ack.body.status, 'acknowledged')
  assert.ok(ack.body.ackedBy)
  const stats = await tb.api('/api/alerts/incidents/stats')
  const mes = stats.body.services.find((s: any) => s.service === 'mes-worker')
  assert.equal(typeof mes.mttaSeconds, 'number')
})

test('detectors: quiet on steady traffic, then dead letters and a lost RabbitMQ message fire', async () => {
  const before = telegram.received.length
  const steady = []
  for (let i = 0; i < 50; i++) steady.push(testLog({ serviceName: 'shop-api', body: `GET /products 200`, a: { 'http.response.status_code': '200', 'client.address': `10.0.0.${i % 20}` } }))
  await ingest(steady)
  await tb.beacon.alerts!.tick()
  await sleep(300)
  assert.equal(telegram.received.length, before, firingTexts(telegram).slice(before).join('\n'))

  await ingest([testLog({ serviceName: 'mes-worker', severityText: 'WARN', severityNumber: 13, body: 'message dead-lettered', a: { 'event.action': 'message.dead_lettered' } })],
    [testSpan({ kind: 'Producer', traceId: '12'.repeat(16), name: 'production publish', a: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'production' } }),
      testSpan({ kind: 'Producer', traceId: '34'.repeat(16), name: 'production publish', a: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'production' } }),
      testSpan({ kind: 'Consumer', traceId: '34'.repeat(16), serviceName: 'mes-worker', name: 'production process', a: { 'messaging.system': 'rabbitmq' } })])
  await tb.beacon.alerts!.tick()
  await waitFor(() => firingTexts(telegram).slice(before).some((t) => t.includes('dead-lettered')), 3000, 'dead-letter alert')
  await sleep(10_500)
  await tb.beacon.alerts!.tick()
  const lost = await waitFor(() => firingTexts(telegram).slice(before).find((t) => t.includes('Messages lost')), 3000, 'lost-message alert')
  assert.match(lost, /destination=production/)
  assert.equal(firingTexts(telegram).slice(before).filter((t) => t.includes('Messages lost')).length, 1)
})

test('after a restart, firing alerts are not sent again and stay firing', async () => {
  await tb.beacon.alerts!.tick()
  const firing = (await tb.api('/api/alerts')).body.alerts.filter((a: any) => a.state === 'firing').map((a: any) => `${a.ruleId}|${JSON.stringify(a.labels)}`).sort()
  assert.ok(firing.length >= 2)
  await tb.stop({ keepData: true })
  const counts = [telegram.received.length, slack.received.length]
  tb = await startTestBeacon({ dataDir, env, overrides })
  // The 5xx burst is still in its window (rollups resumed): evaluating it must not re-send.
  await tb.beacon.alerts!.tick()
  await sleep(1500)
  assert.deepEqual([telegram.received.length, slack.received.length], counts, firingTexts(slack).concat(firingTexts(telegram)).slice(-3).join('\n'))
  const after = (await tb.api('/api/alerts')).body.alerts.filter((a: any) => a.state === 'firing').map((a: any) => `${a.ruleId}|${JSON.stringify(a.labels)}`).sort()
  for (const f of firing.filter((x: string) => x.startsWith('builtin:fatal') || x.includes('crm-api'))) assert.ok(after.includes(f), `${f} not firing after restart: ${after.join(', ')}`)
})

test('an unreachable channel is retried and reported, and never blocks ingest', async () => {
  hook.status = 500
  const rule = await post('/api/alerts/rules', { name: 'errors to hook', kind: 'instant', query: 'body:unreachable-check', channels: ['hook'] })
  assert.equal(rule.status, 201)
  const t0 = Date.now()
  await ingest([testLog({ body: 'unreachable-check now' })])
  assert.ok(Date.now() - t0 < 1000)
  await waitFor(() => hook.received.filter((r) => r.json?.rule?.name === 'errors to hook').length >= 2, 6000, 'a retry')
  hook.status = 200
  await waitFor(() => hook.received.filter((r) => r.json?.rule?.name === 'errors to hook').length >= 3, 8000, 'delivery after recovery')
  await tb.beacon.alerts!.persist()
  const del = await tb.api('/api/alerts/deliveries?limit=50')
  assert.ok(del.body.deliveries.some((d: any) => d.status === 'retrying' && d.http_status === 500))
  assert.ok(del.body.deliveries.some((d: any) => d.status === 'sent' && d.channel_name === 'hook'))
})

test('CLI: beacon alerts list and silence through the API', async () => {
  const { execFile } = await import('node:child_process')
  const root = new URL('../../../../', import.meta.url).pathname
  // Asynchronous: the server answering the CLI runs in this process.
  const run = (...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> => new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'alerts', ...args, '--api', tb.apiUrl, ...(tb.adminToken ? ['--token', tb.adminToken] : [])],
      { cwd: root, encoding: 'utf8', env: { ...process.env, BEACON_CONFIG: '/dev/null' } },
      (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }))
  })
  const list = await run('list')
  assert.equal(list.status, 0, list.stderr)
  assert.match(list.stdout, /FIRING\s+critical FATAL: a service or equipment failed\s+service=mes-worker/)
  const silence = await run('silence', 'service=shop-api', '--for', '30m', '--comment', 'cli test')
  assert.equal(silence.status, 0, silence.stderr)
  assert.match(silence.stdout, /Silenced until/)
  const silences = await tb.api('/api/alerts/silences')
  assert.ok(silences.body.silences.some((s: any) => s.comment === 'cli test' && s.matchers.service === 'shop-api'))
  const bad = await run('silence', 'service=shop-api', '--for', 'soon')
  assert.equal(bad.status, 2)
})
