import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type AddressInfo } from 'node:net'
import { repoRoot } from '../../test/test-utils.ts'

/** packages/server/bin/beacon: the launcher `npm start` and the `beacon` command run. */
const launcher = join(repoRoot, 'packages/server/bin/beacon')
const dir = mkdtempSync(join(tmpdir(), 'beacon-launcher-'))
const printEnv = join(dir, 'print-env.mjs')
writeFileSync(printEnv, 'console.log(JSON.stringify({ threshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? null })); process.exit(0)\n')
const { MALLOC_MMAP_THRESHOLD_: _inherited, BEACON_MALLOC_MMAP_THRESHOLD: _opt, ...cleanEnv } = process.env

/** The launcher's environment as the CLI sees it (a preload prints it and exits before the CLI runs). */
function thresholdSeen(env: Record<string, string>): string | null {
  const r = spawnSync('sh', [launcher, '--help'], { cwd: repoRoot, env: { ...cleanEnv, NODE_OPTIONS: `--import ${printEnv}`, ...env }, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return (JSON.parse(r.stdout.trim()) as { threshold: string | null }).threshold
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

test.after(() => rmSync(dir, { recursive: true, force: true }))

test('the launcher sets glibc\'s mmap threshold unless it is set already or turned off', () => {
  assert.equal(thresholdSeen({}), '131072')
  assert.equal(thresholdSeen({ MALLOC_MMAP_THRESHOLD_: '65536' }), '65536')
  assert.equal(thresholdSeen({ BEACON_MALLOC_MMAP_THRESHOLD: '262144' }), '262144')
  assert.equal(thresholdSeen({ BEACON_MALLOC_MMAP_THRESHOLD: '0' }), null)
})

test('the launcher passes the exit code through', () => {
  const config = join(dir, 'bad.yaml')
  writeFileSync(config, 'retension: 3\n')
  const bad = spawnSync('sh', [launcher, 'start'], { cwd: repoRoot, env: { ...cleanEnv, BEACON_CONFIG: config }, encoding: 'utf8' })
  assert.equal(bad.status, 2, bad.stderr)
  assert.match(bad.stderr, /retension/)
  assert.equal(spawnSync('sh', [launcher, 'no-such-command'], { cwd: repoRoot, env: cleanEnv }).status, 1)
})

test('beacon start through the launcher is one process with the threshold, and SIGTERM stops it cleanly', async () => {
  const data = join(dir, 'data')
  // One listener on (a free port): with every listener off nothing holds the event loop, and the
  // process could end on its own before the signal is sent.
  const port = await freePort()
  const proc = spawn('sh', [launcher, 'start'], {
    cwd: repoRoot,
    env: { ...cleanEnv, BEACON_DATA_DIR: data, BEACON_CONFIG: '/dev/null', BEACON_AUTH: 'off', BEACON_HOST: '127.0.0.1', BEACON_API_PORT: '0', BEACON_OTLP_PORT: String(port), BEACON_ES_PORT: '0',
      BEACON_OTLP_GRPC_PORT: '0', BEACON_SYSLOG_PORT: '0', BEACON_SYSLOG_TLS_PORT: '0', BEACON_FORWARD_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => { out += d.toString() })
  proc.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<[number | null, string | null]>((resolve) => proc.once('exit', (code, signal) => resolve([code, signal])))
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => { if (out.includes('Beacon is ready')) { clearInterval(timer); resolve() } }, 100)
    void exited.then(() => { clearInterval(timer); reject(new Error(`exited before ready:\n${out}`)) })
  })
  // `exec`: the shell's pid is now the server's own node process.
  assert.match(readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8'), /node\0.*beacon\.mjs\0start/)
  assert.ok(readFileSync(`/proc/${proc.pid}/environ`, 'utf8').split('\0').includes('MALLOC_MMAP_THRESHOLD_=131072'))
  // Exit code 0 and no signal: Beacon's own handler stopped it (the default action would end it by the signal).
  proc.kill('SIGTERM')
  assert.deepEqual(await exited, [0, null])
})
