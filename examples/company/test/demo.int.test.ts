/**
 * `npm run demo` as a person runs it, stopped with a signal to the PID they see (npm's), not with
 * a Ctrl-C to the whole process group: everything it started must stop, and it must say so.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../../packages/server/src/testing.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))

function groupAlive(pgid: number): boolean {
  try { process.kill(-pgid, 0); return true } catch { return false }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (cond()) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return cond()
}

test('SIGINT to the PID of `npm run demo` stops the demo and every process it started', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'beacon-demo-'))
  const [api, otlp, shop, crm, mes] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()])
  const env = {
    ...process.env, DEMO_DATA_DIR: dataDir, DEMO_BEACON_API_PORT: String(api), DEMO_BEACON_OTLP_PORT: String(otlp),
    SHOP_PORT: String(shop), CRM_PORT: String(crm), MES_PORT: String(mes),
  }
  // Its own process group (detached), so the signal reaches npm only, as `kill -INT <pid>` does.
  const npm = spawn('npm', ['run', 'demo', '--', '--steady', '--duration=0'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  npm.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  npm.stderr!.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)))
  try {
    assert.ok(await waitFor(() => out.includes('4. traffic generator') || npm.exitCode !== null, 180_000), `the demo did not reach its traffic step:\n${out}`)
    if (npm.exitCode !== null) {
      const logs = join(dataDir, 'logs')
      const tails = readdirSync(logs).map((f) => `--- ${f}\n${readFileSync(join(logs, f), 'utf8').slice(-1500)}`).join('\n')
      assert.fail(`the demo stopped early:\n${out}\n${tails}`)
    }
    process.kill(npm.pid!, 'SIGINT')
    const stopped = await waitFor(() => !groupAlive(npm.pid!), 60_000)
    assert.ok(stopped, `processes of the demo still run 60 s after SIGINT to npm's PID:\n${out.slice(-2000)}`)
    assert.match(out, /stopping on SIGINT/)
    assert.notEqual(await exited, 0)
  } finally {
    if (groupAlive(npm.pid!)) process.kill(-npm.pid!, 'SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  }
})
