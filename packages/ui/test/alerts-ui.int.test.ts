import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { Browser } from 'playwright-core'
import { startTestBeacon, type TestBeacon } from '@beacon/server/testing'
import { ensureUiBuilt, launchChromium, login, newPage, screenshot } from './browser.ts'

/**
 * The Alerts page in headless Chromium: a FATAL fires, the admin sees it, acknowledges its
 * incident, sends a channel test to a local webhook receiver and previews a rule.
 */
let tb: TestBeacon
let browser: Browser
let receiver: Server
const received: string[] = []
const PASSWORD = 'a long enough password'

before(async () => {
  ensureUiBuilt()
  receiver = createServer((req, res) => { let b = ''; req.on('data', (c) => { b += c }); req.on('end', () => { received.push(b); res.end('{}') }) })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  tb = await startTestBeacon({ env: { BEACON_ALERT_ALLOW_NETWORKS: '127.0.0.0/8' }, overrides: { 'security.login.attemptsPerMinutePerIp': 1000 } })
  const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ada', roles: ['admin', 'support'], password: PASSWORD }) })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  const c = await tb.api('/api/alerts/channels', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ops-hook', type: 'webhook', url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`, default: true }) })
  assert.equal(c.status, 201)
  const now = String(BigInt(Date.now()) * 1_000_000n)
  const out = await tb.beacon.ingest.submit({ id: 'ui-fatal', source: 'test', rejected: 0, spans: [], logs: [{
    timeUnixNano: now, observedTimeUnixNano: now, severityText: 'FATAL', severityNumber: 21, serviceName: 'mes-worker', body: 'press P-7 jammed',
    traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: {}, attributes: {},
  }] })
  assert.equal(out.status, 'ok')
  await tb.flush()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await tb?.stop()
  receiver.close()
})

test('admin sees the firing FATAL, acknowledges its incident, tests a channel and previews a rule', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'ada', PASSWORD)
  await page.getByRole('region', { name: 'Open incidents' }).or(page.getByLabel('Open incidents')).first().waitFor()
  await page.getByRole('link', { name: 'Alerts' }).click()
  const table = page.getByRole('table', { name: 'Firing and pending alerts' })
  await table.getByText('FATAL: a service or equipment failed').waitFor()
  assert.ok(await table.getByText('service=mes-worker').isVisible())
  await screenshot(page, 'alerts')

  await page.getByRole('tab', { name: 'Incidents' }).click()
  await page.getByRole('button', { name: 'Acknowledge' }).first().click()
  await page.getByRole('table', { name: 'Incidents' }).getByText('acknowledged', { exact: true }).waitFor()
  await page.getByRole('table', { name: /per service/ }).getByText('mes-worker').waitFor()
  await screenshot(page, 'alerts-incidents')

  await page.getByRole('tab', { name: 'Channels' }).click()
  await page.getByRole('button', { name: 'Send test' }).click()
  await page.getByText(/delivered \(HTTP 200\)/).waitFor()
  assert.ok(received.some((b) => b.includes('"status":"test"')))

  await page.getByRole('tab', { name: 'Rules' }).click()
  const row = page.locator('tr[data-rule="builtin:fatal"]')
  await row.getByRole('button', { name: 'Preview' }).click()
  await page.getByText(/Would have fired \d+ times/).waitFor()
  await screenshot(page, 'alerts-rules')
})

/** One rule per kind (and per threshold aggregate): how a person fills the editor, and what the API must then hold. */
const RULES: { name: string; fill: Record<string, string>; select?: Record<string, string>; expect: Record<string, unknown> }[] = [
  { name: 'ui instant errors', select: { Kind: 'instant' }, fill: { Query: 'level:error', 'Group by': 'service' }, expect: { kind: 'instant', query: 'level:error', groupBy: ['service'] } },
  { name: 'ui 5xx count', select: { Kind: 'threshold', Aggregate: 'count' }, fill: { Query: 'http.status:>=500', Threshold: '5', 'Window seconds': '60' }, expect: { kind: 'threshold', aggregate: 'count', threshold: 5, windowSeconds: 60 } },
  { name: 'ui request rate', select: { Kind: 'threshold', Aggregate: 'rate', Operator: '>' }, fill: { Query: 'http.status:*', Threshold: '2.5' }, expect: { aggregate: 'rate', op: '>', threshold: 2.5 } },
  { name: 'ui 5xx ratio', select: { Kind: 'threshold', Aggregate: 'ratio' }, fill: { Query: 'http.status:>=500', 'Ratio of': 'http.status:*', Threshold: '0.2', 'Minimum count': '10', 'For seconds': '30' }, expect: { aggregate: 'ratio', ratioOf: 'http.status:*', threshold: 0.2, minCount: 10, for: 30 } },
  { name: 'ui distinct clients', select: { Kind: 'threshold', Aggregate: 'distinct' }, fill: { Query: 'client.ip:*', Field: 'client.ip', Threshold: '100', 'Group by': '' }, expect: { aggregate: 'distinct', field: 'client.ip', groupBy: [] } },
  { name: 'ui p95 latency', select: { Kind: 'threshold', Aggregate: 'percentile' }, fill: { Query: 'http.route:*', Field: 'http.server.request.duration_ms', Percentile: '95', Threshold: '800', 'Group by': 'service, http.route' }, expect: { aggregate: 'percentile', percentile: 95, field: 'http.server.request.duration_ms', groupBy: ['service', 'http.route'] } },
  { name: 'ui MES silent', select: { Kind: 'absence' }, fill: { Query: 'service:mes-worker', 'Window seconds': '300' }, expect: { kind: 'absence', windowSeconds: 300 } },
  { name: 'ui new error type', select: { Kind: 'new_value' }, fill: { Query: 'level:error', Field: 'error.type', 'New value days': '14' }, expect: { kind: 'new_value', field: 'error.type', newValueDays: 14 } },
  { name: 'ui orders anomaly', select: { Kind: 'anomaly', Direction: 'both', Severity: 'critical' }, fill: { Query: 'event.action:order.created', 'Window seconds': '300', Sensitivity: '3', 'Minimum count': '10' }, expect: { kind: 'anomaly', severity: 'critical', windowSeconds: 300, minCount: 10, anomaly: { direction: 'both', sensitivity: 3, warmupIntervals: 30 } } },
]

test('the rule editor writes every kind of rule, previews the draft as a chart, shows query errors at their position, and edits a detector', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'ada', PASSWORD)
  await page.goto('/alerts')
  await page.getByRole('tab', { name: 'Rules' }).click()
  const form = page.getByRole('form', { name: 'New rule' })
  for (const r of RULES) {
    await form.getByLabel('Rule name').fill(r.name)
    for (const [label, value] of Object.entries(r.select ?? {})) await form.getByLabel(label, { exact: true }).selectOption(value)
    for (const [label, value] of Object.entries(r.fill)) await form.getByLabel(label, { exact: true }).fill(value)
    await form.getByRole('button', { name: 'Preview 24 h' }).click()
    const preview = form.getByLabel('Draft preview')
    await preview.getByText(/Would have fired \d+ times/).waitFor()
    assert.ok(await preview.getByRole('img', { name: 'Rule value per window' }).locator('svg, canvas').count() > 0, `${r.name}: no chart`)
    await form.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('table', { name: 'Alert rules' }).locator('tr', { hasText: r.name }).first().waitFor()
    const stored = (await tb.api('/api/alerts/rules')).body.rules.find((x: any) => x.name === r.name)
    for (const [k, v] of Object.entries(r.expect)) assert.deepEqual(stored[k], v, `${r.name}.${k}: ${JSON.stringify(stored[k])}`)
  }
  await screenshot(page, 'alerts-rule-editor')

  // A query error: 400 with the position, shown under the query.
  await form.getByLabel('Kind', { exact: true }).selectOption('threshold')
  await form.getByLabel('Query', { exact: true }).fill('service:(shop OR')
  await form.getByRole('button', { name: 'Preview 24 h' }).click()
  const alert = form.getByRole('alert')
  await alert.getByText(/query:/).waitFor()
  assert.match(await alert.locator('pre').innerText(), /service:\(shop OR\n\s*\^/)

  // Edit a built-in detector: the 5xx threshold from 5 to 7.
  await page.locator('tr[data-rule="builtin:http_5xx"]').getByRole('button', { name: 'Edit' }).click()
  const edit = page.getByRole('form', { name: 'Edit rule HTTP 5xx errors' })
  assert.equal(await edit.getByLabel('Threshold', { exact: true }).inputValue(), '5')
  await edit.getByLabel('Threshold', { exact: true }).fill('7')
  await edit.getByRole('button', { name: 'Save' }).click()
  await page.getByRole('form', { name: 'New rule' }).waitFor()
  const http5xx = (await tb.api('/api/alerts/rules')).body.rules.find((x: any) => x.id === 'builtin:http_5xx')
  assert.equal(http5xx.threshold, 7)
  assert.equal(http5xx.windowSeconds, 60)
  assert.deepEqual(http5xx.groupBy, ['service'])
})
