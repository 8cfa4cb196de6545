import { test } from 'node:test'
import assert from 'node:assert/strict'
import { telegramText, TELEGRAM_LIMIT, escapeHtml } from './channels/telegram.ts'
import { slackPayload } from './channels/slack.ts'
import { networkPolicy } from './channels/http-post.ts'
import type { Notification } from './channels/index.ts'
import { silenceActive, silenceMatches, type Silence } from './silences.ts'
import { AlertStates } from './state.ts'
import { expectedBand, ewmaUpdate, isAnomalous, type EwmaState } from './anomaly.ts'
import { validateRule } from './rule.ts'
import { BeaconError } from '../errors.ts'
import { MAX_GROUPS, RuleRollups, quantile } from './rollups.ts'
import type { Store } from '../store/connection.ts'

const noStore = {} as Store

function notification(n: number, message = 'boom'): Notification {
  return {
    status: 'firing', rule: { id: 'r', name: 'Errors <b>', severity: 'critical', condition: 'count(level:error) >= 5' }, incidentIds: [], sentAt: new Date().toISOString(),
    alerts: Array.from({ length: n }, (_, i) => ({ labels: { service: `svc-${i}` }, value: i, startsAt: new Date().toISOString(), sample: { time: '', service: `svc-${i}`, message }, links: { search: 'https://b/search?q=a&b=c' } })),
  }
}

test('Telegram text escapes HTML and stays within 4,096 characters, summarising the rest', () => {
  const one = telegramText(notification(1, 'x < y && "z"'))
  assert.match(one, /x &lt; y &amp;&amp; &quot;z&quot;/)
  assert.match(one, /Errors &lt;b&gt;/)
  assert.match(one, /href="https:\/\/b\/search\?q=a&amp;b=c"/)
  const many = telegramText(notification(200, 'm'.repeat(600)))
  assert.ok(many.length <= TELEGRAM_LIMIT, String(many.length))
  assert.match(many, /…and \d+ more$/)
  assert.equal(escapeHtml('<&>'), '&lt;&amp;&gt;')
})

test('Slack payload: header with the count, severity colour, one section per alert (capped)', () => {
  const p = slackPayload(notification(12)) as { text: string; attachments: { color: string; blocks: { type: string }[] }[] }
  assert.match(p.text, /FIRING ×12/)
  assert.equal(p.attachments[0].color, '#d32f2f')
  assert.equal(p.attachments[0].blocks.filter((b) => b.type === 'section').length, 10)
})

test('network policy refuses loopback, private and link-local targets unless allowed', () => {
  const strict = networkPolicy([])
  for (const a of ['127.0.0.1', '10.1.2.3', '192.168.0.5', '172.20.1.1', '169.254.169.254', '::1', 'fe80::1', 'fd00::5', '::ffff:127.0.0.1', '0.0.0.0']) assert.equal(strict.allows(a), false, a)
  for (const a of ['8.8.8.8', '149.154.167.220', '2001:4860:4860::8888']) assert.equal(strict.allows(a), true, a)
  const tests = networkPolicy(['127.0.0.0/8'])
  assert.equal(tests.allows('127.0.0.1'), true)
  assert.equal(tests.allows('10.0.0.1'), false)
})

