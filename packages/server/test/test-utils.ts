import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort } from '../src/testing.ts'

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** A minimal OTLP/JSON logs request: `n` records for `service`, bodies `${prefix}-${i}`, attributes per record. */
export function otlpLogsJson(service: string, prefix: string, n: number, attrs: (i: number) => Record<string, string> = () => ({})): string {
  const now = BigInt(Date.now()) * 1_000_000n
  const logRecords = Array.from({ length: n }, (_, i) => ({
    timeUnixNano: String(now + BigInt(i)),
    severityText: 'INFO',
    severityNumber: 9,
    body: { stringValue: `${prefix}-${i}` },
    attributes: Object.entries(attrs(i)).map(([key, v]) => ({ key, value: { stringValue: v } })),
  }))
  return JSON.stringify({
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ scope: { name: 'test' }, logRecords }] }],
  })
}

export interface ChildBeacon { proc: ChildProcess; apiUrl: string; otlpUrl: string; esUrl: string; output: () => string; ready: Promise<void> }

/** `beacon start` as a separate process, through the launcher `npm start` runs (bin/beacon: it `exec`s, so `proc.pid` is the server's), on free ports. */
export async function spawnBeacon(dataDir: string, env: Record<string, string> = {}): Promise<ChildBeacon> {
  const [api, otlp, es] = await Promise.all([freePort(), freePort(), freePort()])
  let out = ''
  const proc = spawn('sh', ['packages/server/bin/beacon', 'start'], {
    cwd: repoRoot,
    env: { ...process.env, BEACON_DATA_DIR: dataDir, BEACON_API_PORT: String(api), BEACON_OTLP_PORT: String(otlp), BEACON_ES_PORT: String(es), BEACON_HOST: '127.0.0.1', BEACON_OTLP_GRPC_PORT: '0', BEACON_SYSLOG_PORT: '0', BEACON_SYSLOG_TLS_PORT: '0', BEACON_FORWARD_PORT: '0', BEACON_AUTH: 'off', BEACON_CONFIG: '/dev/null', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => { out += d.toString(); if (out.includes('Beacon is ready')) resolve() }
    proc.stdout!.on('data', onData)
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString() })
    proc.once('exit', (code) => reject(new Error(`beacon exited with ${code} before ready:\n${out}`)))
    setTimeout(() => reject(new Error(`beacon not ready after 60 s:\n${out}`)), 60_000).unref()
  })
  return { proc, apiUrl: `http://127.0.0.1:${api}`, otlpUrl: `http://127.0.0.1:${otlp}`, esUrl: `http://127.0.0.1:${es}`, output: () => out, ready }
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try { const v = await fn(); if (v) return v } catch (err) { last = err }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
}

/** A real S3 API on localhost (s3rver) with one bucket; `stop`/`restart` simulate S3 going down and coming back. */
export interface LocalS3 { endpoint: string; bucket: string; dir: string; stop(): Promise<void>; restart(): Promise<void> }

export async function startLocalS3(bucket = 'beacon-archive'): Promise<LocalS3> {
  const { default: S3rver } = await import('s3rver')
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'beacon-s3-'))
  const port = await freePort()
  let server: InstanceType<typeof S3rver> | null = null
  const start = async () => {
    server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket }] })
    await server.run()
  }
  await start()
  return {
    endpoint: `http://127.0.0.1:${port}`, bucket, dir,
    async stop() { await server?.close(); server = null },
    async restart() { if (!server) await start() },
  }
}
