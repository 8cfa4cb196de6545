/**
 * UI benchmark (npm run bench:ui): in Debian's headless Chromium against a real Beacon.
 *
 *   bundle      gzipped JS + CSS the first page loads (packages/ui/dist/index.html's references)
 *   first paint first-contentful-paint of the login page, from a cold browser context
 *   search      24-hour search: navigation → first result row rendered
 *   service map navigation → first node drawn (or the empty state), range BENCH_UI_RANGE
 *   orders      navigation → first row of the recent-orders list (or the empty state), 24 h
 *   scroll      results list with 10,000 rows loaded (infinite scroll): frame times while scrolling through it
 *
 * Data, one of:
 *   (default)                 starts a Beacon (embedded chDB, temp dir) and sends BENCH_UI_RECORDS
 *                             log records (default 20,000) over 23 h through OTLP
 *   BENCH_DATA_DIR=/tmp/dir   starts a Beacon in this process on an existing data directory, e.g. the
 *                             one `BENCH_DATA_DIR=/tmp/beacon-filled npm run bench` leaves (10 M
 *                             records); nothing is sent, the directory is not removed
 *   BEACON_URL=http://…       a running Beacon (+ BEACON_USER, BEACON_PASSWORD)
 * BENCH_UI_RUNS (default 3): first paint, search, service map and orders are measured this many times
 * each, alternating, and reported as median (min–max). BENCH_UI_RANGE (default now-24h): the
 * service map's range (a filled directory's records are as old as the fill).
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
const dataDir = process.env.BENCH_DATA_DIR
const RUNS = Math.max(1, Number(process.env.BENCH_UI_RUNS ?? 3))
const RANGE = process.env.BENCH_UI_RANGE ?? 'now-24h'
if (!url && dataDir) {
  tb = await startTestBeacon({ dataDir })
  url = tb.apiUrl
  const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, roles: ['developer', 'support'], password }) })
  if (r.status !== 201 && r.status !== 409) throw new Error(`cannot create the bench user: ${r.status} ${JSON.stringify(r.body)}`)
  console.log(`data          the existing data directory ${dataDir}`)
} else if (!url) {
  tb = await startTestBeacon()
  url = tb.apiUrl
  await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, roles: ['developer', 'support'], password }) })
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
  const figures: Record<string, number[]> = { paint: [], search: [], map: [], orders: [] }
  const page = await newPage(browser, url)
  await login(page, user, password)
  /** Navigation → the first of `selector` visible, ms. */
  const timed = async (path: string, selector: string): Promise<number> => {
    await page.goto('about:blank')
    const t0 = Date.now()
    await page.goto(path)
    await page.locator(selector).first().waitFor({ timeout: 120_000 })
    return Date.now() - t0
  }
  for (let run = 0; run < RUNS; run++) {
    const cold = await newPage(browser, url)
    await cold.goto('/login')
    await cold.getByLabel('User name').waitFor()
    figures.paint.push(await cold.evaluate(() => performance.getEntriesByType('paint').find((p) => p.name === 'first-contentful-paint')?.startTime ?? NaN))
    await cold.context().close()
    figures.search.push(await timed('/search?from=now-24h', '.hit'))
    figures.map.push(await timed(`/service-map?from=${encodeURIComponent(RANGE)}`, '.react-flow__node, .state.empty'))
    figures.orders.push(await timed('/orders', 'table[aria-label="Recent orders"] tbody tr, .state.empty'))
  }
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    return `${s[Math.floor(s.length / 2)].toFixed(0)} ms${s.length > 1 ? ` (${s[0].toFixed(0)}–${s[s.length - 1].toFixed(0)}, ${s.length} runs)` : ''}`
  }
  console.log(`first paint   ${stat(figures.paint)} (first-contentful-paint, login page, cold browser context)`)
  console.log(`search 24 h   ${stat(figures.search)} to the first row (navigation, API, render)`)
  console.log(`service map   ${stat(figures.map)} to the first node (${RANGE})`)
  console.log(`orders        ${stat(figures.orders)} to the first row of the recent-orders list (24 h)`)

  await page.goto('/search?from=now-24h')
  await page.locator('.hit').first().waitFor({ timeout: 120_000 })
  const list = page.getByRole('list', { name: /Results/ })
  const target = 10_000
  const tLoad = Date.now()
  let same = 0
  for (let i = 0, prev = -1; i < 200; i++) {
    const count = Number(await list.getAttribute('data-count'))
    if (count >= target) break
    same = count === prev ? same + 1 : 0
    if (same >= 10) break // every record is loaded (fewer than the target in 24 h)
    prev = count
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
