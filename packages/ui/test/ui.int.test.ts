import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { generateKey, startTestBeacon, type TestBeacon } from '@beacon/server/testing'
import { ensureUiBuilt, launchChromium, login, newPage, screenshot } from './browser.ts'
import { CUSTOMER, FAILED_ORDER, IDLE_ORDER, ORDER, TRACE_ID, complaintLog, orderTrace, seedLogs, tailLog } from './seed.ts'

/**
 * The web UI end to end: a real Beacon (embedded chDB, auth on, `customer.*` encrypted) with known
 * data sent over OTLP, driven in Debian's headless Chromium. Saves a screenshot of every page to
 * docs/screenshots/.
 */
let tb: TestBeacon
let browser: Browser
const PASSWORD = 'a long enough password'

async function ingest(path: string, body: string): Promise<void> {
  const r = await fetch(tb.otlpUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }, body })
  assert.equal(r.status, 200, await r.text())
}

before(async () => {
  ensureUiBuilt()
  tb = await startTestBeacon({
    // The archive on (an empty folder): the Search page offers it for ranges past hot retention.
    env: { BEACON_ENCRYPTION_KEYS: `k1:${generateKey()}`, BEACON_ARCHIVE_URL: `file://${mkdtempSync(join(tmpdir(), 'beacon-ui-archive-'))}` },
    overrides: { 'security.encryption.fields': ['customer.*'], 'security.login.attemptsPerMinutePerIp': 1000 },
  })
  for (const [username, roles] of [['sam', ['support']], ['dev', ['developer']], ['ann', ['analyst']], ['ada', ['admin', 'auditor', 'support']]] as const) {
    const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, roles, password: PASSWORD }) })
    assert.equal(r.status, 201, JSON.stringify(r.body))
  }
  const t0 = Date.now() - 60_000
  await ingest('/v1/traces', orderTrace(t0))
  await ingest('/v1/logs', seedLogs(t0, 600))
  await tb.flush()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await tb?.stop()
})

test('support logs in, searches an order id, shows context, opens the trace across four services with the RabbitMQ hop', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await page.goto('/')
  await page.getByLabel('User name').waitFor()
  await screenshot(page, 'login')
  await login(page, 'sam', PASSWORD)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search', exact: true }).click()
  const query = page.getByLabel(/^Query/)
  await query.fill(`order:${ORDER}`)
  await query.press('Enter')
  const results = page.getByRole('list', { name: /Results/ })
  await results.getByText(`customer verified for order ${ORDER}`).waitFor()
  assert.equal(await results.getAttribute('data-count'), '7', 'the order has seven log records')
  await screenshot(page, 'search')

  await results.getByText(`customer verified for order ${ORDER}`).click()
  assert.ok(await page.getByText(CUSTOMER).isVisible(), 'support sees the decrypted customer name')
  await page.getByRole('button', { name: 'Show context' }).click()
  const ctx = page.getByRole('list', { name: /Records around/ })
  await ctx.getByText('verify step 3: credit check passed').waitFor()
  const rows = await ctx.getByRole('listitem').allInnerTexts()
  const anchor = rows.findIndex((r) => r.includes('customer verified'))
  assert.ok(rows[anchor - 1].includes('verify step 1'), 'the record before is from the same service')
  assert.ok(rows[anchor + 1].includes('verify step 3'), 'the record after is from the same service')
  await screenshot(page, 'context')
  await page.keyboard.press('Escape')
  assert.equal(await ctx.count(), 0, 'Esc closes the context panel')

  await page.getByRole('link', { name: 'Open trace' }).click()
  await page.getByRole('tree', { name: /Spans/ }).waitFor()
  const services = await page.locator('[role=treeitem]').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-service')))].sort())
  assert.deepEqual(services, ['crm-api', 'mes-api', 'mes-worker', 'shop-api'])
  assert.ok(await page.getByText('⇢ orders.created').isVisible(), 'the consumer span is drawn as a queue hop')
  assert.ok((await page.locator('[data-critical=true]').count()) >= 3, 'the critical path is marked')
  await page.getByText('POST /production').click()
  await page.getByText('machine M3 offline').first().waitFor()
  await screenshot(page, 'trace')
  assert.match(page.url(), new RegExp(`/traces/${TRACE_ID}$`))
})

