import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { loadConfig } from './config/load.ts'
import { createLogger } from './logger.ts'
import { createBeacon, type Beacon } from './app.ts'
import { securityExtensions } from './security-wiring.ts'
import type { Store } from './store/connection.ts'

/**
 * Test helper: a real Beacon in this process (embedded chDB in a temp dir, free ports), as
 * `npm start` would run it. One per test file (chDB is one engine per process).
 */
export interface TestBeacon {
  beacon: Beacon
  apiUrl: string
  otlpUrl: string
  esUrl: string
  store: Store
  dataDir: string
  /** Credentials when auth is on (security feature); undefined when off. */
  ingestKey?: string
  adminToken?: string
  /** Waits until everything acknowledged is in the store. */
  flush(): Promise<void>
  /** GET on the API (with the admin token when auth is on); parses JSON. */
  api<T = any>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>
  stop(opts?: { keepData?: boolean }): Promise<void>
}

/**
 * A port free now, for a listener a test starts next. Picked below the kernel's ephemeral range: a
 * port the kernel hands out (`listen(0)`) is free again once probed, and an outgoing connection of
 * any process can take it before the test's listener binds it (EADDRINUSE, seen in full runs).
 */
export async function freePort(): Promise<number> {
  const below = ephemeralLow()
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = below - 1 - Math.floor(Math.random() * 10_000)
    if (await canListen(port)) return port
  }
  throw new Error(`no free port found below ${below}`)
}

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    if (low > 12_000) return low
  } catch { /* not Linux */ }
  return 32_768
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

export interface TestBeaconOptions {
  dataDir?: string
  /** Extra `BEACON_*` variables. */
  env?: Record<string, string>
  /** Config overrides by dotted path, e.g. { 'limits.maxBodyBytes': 1024 }. */
  overrides?: Record<string, unknown>
  logLevel?: string
  /** Where Beacon's own log goes (JSON lines), e.g. `{ write: (line) => lines.push(line) }`; default stdout. */
  logDestination?: { write(line: string): void }
}

export async function startTestBeacon(opts: TestBeaconOptions = {}): Promise<TestBeacon> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'beacon-test-'))
  const [api, otlp, es] = await Promise.all([freePort(), freePort(), freePort()])
  const env: NodeJS.ProcessEnv = {
    BEACON_DATA_DIR: dataDir,
    BEACON_API_PORT: String(api),
    BEACON_OTLP_PORT: String(otlp),
    BEACON_ES_PORT: String(es),
    BEACON_HOST: '127.0.0.1',
    // Receivers a test does not ask for stay off (their default ports are fixed numbers).
    BEACON_OTLP_GRPC_PORT: '0',
    BEACON_SYSLOG_PORT: '0',
    BEACON_SYSLOG_TLS_PORT: '0',
    BEACON_FORWARD_PORT: '0',
    ...opts.env,
  }
  // dual control off by default here (one test admin sets up every role); duties.int.test.ts turns it on
  const config = loadConfig({ env, file: '/dev/null', overrides: { 'ingest.flushIntervalMs': 100, 'security.dualControl': false, ...opts.overrides } })
  const log = createLogger(opts.logLevel ?? process.env.BEACON_TEST_LOG_LEVEL ?? 'silent', opts.logDestination)
  const ext = await securityExtensions(config, log, { testCredentials: true, env })
  const beacon = await createBeacon(config, log, ext)
  const credentials = (ext as { testCredentials?: { ingestKey?: string; adminToken?: string } }).testCredentials ?? {}
  return {
    beacon,
    apiUrl: beacon.urls.api ?? '',
    otlpUrl: beacon.urls.otlp ?? '',
    esUrl: beacon.urls.elastic ?? '',
    store: beacon.store,
    dataDir,
    ingestKey: credentials.ingestKey,
    adminToken: credentials.adminToken,
    flush: () => beacon.flush(),
    async api(path, init) {
      const headers = new Headers(init?.headers)
      if (credentials.adminToken && !headers.has('authorization')) headers.set('authorization', `Bearer ${credentials.adminToken}`)
      const res = await fetch(beacon.urls.api + path, { ...init, headers })
      const text = await res.text()
      let body: unknown = text
      try { body = JSON.parse(text) } catch { /* not JSON */ }
      return { status: res.status, body: body as any }
    },
    async stop(o) {
      await beacon.stop()
      if (!o?.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Encryption keys for tests that turn field encryption on. */
export { generateKey } from './security/crypto.ts'
