import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'

/** Login: same answer for unknown users and wrong passwords, lockout, sessions, CSRF, headers. */
let tb: TestBeacon
const PASSWORD = 'a long enough password'

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(tb.apiUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const text = await res.text()
  let json: any = text
  try { json = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body: json, headers: res.headers }
}

async function createUser(username: string, roles: string[]): Promise<void> {
  const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, roles, password: PASSWORD }) })
  assert.equal(r.status, 201, JSON.stringify(r.body))
}

before(async () => {
  tb = await startTestBeacon({ overrides: { 'security.login.attemptsPerMinutePerIp': 1000, 'security.login.maxFailuresPerIp': 1000 } })
  await createUser('alice', ['developer'])
  await createUser('locky', ['developer'])
  await createUser('tina', ['developer'])
  await createUser('timo', ['developer'])
})
after(async () => { await tb?.stop() })

test('an unknown user and a wrong password get the same answer in similar time', async () => {
  const time = async (username: string) => {
    const t0 = performance.now()
    const r = await post('/api/auth/login', { username, password: 'not the password' })
    return { r, ms: performance.now() - t0 }
  }
  // Warm both paths: the first unknown name also builds the decoy hash (a second scrypt).
  await time('alice')
  await time('nobody-warm')
  // Interleaved, seven each, medians compared: a test run shares the machine, and one slow
  // answer must not decide. Skipping the hash for unknown names makes them ~50× faster.
  // Names take turns so that none reaches the five failures that lock it.
  const unknown: number[] = []
  const wrong: number[] = []
  let a, b
  for (let i = 0; i < 7; i++) {
    a = await time(`nobody-${i}`)
    b = await time(i % 2 ? 'timo' : 'tina')
    unknown.push(a.ms)
    wrong.push(b.ms)
  }
  assert.equal(a!.r.status, 401)
  assert.equal(b!.r.status, 401)
  assert.deepEqual(a!.r.body, b!.r.body)
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[3]
  const ratio = median(unknown) / median(wrong)
  assert.ok(ratio > 0.33 && ratio < 3, `timing ratio unknown/wrong = ${ratio.toFixed(2)}`)
})

test('five failures lock the name (even with the right password afterwards), with the same answer for unknown names', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await post('/api/auth/login', { username: 'locky', password: `wrong ${i}` })).status, 401)
  const locked = await post('/api/auth/login', { username: 'locky', password: PASSWORD })
  assert.equal(locked.status, 429)
  assert.ok(Number(locked.headers.get('retry-after')) > 0)
  for (let i = 0; i < 5; i++) await post('/api/auth/login', { username: 'ghost', password: `wrong ${i}` })
  const ghost = await post('/api/auth/login', { username: 'ghost', password: PASSWORD })
  assert.equal(ghost.status, 429)
  assert.equal(ghost.body.message, locked.body.message)
  assert.equal((await post('/api/auth/login', { username: 'alice', password: PASSWORD })).status, 200, 'other names are not locked')
})

test('login needs a JSON body with both fields', async () => {
  assert.equal((await post('/api/auth/login', { username: 'alice' })).status, 400)
  assert.equal((await post('/api/auth/login', { username: ['alice'], password: PASSWORD })).status, 400)
})

