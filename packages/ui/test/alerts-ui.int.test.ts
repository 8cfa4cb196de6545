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
