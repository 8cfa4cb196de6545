import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eventually, repoRoot, spawnBeacon, type ChildBeacon } from './test-utils.ts'

/**
 * The terminal commands end to end: `beacon start` as its own process with authentication on,
 * data sent over OTLP/HTTP, then `beacon login`, `query`, `trace`, `order`, `export` and `tail`
 * run as a person runs them, through the API with the stored token. Each command is a new process
 * (a second or more of start-up each, much more on a loaded machine): the checks are grouped so the
 * file stays within the test timeout.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'beacon-cli-'))
const home = mkdtempSync(join(tmpdir(), 'beacon-cli-home-'))
const PASSWORD = 'cli test pass phrase 7'
const INGEST_KEY = 'cli-test-ingest-key-0123456789'
const TRACE = 'c1'.repeat(16)
const HOSTILE = '\x1b[31mALERT\x1b[0m\rspoofed\x07 \u202eexe.txt'
let beacon: ChildBeacon

interface Run { code: number | null; stdout: string; stderr: string }

function cli(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), BEACON_CONFIG: '/dev/null', BEACON_API_URL: beacon.apiUrl, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    p.stdin.end(opts.input ?? '')
    p.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const ns = (msAgo: number): string => String(BigInt(Date.now() - msAgo) * 1_000_000n)
const attr = (key: string, v: string) => ({ key, value: { stringValue: v } })

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${beacon.otlpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_KEY}` }, body: JSON.stringify(body) })
  assert.equal(res.status, 200, await res.text())
}

function logs(service: string, records: { body: string; attrs?: Record<string, string>; level?: string; msAgo?: number; traceId?: string }[]) {
  return {
    resourceLogs: [{
      resource: { attributes: [attr('service.name', service)] },
      scopeLogs: [{ logRecords: records.map((r) => ({
        timeUnixNano: ns(r.msAgo ?? 1000), severityText: r.level ?? 'INFO', severityNumber: r.level === 'ERROR' ? 17 : 9, body: { stringValue: r.body },
        traceId: r.traceId, attributes: Object.entries(r.attrs ?? {}).map(([k, v]) => attr(k, v)),
      })) }],
    }],
  }
}

async function token(): Promise<string> {
  const res = await fetch(`${beacon.apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) })
  return ((await res.json()) as { token: string }).token
}

before(async () => {
  beacon = await spawnBeacon(dataDir, { BEACON_AUTH: 'on', BEACON_ADMIN_PASSWORD: PASSWORD, BEACON_INGEST_KEY: INGEST_KEY, BEACON_FLUSH_INTERVAL_MS: '200' })
  await beacon.ready
  const status = (msAgo: number, from: string, to: string) => ({ body: `ORD-CLI-1 ${from} → ${to}`, msAgo, attrs: { 'order.id': 'ORD-CLI-1', 'event.action': 'order.status_changed', 'order.status.from': from, 'order.status.to': to } })
  await post('/v1/logs', logs('cli-svc', [
    { body: HOSTILE, msAgo: 5000, traceId: TRACE },
    { body: 'order ORD-CLI-1 created', msAgo: 60_000, attrs: { 'order.id': 'ORD-CLI-1', 'event.action': 'order.created' } },
    status(50_000, 'new', 'scheduled'), status(20_000, 'scheduled', 'failed'),
    { body: 'lathe-1 jammed on ORD-CLI-1', level: 'ERROR', msAgo: 20_001, attrs: { 'order.id': 'ORD-CLI-1' } },
  ]))
  const start = BigInt(Date.now() - 10_000) * 1_000_000n
  await post('/v1/traces', { resourceSpans: [{ resource: { attributes: [attr('service.name', 'cli-svc')] }, scopeSpans: [{ spans: [
    { traceId: TRACE, spanId: '00000000000000a1', name: 'POST /orders', kind: 2, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 300_000_000n) },
    { traceId: TRACE, spanId: '00000000000000a2', parentSpanId: '00000000000000a1', name: 'pg.query', kind: 3, startTimeUnixNano: String(start + 10_000_000n), endTimeUnixNano: String(start + 290_000_000n), status: { code: 2, message: 'deadlock\x1b[2J' } },
  ] }] }] })
  const t = await token()
  await eventually(async () => {
    const r = await fetch(`${beacon.apiUrl}/api/search?q=service:cli-svc&from=now-1h`, { headers: { authorization: `Bearer ${t}` } })
    return ((await r.json()) as { total: number }).total === 5
  }, 30_000, 'the records in the store')
})

after(async () => {
  beacon?.proc.kill('SIGTERM')
  await new Promise((r) => (beacon?.proc.exitCode !== null ? r(null) : beacon.proc.once('exit', r)))
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(home, { recursive: true, force: true })
})

test('without a token the commands say how to sign in (exit code 4)', async () => {
  const r = await cli(['query', 'service:cli-svc'])
  assert.equal(r.code, 4, r.stderr)
  assert.match(r.stderr, /Not signed in to http:\/\/127\.0\.0\.1:\d+.*Run: beacon login --api/)
})

test('beacon login stores the token in a file only the user can read; the other commands use it', async () => {
  const r = await cli(['login', '--username', 'admin', '--password-stdin'], { input: `${PASSWORD}\n` })
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /Signed in to http:\/\/127\.0\.0\.1:\d+ as admin/)
  const file = join(home, '.config', 'beacon', 'credentials')
  assert.equal(statSync(file).mode & 0o777, 0o600)
  assert.equal(statSync(join(home, '.config', 'beacon')).mode & 0o777, 0o700)
  const stored = JSON.parse(readFileSync(file, 'utf8'))
  assert.equal(stored.api, beacon.apiUrl)
  assert.match(stored.token, /^bs_[A-Za-z0-9_-]{20,}$/)
})

test('beacon query shows log data with control characters escaped, never raw', async () => {
  const r = await cli(['query', 'service:cli-svc', '--from', 'now-1h'])
  assert.equal(r.code, 0, r.stderr)
  assert.ok(r.stdout.includes('\\x1b[31mALERT\\x1b[0m\\rspoofed\\x07 \\u202eexe.txt'), r.stdout)
  // eslint-disable-next-line no-control-regex -- asserting that none reach the terminal
  assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/)
  assert.match(r.stdout, /— 5 of 5 matching events/)
})

test('beacon trace prints the tree with the critical path and errors', async () => {
  const r = await cli(['trace', TRACE])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, new RegExp(`trace ${TRACE} {2}cli-svc: POST /orders`))
  assert.match(r.stdout, /2 spans · 1 services \(cli-svc\) · 1 error/)
  assert.match(r.stdout, /0\.00 ms +300\.0 ms \* {2}cli-svc +POST \/orders\n/)
  assert.match(r.stdout, /10\.0 ms +280\.0 ms \*✖ cli-svc + {2}pg\.query {2}— deadlock\\x1b\[2J\n/)
  assert.match(r.stdout, /logs \(1\):\n.*\\x1b\[31mALERT/)
})

test('beacon order tells the story: statuses with time spent, the failure marked, the first error; --json is the API answer', async () => {
  const r = await cli(['order', 'ORD-CLI-1', '--from', 'now-1h'])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /^order ORD-CLI-1 — now failed ✖/)
  assert.match(r.stdout, /story:\n {4}• new +10\.00 s +from .*\n {4}• scheduled +30\.00 s +from .*\n {4}✖ failed +since then +from /)
  assert.match(r.stdout, /first error: .* cli-svc: lathe-1 jammed on ORD-CLI-1/)
  const events = await cli(['order', 'ORD-CLI-1', '--from', 'now-1h', '--kinds', 'events', '--json'])
  assert.deepEqual(JSON.parse(events.stdout).entries.map((e: any) => e.eventAction), ['order.created', 'order.status_changed', 'order.status_changed'])
})

test('beacon export writes CSV or NDJSON to a file or stdout, and says how many matched', async () => {
  const file = join(home, 'out.csv')
  const r = await cli(['export', 'service:cli-svc', '--from', 'now-1h', '--format', 'csv', '--fields', 'service,body,order.id', '-o', file])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, /wrote \d+ bytes to .*out\.csv; 5 matching records/)
  const csv = readFileSync(file, 'utf8')
  assert.equal(csv.split('\r\n')[0], 'service,body,order.id')
  assert.ok(csv.includes(`cli-svc,"${HOSTILE}",\r\n`), `the file holds the data exactly: ${JSON.stringify(csv)}`)
  const nd = await cli(['export', 'order.id:ORD-CLI-1', '--from', 'now-1h', '--json', '--limit', '2'])
  assert.equal(nd.code, 0, nd.stderr)
  assert.equal(nd.stdout.trimEnd().split('\n').length, 2)
  assert.match(nd.stderr, /4 matching records — more than the export cap/)
})

test('beacon tail follows new records as they are acknowledged; Ctrl-C stops it', async () => {
  const p = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'tail', 'service:tail-svc'], {
    cwd: repoRoot, env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), BEACON_CONFIG: '/dev/null', BEACON_API_URL: beacon.apiUrl }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  p.stdout.on('data', (d: Buffer) => { out += d.toString() })
  p.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const exited = new Promise<number | null>((r) => p.once('close', r))
  try {
    await eventually(async () => err.includes('following service:tail-svc'), 30_000, 'the tail to open')
    await post('/v1/logs', logs('tail-svc', [{ body: 'live one\x1b[5m', msAgo: 0 }, { body: 'live two', msAgo: 0 }]))
    await post('/v1/logs', logs('other-svc', [{ body: 'not this one', msAgo: 0 }]))
    await eventually(async () => out.includes('live two'), 20_000, 'the tailed records')
    assert.match(out, /INFO {2}tail-svc +live one\\x1b\[5m\n/)
    assert.ok(!out.includes('not this one'))
  } finally {
    p.kill('SIGINT')
  }
  assert.equal(await exited, 0)
  assert.match(err, /— 2 records shown/)
})

test('beacon user list / key list --json show the admin API\'s views: ISO 8601 UTC times, never a hash', async () => {
  const env = { BEACON_DATA_DIR: join(home, 'admin-data') } // the embedded store of a stopped Beacon (removed with home)
  assert.equal((await cli(['user', 'add', 'bob', '--roles', 'support'], { env })).code, 0)
  assert.equal((await cli(['key', 'create', '--scope', 'read', '--name', 'ci'], { env })).code, 0)
  const users = await cli(['user', 'list', '--json'], { env })
  assert.equal(users.code, 0, users.stderr)
  const [bob] = JSON.parse(users.stdout)
  assert.equal(bob.username, 'bob')
  for (const f of ['createdAt', 'updatedAt', 'sessionsAfter']) assert.match(bob[f], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, f)
  assert.ok(!('passwordHash' in bob) && !('createdAtMs' in bob))
  const keys = await cli(['key', 'list', '--json'], { env })
  const [k] = JSON.parse(keys.stdout)
  assert.match(k.createdAt, /^\d{4}-\d\d-\d\dT.*Z$/)
  assert.equal(k.lastUsedAt, null)
  assert.equal(k.revokedAt, null)
  assert.ok(!('keyHash' in k))
  const table = await cli(['key', 'list'], { env })
  assert.match(table.stdout, /ID +SCOPE +SERVICE +NAME +STATE +CREATED +LAST USED\n\w+ +read +\* +ci +active +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +-\n/)
})
