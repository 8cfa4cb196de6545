import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { startTestBeacon, type TestBeacon } from '@beacon/server/testing'
import { ensureUiBuilt, launchChromium, login, newPage } from './browser.ts'

/** The Admin page reads the admin API's ISO 8601 times: users' and keys' dates are shown, never "undefined". */
let tb: TestBeacon
let browser: Browser
const PASSWORD = 'a long enough password'
const LOCAL_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/

before(async () => {
  ensureUiBuilt()
  tb = await startTestBeacon({ overrides: { 'security.login.attemptsPerMinutePerIp': 1000 } })
  const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ada', roles: ['admin'], password: PASSWORD }) })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  // The ingest key is used once, so the keys table has a "last used" time to show.
  const sent = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }, body: JSON.stringify({ resourceLogs: [] }) })
  assert.equal(sent.status, 200, await sent.text())
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await tb?.stop()
})

test('the Admin page shows when users and keys were created and when a key was last used, as local times', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'ada', PASSWORD)
  await page.goto('/admin')
  const users = page.locator('section[aria-labelledby=users-title] table')
  await users.getByText('ada', { exact: true }).waitFor()
  const userRow = users.locator('tr', { has: page.getByText('ada', { exact: true }) })
  assert.match((await userRow.locator('td').nth(2).innerText()).trim(), LOCAL_TIME, 'the user\'s created time')

  const keys = page.locator('section[aria-labelledby=keys-title] table')
  await keys.locator('tbody tr').first().waitFor()
  const headers = await keys.locator('th').allInnerTexts()
  const cells = await keys.locator('tbody tr').first().locator('td').allInnerTexts()
  const cell = (name: string) => cells[headers.indexOf(name)].trim()
  assert.match(cell('Created'), LOCAL_TIME)
  assert.match(cell('Last used'), LOCAL_TIME, 'the ingest key was used')
})
