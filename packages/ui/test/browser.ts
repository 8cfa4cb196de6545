import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Test helpers: the built UI, Debian's Chromium driven by playwright-core, login, screenshots. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
export const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))

/** Builds the UI when its sources changed (what `npm start` does). */
export function ensureUiBuilt(): void {
  const r = spawnSync(process.execPath, ['scripts/build-ui.mjs'], { cwd: repoRoot, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`UI build failed:\n${r.stdout}\n${r.stderr}`)
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.BEACON_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

export async function newPage(browser: Browser, baseURL: string, theme: 'dark' | 'light' = 'dark'): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  await context.addInitScript((t) => localStorage.setItem('beacon.theme', t), theme)
  return context.newPage()
}

export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/')
  await page.getByLabel('User name').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.waitForTimeout(150)
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` })
}