test('silences: one-off windows, recurring maintenance windows across midnight, matchers with prefixes', () => {
  const base: Silence = { id: 's', matchers: { service: 'crm-*', severity: 'critical' }, comment: '', createdBy: 'u', createdAt: '' }
  assert.equal(silenceMatches(base, { service: 'crm-api', severity: 'critical' }), true)
  assert.equal(silenceMatches(base, { service: 'shop-api', severity: 'critical' }), false)
  assert.equal(silenceMatches(base, { service: 'crm-api' }), false)
  const oneOff = { ...base, startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-01T01:00:00Z' }
  assert.equal(silenceActive(oneOff, Date.parse('2026-01-01T00:30:00Z')), true)
  assert.equal(silenceActive(oneOff, Date.parse('2026-01-01T01:00:00Z')), false)
  // Sundays 23:00 UTC for 2 h: still active at Monday 00:30.
  const weekly = { ...base, recurring: { days: [0], start: '23:00', minutes: 120 } }
  assert.equal(silenceActive(weekly, Date.parse('2026-11-29T23:30:00Z')), true) // Sunday
  assert.equal(silenceActive(weekly, Date.parse('2026-11-30T00:30:00Z')), true) // Monday, same window
  assert.equal(silenceActive(weekly, Date.parse('2026-11-30T01:30:00Z')), false)
  assert.equal(silenceActive(weekly, Date.parse('2026-11-28T23:30:00Z')), false) // Saturday
})

test('state machine: pending for `for` seconds, then firing once, re-notify, resolve after the damping period', () => {
  const s = new AlertStates(noStore)
  const o = { forSeconds: 30, renotifySeconds: 600, keepFiringSeconds: 19, acknowledged: false }
  const t0 = 1_000_000
  assert.equal(s.observe('r', 'g', {}, true, 5, t0, o), null)
  assert.equal(s.get('r', 'g')!.state, 'pending')
  assert.equal(s.observe('r', 'g', {}, true, 6, t0 + 10_000, o), null)
  assert.equal(s.observe('r', 'g', {}, true, 7, t0 + 30_000, o), 'firing')
  assert.equal(s.observe('r', 'g', {}, true, 7, t0 + 40_000, o), null)
  assert.equal(s.observe('r', 'g', {}, true, 7, t0 + 630_000, o), 'renotify')
  assert.equal(s.observe('r', 'g', {}, true, 7, t0 + 1_300_000, { ...o, acknowledged: true }), null)
  assert.equal(s.observe('r', 'g', {}, false, 0, t0 + 1_310_000, o), null) // damping: not yet
  assert.equal(s.observe('r', 'g', {}, false, 0, t0 + 1_320_000, o), 'resolved')
  // A pending alert whose condition goes away is dropped without a notification.
  s.observe('r', 'h', {}, true, 1, t0, o)
  assert.equal(s.observe('r', 'h', {}, false, 0, t0 + 5000, o), null)
  assert.equal(s.get('r', 'h'), undefined)
})

test('flapping alerts are damped: after 4 firings in 15 minutes, no more notifications', () => {
  const s = new AlertStates(noStore)
  const o = { forSeconds: 0, renotifySeconds: 0, keepFiringSeconds: 0, acknowledged: false }
  const sent: string[] = []
  let t = 0
  for (let i = 0; i < 6; i++) {
    const a = s.observe('r', 'g', {}, true, 1, (t += 60_000), o)
    const b = s.observe('r', 'g', {}, false, 0, (t += 60_000), o)
    if (a) sent.push(a)
    if (b) sent.push(b)
  }
  assert.deepEqual(sent, ['firing', 'resolved', 'firing', 'resolved', 'firing', 'resolved'])
})

test('anomaly band: seasonal median/MAD when weeks exist, EWMA after warm-up, nothing before', () => {
  const band = expectedBand([100, 110, 90, 105], undefined, 4, 30)!
  assert.equal(band.source, 'seasonal')
  assert.ok(band.low < 100 && band.high > 110 && band.high < 200, JSON.stringify(band))
  assert.equal(isAnomalous(400, band, 'up', 10), true)
  assert.equal(isAnomalous(104, band, 'both', 10), false)
  assert.equal(isAnomalous(0, band, 'down', 10), true)
  const e: EwmaState = { mean: 0, variance: 0, n: 0, lastBucket: 0 }
  for (let i = 0; i < 10; i++) ewmaUpdate(e, 50 + (i % 3), i)
  assert.equal(expectedBand([], e, 4, 30), null) // warming up
  for (let i = 10; i < 40; i++) ewmaUpdate(e, 50 + (i % 3), i)
  const eb = expectedBand([], e, 4, 30)!
  assert.equal(eb.source, 'ewma')
  assert.ok(eb.center > 49 && eb.center < 53)
  assert.equal(isAnomalous(52, eb, 'up', 10), false)
  assert.equal(isAnomalous(150, eb, 'up', 10), true)
})

test('rule validation: query errors carry the position; combinations are checked', () => {
  try { validateRule({ name: 'x', query: 'a AND (b' }); assert.fail('accepted') } catch (err) {
    assert.ok(err instanceof BeaconError)
    assert.equal(err.code, 'invalid_query')
    assert.equal(typeof err.details?.position, 'number')
  }
  assert.throws(() => validateRule({ name: 'x', aggregate: 'distinct' }), /field: required/)
  assert.throws(() => validateRule({ name: 'x', aggregate: 'ratio', threshold: 5 }), /between 0 and 1/)
  assert.throws(() => validateRule({ name: 'x', windowSeconds: 15 }), /multiple of 10/)
  assert.throws(() => validateRule({ name: 'x', bogus: 1 }), /bogus|Unrecognized/)
  assert.equal(validateRule({ name: 'ok', query: 'level:error', groupBy: ['service'] }).spec.windowSeconds, 60)
})

test('rollups merge the intervals of a window per group (count, distinct, percentile)', () => {
  const r = new RuleRollups('r', true, true)
  for (let i = 0; i < 100; i++) r.add(1000 + (i % 30), 'a', { s: 'a' }, String(i))
  r.add(1000, 'b', { s: 'b' }, '5')
  const m = r.merge(1000, 1030)
  assert.equal(m.get('a')!.count, 100)
  assert.equal(m.get('a')!.distinct!.size, 100)
  assert.equal(quantile(m.get('a')!.samples!, 50), 49)
  assert.equal(m.get('b')!.count, 1)
  assert.equal(r.merge(1010, 1030).get('a')!.count, 60)
  r.prune(1025)
  assert.equal(r.merge(0, 2000).get('a')!.count, 30)
})

test('rollups stay bounded under a flood of distinct keys and keep counting the key that repeats', () => {
  const r = new RuleRollups('per-client', false, false)
  // 100,000 client addresses seen once in one interval, and one client sending 100 times among them
  for (let i = 0; i < 100_000; i++) {
    r.add(1000, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, { ip: 'x' }, undefined)
    if (i % 1000 === 0) r.add(1000, '203.0.113.9', { ip: '203.0.113.9' }, undefined)
  }
  const groups = r.intervals.get(1000)!
  assert.ok(groups.size <= MAX_GROUPS, `${groups.size} groups kept`)
  assert.equal(r.merge(1000, 1010).get('203.0.113.9')!.count, 100)
  assert.equal(r.shed + groups.size, 100_001)
})

test('alerts as code: every problem in beacon.config.yaml is listed at start', async () => {
  const { loadConfig } = await import('../config/load.ts')
  const { writeFileSync, mkdtempSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const file = join(mkdtempSync(join(tmpdir(), 'beacon-alerts-cfg-')), 'beacon.config.yaml')
  writeFileSync(file, `alerts:
  detectors:
    nonsense: false
    http_5xx: { threshold: "many" }
  channels:
    - { name: tg, type: telegram, botToken: "bad", chatId: "x" }
  rules:
    - { name: broken, query: "service:(a OR", channels: [tg, missing] }
    - { name: fine, query: "level:error", windowSeconds: 25 }
`)
  try {
    loadConfig({ file, env: {} })
    assert.fail('accepted')
  } catch (err) {
    const m = (err as Error).message
    for (const want of [/no built-in detector nonsense/, /detectors\.http_5xx\.threshold/, /tg: botToken/, /broken: Expected .* at position \d+/, /no channel named "missing"/, /fine: windowSeconds: a multiple of 10/]) {
      assert.match(m, want)
    }
  }
})

test('closed rollup intervals keep their newest records as samples, and labels come from the key', async () => {
  const { buildRuntime } = await import('./runtime.ts')
  const { evaluateRule } = await import('./evaluate.ts')
  const { businessKeysSchema } = await import('../config/schema.ts')
  const { testLog } = await import('./test-utils.ts')
  const rule = { ...validateRule({ name: 'per client', query: 'client.ip:*', threshold: 3, groupBy: ['client.ip'] }).spec, id: 'c', builtin: '', source: 'api' as const, updatedAt: '' }
  const rt = buildRuntime(rule, businessKeysSchema.parse({}))
  const log = (ip: string, body: string) => testLog({ body, serviceName: 'shop', traceId: 'ab'.repeat(16), a: { 'client.address': ip, 'order.id': 'ORD-7' } })
  rt.onRecord(log('10.0.0.1', 'first'), 1000, 1_000_100)
  rt.onRecord(log('10.0.0.1', 'second'), 1001, 1_001_100)
  rt.onRecord(log('10.0.0.1', 'third'), 1002, 1_002_100)
  const closed = rt.rollups!.intervals.get(1000)!.get('10.0.0.1')!
  assert.ok(closed.lastRecord, 'the current interval keeps the record')
  rt.onRecord(log('10.0.0.2', 'next interval'), 1011, 1_011_000)
  assert.equal(closed.lastRecord, undefined)
  assert.equal(closed.labels, null)
  assert.equal(closed.lastSample!.message, 'third')
  const obs = evaluateRule(rt, { ofRule: () => [] } as unknown as AlertStates, 1_012_000, {})
  const one = obs.find((o) => o.groupKey === '10.0.0.1')!
  assert.equal(one.active, true)
  assert.deepEqual(one.labels, { 'client.ip': '10.0.0.1' })
  assert.deepEqual(one.sample, { timeMs: 1_002_100, service: 'shop', message: 'third', traceId: 'ab'.repeat(16), orderId: 'ORD-7' })
  assert.deepEqual(obs.find((o) => o.groupKey === '10.0.0.2')!.labels, { 'client.ip': '10.0.0.2' })
  assert.match(rt.rollups!.closedRows(1010)[0], /client\.ip/)
  // A late record for the closed interval is its newest: the notification shows it, not the old sample.
  rt.onRecord(log('10.0.0.1', 'late'), 1003, 1_013_000)
  const again = evaluateRule(rt, { ofRule: () => [] } as unknown as AlertStates, 1_014_000, {})
  assert.equal(again.find((o) => o.groupKey === '10.0.0.1')!.sample!.message, 'late')
})

test('absence: the last-seen groups stay bounded under a flood of distinct keys and keep the group that keeps sending', async () => {
  const { buildRuntime } = await import('./runtime.ts')
  const { evaluateRule } = await import('./evaluate.ts')
  const { businessKeysSchema } = await import('../config/schema.ts')
  const { testLog } = await import('./test-utils.ts')
  const rule = { ...validateRule({ name: 'client silent', kind: 'absence', query: 'client.ip:*', windowSeconds: 60, groupBy: ['client.ip'] }).spec, id: 'a', builtin: '', source: 'api' as const, updatedAt: '' }
  const rt = buildRuntime(rule, businessKeysSchema.parse({}))
  const log = (ip: string) => testLog({ a: { 'client.address': ip } })
  for (let i = 0; i < 100_000; i++) {
    rt.onRecord(log(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`), 1000)
    if (i % 1000 === 0) rt.onRecord(log('203.0.113.9'), 1000 + i / 1000)
  }
  const seen = rt.lastSeen!
  assert.ok(seen.size <= MAX_GROUPS, `${seen.size} groups kept`)
  assert.equal(seen.shed + seen.size, 100_001)
  assert.deepEqual(seen.get('203.0.113.9'), { ms: 1_099_000, labels: { 'client.ip': '203.0.113.9' }, n: 100 })
  const obs = evaluateRule(rt, { ofRule: () => [] } as unknown as AlertStates, 1_200_000, {})
  assert.equal(obs.find((o) => o.groupKey === '203.0.113.9')!.active, true)
})