test('the order timeline shows status milestones and the stuck-orders list flags failed and idle orders', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'sam', PASSWORD)
  await page.goto(`/orders/${ORDER}`)
  const timeline = page.getByRole('list', { name: /Order timeline/ })
  await timeline.waitFor()
  assert.equal(await timeline.locator('li[data-kind=milestone]').count(), 3)
  assert.ok((await timeline.locator('li[data-kind=message]').count()) >= 2, 'producer and consumer spans are message hops')
  assert.ok((await timeline.locator('li[data-kind=error]').count()) >= 1)
  await page.getByLabel('Status stages').getByText('in_production').waitFor()
  await screenshot(page, 'order')

  await page.getByRole('link', { name: 'Orders', exact: true }).click()
  const table = page.getByRole('table', { name: 'Recent orders' })
  await table.waitFor()
  const stuck = await table.locator('tr[data-stuck=true]').allInnerTexts()
  assert.ok(stuck.some((r) => r.includes(FAILED_ORDER) && r.includes('ended failed')), FAILED_ORDER)
  assert.ok(stuck.some((r) => r.includes(IDLE_ORDER) && r.includes('no status change')), IDLE_ORDER)
  assert.ok(!stuck.some((r) => r.includes(ORDER)), 'a fresh order is not stuck')
  await screenshot(page, 'orders')
})

