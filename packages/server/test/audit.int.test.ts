import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { AuditLog } from '../src/audit/audit-log.ts'
import { eventually, otlpLogsJson, repoRoot } from './test-utils.ts'

/** Each audited action produces exactly one audit entry; `beacon audit verify` finds tampering. */
let tb: TestBeacon
const dataDir = mkdtempSync(join(tmpdir(), 'beacon-audit-'))
const keyFile = join(dataDir, 'keys')
const PASSWORD = 'a long enough password'
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const tokens: Record<string, string> = {}
let lastSeq = 0

function overrides() {
  return {
    'security.encryption.fields': ['customer.email'],
    'security.encryption.keyFile': keyFile,
    'security.login.attemptsPerMinutePerIp': 1000,
  }
}

async function call(path: string, opts: { method?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {}
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(tb.apiUrl + path, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) })
  const text = await res.text()
  let body: any = text
  try { body = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body }
}

interface Entry { seq: number; actor: string; action: string; target: string; client: string; result: string; rows: number; detail: string }

/** Audit entries appended since the last call (leaving out this helper's own audit reads). */
async function newEntries(): Promise<Entry[]> {
  const r = await call('/api/audit?limit=1000', { token: tokens.auditor })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const all = (r.body.entries as Entry[]).filter((e) => e.seq > lastSeq).sort((a, b) => a.seq - b.seq)
  if (all.length) lastSeq = all[all.length - 1].seq
  return all.filter((e) => !(e.actor === 'user:auditor' && e.action === 'audit.read'))
}

/** Runs `fn` and returns the audit entries it caused (waiting briefly for the expected count). */
async function entriesOf(fn: () => Promise<unknown>, expected: number): Promise<Entry[]> {
  await newEntries()
  await fn()
  const got: Entry[] = []
  await eventually(async () => { got.push(...await newEntries()); return got.length >= expected }, 5000, `${expected} audit entries`).catch(() => {})
  await new Promise((r) => setTimeout(r, 100))
  got.push(...await newEntries())
  return got
}

