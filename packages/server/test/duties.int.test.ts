import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'

/**
 * Separation of duties with dual control on (the default outside tests): managing users does not
 * give data access, nobody changes their own roles, data roles need a second admin, the last active
 * admin stays, and weak passwords are refused.
 */
let tb: TestBeacon
const PASSWORD = 'a long enough password'
const json = { 'content-type': 'application/json' }

async function as(token: string | undefined, path: string, method = 'GET', body?: unknown) {
  const res = await fetch(tb.apiUrl + path, { method, headers: { ...json, authorization: `Bearer ${token}` }, body: method === 'GET' ? undefined : JSON.stringify(body ?? {}) })
  return { status: res.status, body: await res.json() as any }
}
async function login(username: string): Promise<string> {
  const r = await fetch(`${tb.apiUrl}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: PASSWORD }) })
  assert.equal(r.status, 200)
  return ((await r.json()) as { token: string }).token
}

let admin2: string
before(async () => {
  tb = await startTestBeacon({ overrides: { 'security.dualControl': true, 'security.login.attemptsPerMinutePerIp': 1000 } })
  // bootstrap: the first admin creates a second admin without approval (no permission beyond its own)
  const r = await as(tb.adminToken, '/api/admin/users', 'POST', { username: 'admin2', roles: ['admin'], password: PASSWORD })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  admin2 = await login('admin2')
})
after(async () => { await tb?.stop() })

test('an admin cannot grant itself support or auditor, nor change its own roles', async () => {
  const me = await as(admin2, '/api/auth/me')
  const name = me.body.name ?? me.body.user?.username ?? 'admin2'
  for (const roles of [['admin', 'support'], ['admin', 'auditor'], []]) {
    const r = await as(admin2, `/api/admin/users/${name}/roles`, 'PUT', { roles })
    assert.equal(r.status, 403, JSON.stringify(r.body))
  }
})

test('a role granting permissions the admin lacks waits for a second admin', async () => {
  // admin2 holds admin only; the first admin (bootstrap: admin + support) holds no audit:read either
  const first = await as(admin2, '/api/admin/users', 'POST', { username: 'aud', roles: ['auditor'], password: PASSWORD })
  assert.equal(first.status, 202, JSON.stringify(first.body))
  const again = await as(admin2, '/api/admin/users', 'POST', { username: 'aud', roles: ['auditor'], password: PASSWORD })
  assert.equal(again.status, 202, 'the same admin asking twice is not a second admin')
  const second = await as(tb.adminToken, '/api/admin/users', 'POST', { username: 'aud', roles: ['auditor'], password: PASSWORD })
  assert.equal(second.status, 201, JSON.stringify(second.body))
  // managing users is not reading data
  assert.equal((await as(admin2, '/api/search?q=&from=now-1h')).status, 403)
  const audit = await tb.store.query<{ action: string }>("SELECT action FROM beacon_audit WHERE action LIKE 'user.create%'")
  assert.ok(audit.length >= 4)
})

test('the last active admin cannot be disabled or demoted', async () => {
  assert.equal((await as(tb.adminToken, '/api/admin/users/admin2/disable', 'POST')).status, 200)
  const me = await as(tb.adminToken, '/api/auth/me')
  const first = me.body.name ?? me.body.user?.username ?? 'admin'
  const r = await as(tb.adminToken, `/api/admin/users/${first}/disable`, 'POST')
  assert.equal(r.status, 403, JSON.stringify(r.body))
  assert.equal((await as(tb.adminToken, '/api/admin/users/admin2/enable', 'POST')).status, 200)
})

test('weak and common passwords are refused', async () => {
  for (const password of ['short1!', 'Password2024!', 'qwertyuiop123', '111111111111111', 'abcdefghijklmn', 'weakuser-1234567']) {
    const r = await as(tb.adminToken, '/api/admin/users', 'POST', { username: 'weakuser', roles: ['admin'], password })
    assert.equal(r.status, 400, `${password}: ${JSON.stringify(r.body)}`)
  }
})
