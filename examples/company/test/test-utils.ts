/**
 * Integration harness: a real Beacon (in this process, embedded chDB), the real RabbitMQ and
 * PostgreSQL on localhost, and the company's services as child processes — each run with its own
 * database and its own exchange/queue names, removed afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import amqp from 'amqplib'
import { startTestBeacon, freePort, type TestBeacon } from '../../../packages/server/src/testing.ts'
import { ensureDatabase } from '../src/preflight.ts'
import { topologyNames, type Topology } from '../src/shared/topology.ts'
import { beaconLogin, createBeaconApi, type BeaconApi } from '../src/shared/beacon-api.ts'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))
export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672'

export type ServiceName = 'shop-api' | 'crm-api' | 'mes-api' | 'mes-worker'

export interface ServiceProcess {
  name: ServiceName
  proc: ChildProcess
  output(): string
  exited: Promise<number | null>
}

/** Polls `fn` until it returns a value that is not undefined/false, or throws after `timeoutMs`. */
export async function poll<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v as T
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export interface Beacon { test: TestBeacon; api: BeaconApi; ingestKey: string; otlpUrl: string }

/** A real Beacon in this process, with an ingest key for the services and an admin token for the API. */
export async function startBeacon(env: Record<string, string> = {}, overrides: Record<string, unknown> = {}): Promise<Beacon> {
  const ingestKey = `it-ingest-${randomBytes(12).toString('hex')}`
  const adminPassword = `it-pass-${randomBytes(12).toString('hex')}`
  const test = await startTestBeacon({ env: { BEACON_INGEST_KEY: ingestKey, BEACON_ADMIN_PASSWORD: adminPassword, ...env }, overrides })
  let token = test.adminToken
  if (token === undefined) {
    const health = await fetch(`${test.apiUrl}/api/services`)
    if (health.status === 401 || health.status === 403) token = await beaconLogin(test.apiUrl, 'admin', adminPassword)
  }
  return { test, api: createBeaconApi(test.apiUrl, token), ingestKey: test.ingestKey ?? ingestKey, otlpUrl: test.otlpUrl }
}

export interface Company {
  run: string
  topology: Topology
  databaseUrl: string
  urls: { shop: string; crm: string; mes: string }
  env: NodeJS.ProcessEnv
  services: Map<ServiceName, ServiceProcess>
  start(name: ServiceName, extraEnv?: Record<string, string>): Promise<ServiceProcess>
  stop(name: ServiceName, signal?: NodeJS.Signals): Promise<number | null>
  /** Stops every service, drops the database, deletes the exchanges and queues. */
  close(): Promise<void>
}

const HEALTH: Partial<Record<ServiceName, 'shop' | 'crm' | 'mes'>> = { 'shop-api': 'shop', 'crm-api': 'crm', 'mes-api': 'mes' }

/** Prepares an isolated company (database + queue names + ports) whose services report to `otlpUrl`. */
export async function createCompany(otlpUrl: string, ingestKey: string, extraEnv: Record<string, string> = {}): Promise<Company> {
  const run = randomBytes(4).toString('hex')
  const database = `beacon_it_${run}`
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`
  await ensureDatabase(databaseUrl)
  const [shop, crm, mes] = await Promise.all([freePort(), freePort(), freePort()])
  const urls = { shop: `http://127.0.0.1:${shop}`, crm: `http://127.0.0.1:${crm}`, mes: `http://127.0.0.1:${mes}` }
  const prefix = `it-${run}.`
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test',
    BEACON_ENDPOINT: otlpUrl, BEACON_API_KEY: ingestKey, BEACON_EXPORT_INTERVAL_MS: '200', BEACON_SLOW_QUERY_MS: '200',
    COMPANY_DATABASE_URL: databaseUrl, COMPANY_AMQP_URL: AMQP_URL, COMPANY_MQ_PREFIX: prefix,
    SHOP_PORT: String(shop), CRM_PORT: String(crm), MES_PORT: String(mes), MES_STEP_MS: '50', MES_EQUIPMENT_FAILURE_RATE: '0',
    COMPANY_ALLOW_CRASH: '1',
    ...extraEnv,
  }
  const services = new Map<ServiceName, ServiceProcess>()

  async function start(name: ServiceName, more: Record<string, string> = {}): Promise<ServiceProcess> {
    let out = ''
    const proc = spawn(process.execPath, ['--import', 'tsx', `${SRC}${name}/main.ts`], { env: { ...env, ...more }, stdio: ['ignore', 'pipe', 'pipe'] })
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString() })
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString() })
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
    const sp: ServiceProcess = { name, proc, output: () => out, exited }
    services.set(name, sp)
    const key = HEALTH[name]
    const ready = key
      ? poll(`${name} /health`, async () => (await fetch(`${urls[key]}/health`)).ok, 60_000, 200)
      : poll(`${name} consuming`, async () => out.includes('mes-worker consuming'), 60_000, 200)
    await Promise.race([ready, exited.then((code) => { throw new Error(`${name} exited (${code}) before it was ready:\n${out}`) })])
    return sp
  }

  async function stop(name: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const sp = services.get(name)
    if (sp === undefined) return null
    if (sp.proc.exitCode === null && sp.proc.signalCode === null) sp.proc.kill(signal)
    const t = setTimeout(() => sp.proc.kill('SIGKILL'), 15_000)
    const code = await sp.exited
    clearTimeout(t)
    return code
  }

  const topology = topologyNames(prefix)
  return {
    run, topology, databaseUrl, urls, env, services, start, stop,
    async close() {
      await Promise.all([...services.keys()].map((n) => stop(n)))
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
      await admin.connect()
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {})
      await admin.end()
      const conn = await amqp.connect(AMQP_URL)
      const ch = await conn.createChannel()
      for (const q of [topology.queue, topology.deadLetterQueue, `${topology.deadLetterExchange}.beacon-watch`]) await ch.deleteQueue(q).catch(() => {})
      for (const x of [topology.exchange, topology.deadLetterExchange]) await ch.deleteExchange(x).catch(() => {})
      await conn.close().catch(() => {})
    },
  }
}

/** JSON request helper for the tests. */
export async function http<T = any>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = text ? JSON.parse(text) : undefined } catch { /* text */ }
  return { status: res.status, body: parsed as T }
}