test('a syntax error is shown at its position', async () => {
  const page = await newPage(browser, tb.apiUrl, 'light')
  await login(page, 'dev', PASSWORD)
  await page.goto('/search')
  const query = page.getByLabel(/^Query/)
  await query.waitFor()
  await page.locator('body').click({ position: { x: 600, y: 700 } })
  await page.keyboard.press('/')
  assert.equal(await query.evaluate((el) => el === document.activeElement), true, '/ focuses the query bar')
  // Syntax highlighting from the query package's lexer, behind the input.
  await query.fill('service:shop-api AND "payment failed" http.status:[500 TO 599]')
  const hl = page.getByTestId('query-highlight')
  const kinds = async () => hl.locator('[data-hl]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-hl')}:${e.textContent}`))
  assert.deepEqual((await kinds()).filter((k) => !k.startsWith('colon')),
    ['field:service', 'value:shop-api', 'operator:AND', 'phrase:"payment failed"', 'field:http.status', 'range:[500', 'range:TO', 'range:599]'])
  assert.equal(await hl.innerText(), await query.inputValue(), 'the coloured copy shows exactly the typed text')
  await query.fill('level:loud')
  await query.press('Enter')
  const err = page.locator('#query-error')
  await err.waitFor()
  assert.equal(await err.getAttribute('data-position'), '6')
  assert.match(await err.innerText(), /level:loud\n {6}\^\n.*position 6/)
  assert.deepEqual(await kinds(), ['field:level', 'colon::', 'error:loud'], 'the part the parser rejects is marked')
  await screenshot(page, 'search-error-light')
})

test('a developer does not see the decrypted field that support sees', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'dev', PASSWORD)
  await page.goto(`/search?q=${encodeURIComponent(`order:${ORDER}`)}`)
  const row = page.getByRole('list', { name: /Results/ }).getByText(`customer verified for order ${ORDER}`)
  await row.click()
  await page.getByText('customer.name', { exact: true }).waitFor()
  assert.equal(await page.getByText(CUSTOMER).count(), 0)
  assert.ok(await page.getByText('[encrypted]').isVisible())
})

test('an analyst sees counts and charts but no raw events, and no pages for them', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'ann', PASSWORD)
  const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()
  assert.ok(!nav.includes('Live tail') && !nav.includes('Traces') && !nav.includes('Orders'), nav.join(','))
  await page.goto(`/search?q=${encodeURIComponent(`order:${ORDER}`)}`)
  await page.getByText('Your role sees counts only').waitFor()
  assert.equal(await page.getByText(`customer verified for order ${ORDER}`).count(), 0)
  assert.equal(await page.getByRole('list', { name: /Results/ }).count(), 0)
})

test('live tail shows a record sent during the test within 2 s', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'sam', PASSWORD)
  await page.goto('/tail?q=service:tail-probe')
  // The status badge, exactly (the navigation's "Live tail" link also contains "Live"): the stream is open.
  await page.getByText('Live', { exact: true }).waitFor()
  const body = `tail probe ${Date.now()}`
  const t0 = Date.now()
  await ingest('/v1/logs', tailLog('tail-probe', body))
  await page.getByText(body).waitFor({ timeout: 2000 })
  assert.ok(Date.now() - t0 <= 2000)
  await screenshot(page, 'tail')
})

test('export returns the searched records', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'sam', PASSWORD)
  await page.goto(`/search?q=${encodeURIComponent(`order:${ORDER}`)}`)
  await page.getByRole('list', { name: /Results/ }).waitFor()
  // The link the page offers, fetched in the page with the user's session. (Clicking it as a
  // download was reported "canceled" by playwright in some runs; cause not found yet.)
  const href = await page.getByRole('link', { name: 'Export NDJSON' }).getAttribute('href')
  assert.ok(href?.startsWith('/api/export?'), String(href))
  const text = await page.evaluate(async (h) => (await fetch(h)).text(), href!)
  const lines = text.trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(lines.length, 7)
  assert.ok(lines.every((l) => JSON.stringify(l).includes(ORDER)))
})

test('every other page renders for a user who may see it (screenshots)', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'ada', PASSWORD)
  for (const [path, name, ready] of [
    ['/traces', 'traces', /Find traces/],
    ['/service-map', 'service-map', /Service map/],
    ['/admin', 'admin', /Users/],
    ['/audit', 'audit', /Audit/],
    ['/tail', 'tail-page', /Live tail/],
  ] as const) {
    await page.goto(path)
    await page.getByText(ready).first().waitFor()
    await page.waitForLoadState('networkidle')
    await screenshot(page, name)
  }
})

test('a saved search can be saved, opened and deleted', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'dev', PASSWORD)
  await page.goto(`/search?q=${encodeURIComponent('service:inventory level:warn')}`)
  await page.getByRole('list', { name: /Results/ }).waitFor()
  await page.getByRole('button', { name: 'Save search' }).click()
  await page.getByLabel('Name of the saved search').fill('inventory warnings')
  await page.getByRole('button', { name: 'Save', exact: true }).click()
  const picker = page.getByLabel('Open a saved search')
  await picker.locator('option', { hasText: 'inventory warnings' }).waitFor({ state: 'attached' })
  await page.getByRole('button', { name: 'Manage' }).click()
  const list = page.getByRole('list', { name: 'Saved searches' })
  await list.getByRole('button', { name: 'Delete saved search inventory warnings' }).click()
  assert.equal((await page.evaluate(async () => (await (await fetch('/api/saved-searches')).json()).searches.length)), 1, 'one press does not delete yet')
  await list.getByRole('button', { name: 'Confirm deleting saved search inventory warnings' }).click()
  await picker.locator('option', { hasText: 'inventory warnings' }).waitFor({ state: 'detached' })
  const left = await page.evaluate(async () => (await (await fetch('/api/saved-searches')).json()).searches as { name: string }[])
  assert.deepEqual(left.map((s) => s.name), [], 'deleted on the server')
})

test('the Overview shows the median time per order stage and complaints per calendar day, each linked to its order', async () => {
  await ingest('/v1/logs', complaintLog(FAILED_ORDER, 'parcel never arrived'))
  await tb.flush()
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'sam', PASSWORD)
  const stages = page.getByRole('table', { name: 'Time per order stage' })
  await stages.locator('tr[data-stage=accepted] td').nth(2).filter({ hasText: 'ms' }).waitFor()
  const row = async (stage: string) => stages.locator(`tr[data-stage=${stage}] td`).allInnerTexts()
  // created: ORDER 70 ms, FAILED_ORDER 10 s → median 5.04 s; accepted: ORDER 20 ms.
  assert.deepEqual(await row('created'), ['created', '2', '5.04 s'])
  assert.deepEqual(await row('accepted'), ['accepted', '1', '20 ms'])
  assert.deepEqual((await row('failed')).slice(0, 2), ['failed', '1'], 'a final stage has a count and no time')
  const days = page.getByRole('list', { name: 'Complaints per day' })
  const today = await page.evaluate(() => new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now()))
  const day = days.locator(`li[data-day="${today}"]`)
  await day.and(page.locator('[data-count="1"]')).waitFor()
  assert.equal(await days.locator(':scope > li').count(), 7, 'seven calendar days, zeros included')
  await screenshot(page, 'overview')
  await day.locator('summary').click()
  await day.getByRole('link', { name: `order ${FAILED_ORDER}` }).click()
  await page.getByRole('list', { name: /Order timeline/ }).waitFor()
  assert.match(page.url(), new RegExp(`/orders/${FAILED_ORDER}$`))
})

test('a range reaching past hot retention offers the archive, and the search then includes it', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'dev', PASSWORD)
  await page.goto(`/search?q=${encodeURIComponent(`order:${ORDER}`)}&from=now-1d`)
  await page.getByRole('list', { name: /Results/ }).waitFor()
  await page.waitForLoadState('networkidle')
  assert.equal(await page.getByTestId('archive-offer').count(), 0, 'a range inside hot data: no offer')
  await page.goto(`/search?q=${encodeURIComponent(`order:${ORDER}`)}&from=now-60d`)
  const offer = page.getByTestId('archive-offer')
  await offer.waitFor()
  assert.match(await offer.innerText(), /past the 30 days/)
  await offer.getByRole('button', { name: 'Include the archive' }).click()
  await page.getByTestId('archive-scope').waitFor()
  assert.match(page.url(), /scope=all/)
  const results = page.getByRole('list', { name: /Results/ })
  await results.getByText(`customer verified for order ${ORDER}`).waitFor()
  assert.match(await page.getByTestId('archive-scope').innerText(), /hot data and the archive \(0 archived files/)
  assert.equal(await results.getAttribute('data-count'), '7', 'the hot records are still found')
  await page.getByRole('button', { name: 'Back to hot data only' }).click()
  await offer.waitFor()
  assert.doesNotMatch(page.url(), /scope=/)
})

test('a session revoked mid-use: a clear message, the login page, and back to the same page after logging in', async () => {
  const page = await newPage(browser, tb.apiUrl)
  await login(page, 'dev', PASSWORD)
  const path = `/search?q=${encodeURIComponent(`order:${ORDER}`)}&from=now-2h`
  await page.goto(path)
  const results = page.getByRole('list', { name: /Results/ })
  await results.getByText(`customer verified for order ${ORDER}`).waitFor()
  // End the session on the server, as an expiry or a logout elsewhere would.
  const cookie = (await page.context().cookies()).find((c) => c.name === 'beacon_session')
  assert.ok(cookie, 'the UI holds a session cookie')
  const out = await fetch(tb.apiUrl + '/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${cookie.value}`, 'content-type': 'application/json' }, body: '{}' })
  assert.equal(out.status, 200)
  // Every request now gets a 401. Running the search notices; a background request (histogram, field
  // sidebar) may notice first and take the page to the login screen, detaching the button mid-click.
  await page.getByRole('button', { name: 'Search', exact: true }).click({ timeout: 5000 }).catch(() => { /* already noticed */ })
  const notice = page.getByRole('status').filter({ hasText: /session has expired or was ended/ })
  await notice.waitFor()
  assert.match(await notice.innerText(), /Log in again/)
  assert.match(page.url(), /\/login\?next=/)
  await screenshot(page, 'session-expired')
  await page.getByLabel('User name').fill('dev')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Log in' }).click()
  await results.getByText(`customer verified for order ${ORDER}`).waitFor()
  const back = new URL(page.url())
  assert.equal(decodeURIComponent(back.pathname + back.search), decodeURIComponent(path), 'back on the same URL')
})