test('cookie sessions need the CSRF header for writes; bearer tokens do not', async () => {
  const r = await post('/api/auth/login', { username: 'alice', password: PASSWORD })
  assert.equal(r.status, 200)
  const setCookie = r.headers.get('set-cookie') ?? ''
  assert.match(setCookie, /beacon_session=bs_/)
  assert.match(setCookie, /HttpOnly/)
  assert.match(setCookie, /SameSite=Strict/)
  assert.doesNotMatch(setCookie, /Secure/, 'no TLS here')
  const cookie = setCookie.split(';')[0]
  const me = await fetch(tb.apiUrl + '/api/auth/me', { headers: { cookie } })
  assert.equal(me.status, 200, 'GET with the cookie alone')
  const meBody = await me.json() as { csrfToken: string; name: string }
  assert.equal(meBody.name, 'alice')
  assert.equal(meBody.csrfToken, r.body.csrfToken)
  assert.equal((await post('/api/auth/logout', {}, { cookie })).status, 403, 'cookie POST without CSRF header')
  assert.equal((await post('/api/auth/logout', {}, { cookie, 'x-beacon-csrf': 'forged' })).status, 403, 'wrong CSRF token')
  assert.equal((await fetch(tb.apiUrl + '/api/auth/me', { headers: { cookie } })).status, 200, 'session still alive')
  const out = await post('/api/auth/logout', {}, { cookie, 'x-beacon-csrf': r.body.csrfToken })
  assert.equal(out.status, 200)
  assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/)
  assert.equal((await fetch(tb.apiUrl + '/api/auth/me', { headers: { cookie } })).status, 401, 'logged out')
  assert.equal((await fetch(tb.apiUrl + '/api/auth/me', { headers: { authorization: `Bearer ${r.body.token}` } })).status, 401, 'the bearer form of the same session too')

  const again = await post('/api/auth/login', { username: 'alice', password: PASSWORD })
  assert.equal((await post('/api/auth/logout', {}, { authorization: `Bearer ${again.body.token}` })).status, 200, 'bearer POST needs no CSRF header')
})

test('a password change or disabling ends existing sessions; disabled users cannot log in', async () => {
  await createUser('bob', ['developer'])
  const t1 = (await post('/api/auth/login', { username: 'bob', password: PASSWORD })).body.token
  const me = (token: string) => fetch(tb.apiUrl + '/api/auth/me', { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status)
  assert.equal(await me(t1), 200)
  const changed = await tb.api('/api/admin/users/bob/password', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'another long password' }) })
  assert.equal(changed.status, 200)
  assert.equal(await me(t1), 401)
  const t2 = (await post('/api/auth/login', { username: 'bob', password: 'another long password' })).body.token
  assert.equal(await me(t2), 200)
  assert.equal((await tb.api('/api/admin/users/bob/disable', { method: 'POST' })).status, 200)
  assert.equal(await me(t2), 401)
  const denied = await post('/api/auth/login', { username: 'bob', password: 'another long password' })
  assert.equal(denied.status, 401)
  assert.equal(denied.body.message, 'Wrong user name or password')
  assert.equal((await tb.api('/api/admin/users/bob/enable', { method: 'POST' })).status, 200)
  assert.equal((await post('/api/auth/login', { username: 'bob', password: 'another long password' })).status, 200)
})

test('user management refuses unknown roles, short passwords and duplicate names; never shows hashes', async () => {
  const create = (body: unknown) => tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  assert.equal((await create({ username: 'carol', roles: ['superuser'], password: PASSWORD })).status, 400)
  assert.equal((await create({ username: 'carol', roles: ['analyst'], password: 'short' })).status, 400)
  assert.equal((await create({ username: 'alice', roles: ['analyst'], password: PASSWORD })).status, 400)
  assert.equal((await create({ username: "x' OR 1=1", roles: ['analyst'], password: PASSWORD })).status, 400)
  const generated = await create({ username: 'carol', roles: ['analyst'] })
  assert.equal(generated.status, 201)
  assert.equal(typeof generated.body.password, 'string', 'a generated password is returned once')
  assert.equal((await post('/api/auth/login', { username: 'carol', password: generated.body.password })).status, 200)
  const list = await tb.api('/api/admin/users')
  assert.ok(list.body.users.some((u: any) => u.username === 'carol'))
  assert.ok(!JSON.stringify(list.body).includes('scrypt'))
})

test('security headers on every API answer, including refusals and errors', async () => {
  for (const [path, init] of [['/api/health', {}], ['/api/search', {}], ['/api/nope', {}], ['/api/auth/login', { method: 'POST' }]] as const) {
    const r = await fetch(tb.apiUrl + path, init)
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'self'/, path)
    assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path)
    assert.equal(r.headers.get('x-frame-options'), 'DENY', path)
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path)
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer', path)
    assert.equal(r.headers.get('cache-control'), 'no-store', path)
  }
})
