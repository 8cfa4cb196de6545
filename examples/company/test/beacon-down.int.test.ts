/**
 * Beacon down: the services keep answering at their normal speed while Beacon is unreachable,
 * and their telemetry arrives again once it is back (Beacon runs as its own process here, so it
 * can be killed and restarted on the same OTLP port and data).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../../packages/server/src/testing.ts'
import { beaconLogin, createBeaconApi, type BeaconApi } from '../src/shared/beacon-api.ts'
import { createCompany, http, poll, type Company } from './test-utils.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const dataDir = mkdtempSync(join(tmpdir(), 'beacon-down-'))
const ingestKey = `down-ingest-${process.pid}-${Date.now()}`
const adminPassword = `down-pass-${process.pid}-${Date.now()}`
let otlpPort: number
let beaconProc: ChildProcess | undefined
let company: Company

/**
 * `beacon start` as a child on this run's ports. Every receiver the test does not use is off: their
 * defaults are fixed numbers (gRPC 4317, syslog 5514/6514, Forward 24224), so a second Beacon on the
 * machine (a parallel run of this file, a demo, a leftover process) made this one exit on EADDRINUSE —
 * unseen, with its output ignored — and the health wait ran out after 90 s. The child's output is read
 * (a pipe nobody reads fills and stalls it) and an early exit fails at once, with that output.
 */
async function startBeaconProcess(): Promise<BeaconApi> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnBeaconProcess()
    } catch (err) {
      // While Beacon is down its OTLP port is free, and any outgoing connection on the machine may
      // take it as its local port for a moment; the services must find Beacon on that same port, so
      // try again rather than move it.
      if (!(err instanceof PortTaken) || attempt === 5) throw err
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
}

class PortTaken extends Error {}

async function spawnBeaconProcess(): Promise<BeaconApi> {
  // The API port is the test's alone, so each start takes a fresh one (no window for another to take it).
  const apiPort = await freePort()
  const proc = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'start'], {
    cwd: root,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, BEACON_DATA_DIR: dataDir, BEACON_HOST: '127.0.0.1', BEACON_CONFIG: '/dev/null',
      BEACON_API_PORT: String(apiPort), BEACON_OTLP_PORT: String(otlpPort), BEACON_ES_PORT: '0',
      BEACON_OTLP_GRPC_PORT: '0', BEACON_SYSLOG_PORT: '0', BEACON_SYSLOG_TLS_PORT: '0', BEACON_FORWARD_PORT: '0',
      BEACON_INGEST_KEY: ingestKey, BEACON_ADMIN_PASSWORD: adminPassword, BEACON_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  beaconProc = proc
  let out = ''
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-20_000) }
  proc.stdout!.on('data', keep)
  proc.stderr!.on('data', keep)
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code, signal) => {
    const msg = `Beacon exited (${code ?? signal}) before it was ready:\n${out}`
    reject(out.includes('EADDRINUSE') ? new PortTaken(msg) : new Error(msg))
  }))
  exited.catch(() => {})
  const apiUrl = `http://127.0.0.1:${apiPort}`
  const t0 = Date.now()
  try {
    await Promise.race([exited, poll('Beacon health', async () => (await fetch(`${apiUrl}/api/health`)).ok, 90_000, 300)])
  } catch (err) {
    if (err instanceof PortTaken) throw err
    throw new Error(`${(err as Error).message} (${((Date.now() - t0) / 1000).toFixed(1)} s; Beacon output:\n${out})`, { cause: err })
  }
  const open = await fetch(`${apiUrl}/api/services`)
  const token = open.status === 401 || open.status === 403 ? await beaconLogin(apiUrl, 'admin', adminPassword) : undefined
  return createBeaconApi(apiUrl, token)
}

before(async () => {
  otlpPort = await freePort()
  company = await createCompany(`http://127.0.0.1:${otlpPort}`, ingestKey, { BEACON_EXPORT_TIMEOUT_MS: '2000' })
})

// A Beacon left running would hold this run's ports and data dir; the test process may end without `after`.
process.once('exit', () => { beaconProc?.kill('SIGKILL') })

after(async () => {
  await company?.close()
  beaconProc?.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

async function timedGet(path: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now()
  const r = await http(company.urls.mes, 'GET', path)
  return { status: r.status, ms: performance.now() - t0 }
}

test('services keep answering while Beacon is down, and telemetry resumes when it is back', async () => {
  let api = await startBeaconProcess()
  await company.start('mes-api')
  const before = `/production-orders/BEFORE-${company.run}`
  assert.equal((await timedGet(before)).status, 404)
  await poll('the record sent while Beacon is up', async () => (await api.search(`url.path:"${before}"`)).events[0], 20_000)

  beaconProc!.kill('SIGKILL')
  await new Promise((r) => beaconProc!.once('exit', r))
  const during: { status: number; ms: number }[] = []
  for (let i = 0; i < 30; i++) during.push(await timedGet(`/production-orders/DOWN-${company.run}-${i}`))
  assert.ok(during.every((r) => r.status === 404), 'every request answered')
  const slowest = Math.max(...during.map((r) => r.ms))
  assert.ok(slowest < 1000, `no request waited on Beacon (slowest ${slowest.toFixed(0)} ms)`)

  api = await startBeaconProcess()
  const afterPath = `/production-orders/AFTER-${company.run}`
  assert.equal((await timedGet(afterPath)).status, 404)
  const rec = await poll('the record sent after Beacon came back', async () => (await api.search(`url.path:"${afterPath}"`)).events[0], 30_000)
  assert.equal(rec.service, 'mes-api')
})
