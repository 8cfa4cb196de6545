/**
 * UI benchmark (npm run bench:ui): in Debian's headless Chromium against a real Beacon.
 *
 *   bundle      gzipped JS + CSS the first page loads (packages/ui/dist/index.html's references)
 *   first paint first-contentful-paint of the login page, from a cold browser context
 *   search      24-hour search: navigation → first result row rendered
 *   scroll      results list with 10,000 rows loaded (infinite scroll): frame times while scrolling through it
 *
 * Without BEACON_URL it starts a Beacon (embedded chDB, temp dir) and sends BENCH_UI_RECORDS
 * records (default 20,000) over OTLP. With BEACON_URL (+ BEACON_USER, BEACON_PASSWORD) it uses a
 * running Beacon and its data, e.g. the benchmark's 10 M records.
 */
import { spawnSync } from 'node:child_process'
import { firstPageBytes } from '../scripts/build-ui.mjs'
import { startTestBeacon, type TestBeacon } from '@beacon/server/testing'
import { launchChromium, login, newPage } from '../packages/ui/test/browser.ts'

spawnSync(process.execPath, ['scripts/build-ui.mjs'], { stdio: 'inherit' })
const size = firstPageBytes()
console.log(`bundle        first page ${(size.js / 1024).toFixed(1)} KB JS + ${(size.css / 1024).toFixed(1)} KB CSS gzipped (${size.files.length} files; budget 250 KB JS)`)

let tb: TestBeacon | undefined
let url = process.env.BEACON_URL ?? ''
let user = process.env.BEACON_USER ?? 'bench'
let password = process.env.BEACON_PASSWORD ?? 'a long enough password'
if (!url) {
  tb = await startTestBeacon()
  url = tb.apiUrl
  await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, roles: ['developer'], password }) })
  const n = Number(process.env.BENCH_UI_RECORDS ?? 20_000)
  const now = Date.now()
  for (let off = 0; off < n; off += 5000) {
    const records = Array.from({ length: Math.min(5000, n - off) }, (_, j) => {
      const i = off + j
      return { timeUnixNano: String(BigInt(now - 23 * 3600_000 + Math.floor((i / n) * 23 * 3600_000)) * 1_000_000n), severityText: i % 50 === 0 ? 'ERROR' : 'INFO', severityNumber: i % 50 === 0 ? 17 : 9, body: { stringValue: `request ${i} handled for order ORD-${i % 997}` } }
    })
    const body = JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${off / 5000 % 4}` } }] }, scopeLogs: [{ logRecords: records }] }] })
    await fetch(tb.otlpUrl + '/v1/logs', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }, body })
  }
  await tb.flush()
  console.log(`data          ${n} log records over 23 h in a fresh Beacon`)
} else {
  user = process.env.BEACON_USER ?? 'admin'
  password = process.env.BEACON_PASSWORD ?? password
}

const browser = await launchChromium()
try {
  const cold = await newPage(browser, url)
  await cold.goto('/login')
  await cold.getByLabel('User name').waitFor()
  const fcp = await cold.evaluate(() => performance.getEntriesByType('paint').find((p) => p.name === 'first-contentful-paint')?.startTime ?? NaN)
  console.log(`first paint   ${fcp.toFixed(0)} ms (first-contentful-paint, login page)`)

  const page = await newPage(browser, url)
  await login(page, user, password)
  const t0 = Date.now()
  await page.goto('/search?from=now-24h')
  await page.locator('.hit').first().waitFor({ timeout: 60_000 })
  console.log(`search 24 h   ${Date.now() - t0} ms to the first row (navigation, API, render)`)

  const list = page.getByRole('list', { name: /Results/ })
  const target = 10_000
  const tLoad = Date.now()
  for (let i = 0; i < 200; i++) {
    const count = Number(await list.getAttribute('data-count'))
    if (count >= target) break
    await list.evaluate((el) => { el.scrollTop = el.scrollHeight })
    await page.waitForTimeout(150)
  }
  const loaded = Number(await list.getAttribute('data-count'))
  console.log(`load rows     ${loaded} rows via infinite scroll in ${Date.now() - tLoad} ms`)
  const frames = await list.evaluate(async (el) => {
    el.scrollTop = 0
    const times: number[] = []
    let last = performance.now()
    const steps = 300
    for (let i = 0; i <= steps; i++) {
      el.scrollTop = (el.scrollHeight * i) / steps
      await new Promise((r) => requestAnimationFrame(r))
      const now = performance.now()
      times.push(now - last)
      last = now
    }
    times.sort((a, b) => a - b)
    return { p50: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)], max: times[times.length - 1], rows: document.querySelectorAll('.hit').length }
  })
  console.log(`scroll        ${loaded} rows: frame p50 ${frames.p50.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, max ${frames.max.toFixed(1)} ms; ${frames.rows} rows in the DOM (virtualized)`)
} finally {
  await browser.close()
  await tb?.stop()
}
