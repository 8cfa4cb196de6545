import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { otlpLogsJson } from './test-utils.ts'

/**
 * Hostile strings in every query parameter, path parameter and in the search language: the answer
 * is a 4xx or a normal result, never a 500 or database error text, and every table is intact.
 */
let tb: TestBeacon
let auditorToken = ''

const HOSTILE = [
  "'", '"', '\\', "\\'", "' OR '1'='1", "' OR 1=1 --", "1; DROP TABLE otel_logs", "'); DROP TABLE beacon_users; --",
  '{q:String}', '{from:DateTime64(3)}', '`', '$1', '${7*7}', '%27%20OR%201%3D1', 'x\u0000y', '\n\r\t', '../../../../etc/passwd',
  'SELECT * FROM system.users', "') FORMAT JSON --", "1' UNION SELECT name FROM system.tables --", '*', '**:*', '((((((', ')))',
  'level:error OR 1=1', 'service:"x\' OR 1=1"', 'attributes.a:`b`', 'body:/(a+)+$/', "order.id:'; TRUNCATE TABLE otel_traces", 'now-99999999999d',
  '-1', '99999999999999999999', '1e309', 'NaN', 'null', '[]', '{}', 'эй 日本 🙂', '\ud800', 'a'.repeat(5000),
]

const DB_TEXT = /DB::Exception|Code: \d{2,3}|SYNTAX_ERROR|UNKNOWN_IDENTIFIER|ILLEGAL_TYPE|TYPE_MISMATCH|clickhouse|chdb|at \/.*\.ts/i

before(async () => {
  tb = await startTestBeacon({ overrides: { 'security.login.attemptsPerMinutePerIp': 100_000, 'security.login.maxFailuresPerIp': 100_000, 'security.login.maxFailuresPerUser': 100_000 } })
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }
  assert.equal((await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers, body: otlpLogsJson('shop-api', 'planted', 5, (i) => ({ 'order.id': `A-${i}` })) })).status, 200)
  await tb.flush()
  const u = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'aud', roles: ['auditor'], password: 'a long enough password' }) })
  assert.equal(u.status, 201)
  const login = await fetch(`${tb.apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'aud', password: 'a long enough password' }) })
  auditorToken = ((await login.json()) as { token: string }).token
})
after(async () => { await tb?.stop() })

async function snapshot() {
  const tables = await tb.store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name`)
  const counts: Record<string, number> = {}
  for (const t of ['otel_logs', 'otel_traces', 'beacon_users FINAL', 'beacon_api_keys FINAL']) {
    counts[t.split(' ')[0]] = Number((await tb.store.query<{ n: string }>(`SELECT count() AS n FROM ${t}`))[0].n)
  }
  return { tables: tables.map((t) => t.name), counts }
}

/** URL-encodes; a lone surrogate (which encodeURIComponent refuses) is sent as the invalid UTF-8 bytes it would be. */
function enc(s: string): string {
  try { return encodeURIComponent(s) } catch { return '%ED%A0%80' }
}

function check(what: string, status: number, text: string): void {
  assert.ok(status < 500, `${what} → ${status} ${text.slice(0, 300)}`)
  assert.doesNotMatch(text, DB_TEXT, `${what} leaks database text: ${text.slice(0, 300)}`)
}

async function get(path: string, token = tb.adminToken): Promise<void> {
  const res = await fetch(tb.apiUrl + path, { headers: { authorization: `Bearer ${token}` } })
  check(`GET ${path.slice(0, 120)}`, res.status, await res.text())
}

test('hostile strings in every parameter of every read endpoint', async () => {
  const before = await snapshot()
  for (const h of HOSTILE) {
    const v = enc(h)
    for (const p of ['q', 'from', 'to', 'limit', 'cursor', 'target']) await get(`/api/search?${p}=${v}`)
    await get(`/api/search?q=${v}&target=spans`)
    for (const p of ['target', 'from', 'to']) await get(`/api/fields?${p}=${v}`)
    await get(`/api/fields/${enc(h)}/values`)
    for (const p of ['q', 'from', 'to', 'limit', 'target']) await get(`/api/fields/service/values?${p}=${v}`)
    await get(`/api/traces/${v}`)
    await get(`/api/orders/${v}/timeline`)
    for (const p of ['from', 'to']) await get(`/api/orders/A-1/timeline?${p}=${v}`)
    for (const p of ['from', 'to']) await get(`/api/services?${p}=${v}`)
    for (const p of ['user', 'action', 'from', 'to', 'limit']) await get(`/api/audit?${p}=${v}`, auditorToken)
  }
  assert.deepEqual(await snapshot(), before)
})