before(async () => {
  writeFileSync(keyFile, `k1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 })
  tb = await startTestBeacon({ dataDir, overrides: overrides() })
  tokens.admin = tb.adminToken!
  for (const [username, roles] of [['auditor', ['auditor']], ['auditor2', ['auditor']], ['dev', ['developer']]] as const) {
    const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, roles, password: PASSWORD }) })
    assert.equal(r.status, 201)
    tokens[username] = (await call('/api/auth/login', { method: 'POST', body: { username, password: PASSWORD } })).body.token
  }
  const ingest = { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }
  const logs = otlpLogsJson('checkout', 'checkout-done', 1, () => ({ 'customer.email': 'jane.doe@example.com', 'order.id': 'A-7' }))
  assert.equal((await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: ingest, body: logs })).status, 200)
  const now = BigInt(Date.now()) * 1_000_000n
  const spans = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
    scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: '00f067aa0ba902b7', name: 'pay', startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000n) }] }] }] })
  assert.equal((await fetch(`${tb.otlpUrl}/v1/traces`, { method: 'POST', headers: ingest, body: spans })).status, 200)
  await tb.flush()
})

after(async () => {
  await tb?.stop().catch(() => {})
  rmSync(dataDir, { recursive: true, force: true })
})

function one(entries: Entry[], action: string): Entry {
  assert.deepEqual(entries.map((e) => e.action), [action], JSON.stringify(entries))
  return entries[0]
}

test('reads are audited once each, with the query, range and rows returned', async () => {
  const search = one(await entriesOf(() => call('/api/search?q=checkout&from=now-1h', { token: tokens.dev }), 1), 'search')
  assert.equal(search.actor, 'user:dev')
  assert.equal(search.result, 'allowed')
  assert.equal(search.rows, 1)
  assert.deepEqual(JSON.parse(search.target), { q: 'checkout', from: 'now-1h' })
  assert.equal(search.client, '127.0.0.1')

  const trace = one(await entriesOf(() => call(`/api/traces/${TRACE_ID}`, { token: tokens.dev }), 1), 'trace.read')
  assert.equal(JSON.parse(trace.target).traceId, TRACE_ID)
  assert.equal(trace.rows, 1)
  const order = one(await entriesOf(() => call('/api/orders/A-7/timeline?from=now-1h', { token: tokens.dev }), 1), 'order.timeline')
  assert.deepEqual(JSON.parse(order.target), { orderId: 'A-7', from: 'now-1h' })
  assert.equal(order.rows, 1)
  one(await entriesOf(() => call('/api/fields?from=now-1h', { token: tokens.dev }), 1), 'facets.read')
  const values = one(await entriesOf(() => call('/api/fields/service/values?from=now-1h', { token: tokens.dev }), 1), 'facets.read')
  assert.equal(JSON.parse(values.target).name, 'service')
  one(await entriesOf(() => call('/api/services', { token: tokens.dev }), 1), 'services.read')
  const failed = one(await entriesOf(() => call('/api/search?q=level:(', { token: tokens.dev }), 1), 'search')
  assert.equal(failed.result, 'error')
  one(await entriesOf(() => call('/api/audit', { token: tokens.auditor2 }), 1), 'audit.read')
})

test('decryption: plaintext for sensitive:decrypt with one decrypt entry; a placeholder and no entry for others', async () => {
  let body: any
  const entries = await entriesOf(async () => { body = (await call('/api/search?q=checkout&from=now-1h', { token: tokens.admin })).body }, 2)
  assert.deepEqual(entries.map((e) => e.action).sort(), ['search', 'sensitive.decrypt'])
  assert.equal(entries.find((e) => e.action === 'sensitive.decrypt')!.rows, 1)
  assert.equal(body.events[0].attributes['customer.email'], 'jane.doe@example.com')

  const devEntries = await entriesOf(async () => { body = (await call('/api/search?q=checkout&from=now-1h', { token: tokens.dev })).body }, 1)
  one(devEntries, 'search')
  assert.equal(body.events[0].attributes['customer.email'], '[encrypted]')
  const stored = await tb.store.query<{ v: string }>(`SELECT LogAttributes['customer.email'] AS v FROM otel_logs`)
  assert.ok(stored[0].v.startsWith('enc:v1:'), 'the store holds only the token')
})

test('logins, logouts and denied requests are audited once each', async () => {
  const ok = one(await entriesOf(() => call('/api/auth/login', { method: 'POST', body: { username: 'dev', password: PASSWORD } }), 1), 'auth.login')
  assert.equal(ok.actor, 'user:dev')
  const bad = one(await entriesOf(() => call('/api/auth/login', { method: 'POST', body: { username: 'dev', password: 'wrong password!' } }), 1), 'auth.login_failed')
  assert.equal(bad.result, 'denied')
  assert.ok(!bad.target.includes('wrong password'), 'the tried password is not recorded')
  const session = (await call('/api/auth/login', { method: 'POST', body: { username: 'dev', password: PASSWORD } })).body.token
  await newEntries()
  one(await entriesOf(() => call('/api/auth/logout', { method: 'POST', token: session }), 1), 'auth.logout')
  const anon = one(await entriesOf(() => call('/api/search?q=x'), 1), 'access.denied')
  assert.equal(anon.actor, 'anonymous')
  assert.match(anon.detail, /^401/)
  const forbidden = one(await entriesOf(() => call('/api/audit', { token: tokens.dev }), 1), 'access.denied')
  assert.equal(forbidden.actor, 'user:dev')
  assert.match(forbidden.detail, /^403/)
})

test('user, role and key changes are audited once each', async () => {
  const admin = { token: tokens.admin }
  one(await entriesOf(() => call('/api/admin/users', { ...admin, method: 'POST', body: { username: 'eve', roles: ['analyst'], password: PASSWORD } }), 1), 'user.create')
  const roles = one(await entriesOf(() => call('/api/admin/users/eve/roles', { ...admin, method: 'PUT', body: { roles: ['developer'] } }), 1), 'user.roles')
  assert.deepEqual(JSON.parse(roles.target), { username: 'eve', roles: ['developer'] })
  one(await entriesOf(() => call('/api/admin/users/eve/password', { ...admin, method: 'PUT', body: { password: 'eve has a new password' } }), 1), 'user.password')
  one(await entriesOf(() => call('/api/admin/users/eve/disable', { ...admin, method: 'POST' }), 1), 'user.disable')
  let id = ''
  const created = one(await entriesOf(async () => { id = (await call('/api/admin/keys', { ...admin, method: 'POST', body: { scope: 'read' } })).body.key.id }, 1), 'key.create')
  assert.equal(JSON.parse(created.target).id, id)
  one(await entriesOf(() => call(`/api/admin/keys/${id}`, { ...admin, method: 'DELETE' }), 1), 'key.revoke')
  const refused = one(await entriesOf(() => call('/api/admin/users/eve/roles', { ...admin, method: 'PUT', body: { roles: ['root'] } }), 1), 'user.roles')
  assert.equal(refused.result, 'error')
})

test('the chain survives a restart and `beacon audit verify` reports the first altered row', async () => {
  const before = await AuditLog.verify(tb.store)
  assert.equal(before.ok, true, JSON.stringify(before))
  await tb.stop({ keepData: true })
  tb = await startTestBeacon({ dataDir, overrides: overrides() })
  tokens.auditor = (await call('/api/auth/login', { method: 'POST', body: { username: 'auditor', password: PASSWORD } })).body.token
  await call('/api/services', { token: tokens.auditor })
  await eventually(async () => { const v = await AuditLog.verify(tb.store); return v.ok && before.ok && v.count > before.count + 1 }, 5000, 'chain continued')

  // Tamper directly through the store, as an attacker with database access would (the app never does).
  await tb.store.command(`ALTER TABLE beacon_audit UPDATE target = '{"q":"nothing to see"}' WHERE seq = 5 SETTINGS mutations_sync = 2`)
  const broken = await AuditLog.verify(tb.store)
  assert.equal(broken.ok, false)
  assert.equal(!broken.ok && broken.brokenAt, 5)
  await tb.stop({ keepData: true })

  const env = { ...process.env, BEACON_DATA_DIR: dataDir, BEACON_CONFIG: '/dev/null' }
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'audit', 'verify'], { cwd: repoRoot, env, encoding: 'utf8' })
  assert.equal(cli.status, 1, cli.stdout + cli.stderr)
  assert.match(cli.stdout, /BROKEN at seq 5/)
  tb = await startTestBeacon({ dataDir, overrides: overrides() })
})

test('the application never updates or deletes audit rows (only CREATE and INSERT in the source)', () => {
  const src = join(repoRoot, 'packages/server/src')
  const files: string[] = []
  const walk = (d: string) => { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else if (p.endsWith('.ts')) files.push(p) } }
  walk(src)
  for (const f of files) {
    const text = readFileSync(f, 'utf8')
    assert.doesNotMatch(text, /(ALTER\s+TABLE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)[^`'"]*(beacon_audit|\$\{AUDIT_TABLE\})/i, f)
  }
})
