/**
 * Beacon down: the services keep answering at their normal speed while Beacon is unreachable,
 * and their telemetry arrives again once it is back (Beacon runs as its own process here, so it
 * can be killed and restarted on the same ports and data).
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
let ports: { api: number; otlp: number }
let beaconProc: ChildProcess | undefined
let company: Company

async function startBeaconProcess(): Promise<BeaconApi> {
  beaconProc = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'start'], {
    cwd: root,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, BEACON_DATA_DIR: dataDir, BEACON_HOST: '127.0.0.1', BEACON_CONFIG: '/dev/null',
      BEACON_API_PORT: String(ports.api), BEACON_OTLP_PORT: String(ports.otlp), BEACON_ES_PORT: '0',
      // The receivers this test does not use stay off: their default ports are fixed numbers another Beacon may hold.
      BEACON_OTLP_GRPC_PORT: '0', BEACON_SYSLOG_PORT: '0', BEACON_SYSLOG_TLS_PORT: '0', BEACON_FORWARD_PORT: '0',
      BEACON_INGEST_KEY: ingestKey, BEACON_ADMIN_PASSWORD: adminPassword, BEACON_LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  })
  const apiUrl = `http://127.0.0.1:${ports.api}`
  await poll('Beacon health', async () => (await fetch(`${apiUrl}/api/health`)).ok, 90_000, 300)
  const open = await fetch(`${apiUrl}/api/services`)
  const token = open.status === 401 || open.status === 403 ? await beaconLogin(apiUrl, 'admin', adminPassword) : undefined
  return createBeaconApi(apiUrl, token)
}

before(async () => {
  ports = { api: await freePort(), otlp: await freePort() }
  company = await createCompany(`http://127.0.0.1:${ports.otlp}`, ingestKey, { BEACON_EXPORT_TIMEOUT_MS: '2000' })
})

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