test('hostile strings in admin routes, login and credentials', async () => {
  const before = await snapshot()
  const admin = { authorization: `Bearer ${tb.adminToken}`, 'content-type': 'application/json' }
  for (const h of HOSTILE) {
    const v = enc(h)
    const calls: [string, string, unknown, Record<string, string>][] = [
      ['PUT', `/api/admin/users/${v}/roles`, { roles: [h] }, admin],
      ['PUT', `/api/admin/users/${v}/password`, { password: h }, admin],
      ['POST', `/api/admin/users/${v}/disable`, {}, admin],
      ['POST', '/api/admin/users', { username: h, roles: ['analyst'], password: h }, admin],
      ['POST', '/api/admin/keys', { scope: h, name: h, service: h }, admin],
      ['POST', '/api/admin/keys', { scope: 'ingest', name: h, service: h }, admin],
      ['DELETE', `/api/admin/keys/${v}`, undefined, admin],
      ['POST', '/api/auth/login', { username: h, password: h }, { 'content-type': 'application/json' }],
    ]
    for (const [method, path, body, headers] of calls) {
      const res = await fetch(tb.apiUrl + path, { method, headers: body === undefined ? { authorization: admin.authorization } : headers, body: body === undefined ? undefined : JSON.stringify(body) })
      check(`${method} ${path.slice(0, 80)}`, res.status, await res.text())
    }
    // eslint-disable-next-line no-control-regex
    const headerSafe = /^[\x00-\xff]*$/.test(h)
    for (const auth of headerSafe ? [`Bearer ${h}`, `ApiKey ${h}`, `Basic ${Buffer.from(`elastic:${h}`).toString('base64')}`, `Bearer bs_${h}`] : []) {
      const api = await fetch(`${tb.apiUrl}/api/services`, { headers: { authorization: auth.replace(/[\r\n\0]/g, '') } })
      check('API credentials', api.status, await api.text())
      assert.equal(api.status, 401)
      const ingest = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth.replace(/[\r\n\0]/g, '') }, body: '{"resourceLogs":[]}' })
      assert.equal(ingest.status, 401)
    }
    const cookie = await fetch(`${tb.apiUrl}/api/services`, { headers: { cookie: `beacon_session=${v}` } })
    assert.equal(cookie.status, 401)
  }
  const after = await snapshot()
  // Users and keys whose hostile name happens to be valid were created as asked (as data); nothing else changed.
  assert.deepEqual(after.tables, before.tables)
  for (const t of ['otel_logs', 'otel_traces'] as const) assert.equal(after.counts[t], before.counts[t], t)
  const users = await tb.store.query<{ username: string }>('SELECT username FROM beacon_users FINAL')
  const created = users.map((u) => u.username).filter((u) => !['admin', 'aud'].includes(u))
  assert.equal(after.counts.beacon_users, before.counts.beacon_users + created.length)
  for (const u of created) assert.ok(HOSTILE.includes(u), u)
})

test('a quote in the search language is data, not SQL: a tautology matches nothing', async () => {
  for (const q of [`body:"planted' OR '1'='1"`, `order.id:"A-1' OR 1=1 --"`, `service:"shop-api') OR ('1'='1"`]) {
    const r = await tb.api(`/api/search?from=now-1h&q=${encodeURIComponent(q)}`)
    assert.ok(r.status === 200 || r.status === 400, `${q} → ${r.status}`)
    if (r.status === 200) assert.equal(r.body.total, 0, q)
  }
  const all = await tb.api('/api/search?from=now-1h&q=planted')
  assert.equal(all.body.total, 5)
})
