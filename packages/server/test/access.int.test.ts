import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { eventually, otlpLogsJson } from './test-utils.ts'

/**
 * The permission matrix: every API endpoint × every role and key scope × no credentials, and the
 * ingest endpoints × key scopes, on a real Beacon with authentication on.
 */
let tb: TestBeacon
const tokens: Record<string, string | undefined> = {}
const TRACE_ID = '5b8efff798038103d269b633813fc60c'
const PASSWORD = 'a long enough password'

async function req(path: string, opts: { method?: string; token?: string; body?: unknown; base?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch((opts.base ?? tb.apiUrl) + path, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) })
  const text = await res.text()
  let body: any = text
  try { body = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body, headers: res.headers }
}

async function login(username: string, password: string): Promise<string> {
  const r = await req('/api/auth/login', { method: 'POST', body: { username, password } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.token
}

function traceBody(service: string): string {
  const now = BigInt(Date.now()) * 1_000_000n
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [{ scope: { name: 't' }, spans: [{ traceId: TRACE_ID, spanId: '051581bf3cb55c13', name: 'GET /orders', kind: 2,
      startTimeUnixNano: String(now), endTimeUnixNano: String(now + 5_000_000n), attributes: [{ key: 'order.id', value: { stringValue: 'A-1' } }] }] }] }] })
}

before(async () => {
  tb = await startTestBeacon({ overrides: { 'security.login.attemptsPerMinutePerIp': 1000 } })
  assert.ok(tb.adminToken && tb.ingestKey, 'startTestBeacon gives credentials when auth is on')
  tokens.admin = tb.adminToken
  tokens.ingestKey = tb.ingestKey
  for (const role of ['support', 'developer', 'analyst', 'auditor']) {
    const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `${role}-user`, roles: [role], password: PASSWORD }) })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    tokens[role] = await login(`${role}-user`, PASSWORD)
  }
  const admin2 = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin-only', roles: ['admin'], password: PASSWORD }) })
  assert.equal(admin2.status, 201)
  tokens.adminOnly = await login('admin-only', PASSWORD)
  const key = await tb.api('/api/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'read', name: 'grafana' }) })
  assert.equal(key.status, 201, JSON.stringify(key.body))
  tokens.readKey = key.body.secret
  // Some data so the trace exists and searches return records.
  const ingest = { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }
  assert.equal((await fetch(`${tb.otlpUrl}/v1/traces`, { method: 'POST', headers: ingest, body: traceBody('shop-api') })).status, 200)
  assert.equal((await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: ingest, body: otlpLogsJson('shop-api', 'hello', 3, () => ({ 'order.id': 'A-1' })) })).status, 200)
  await tb.flush()
})

after(async () => { await tb?.stop() })

type Who = 'support' | 'developer' | 'analyst' | 'adminOnly' | 'auditor' | 'readKey' | 'ingestKey' | 'none'
const WHO: Who[] = ['support', 'developer', 'analyst', 'adminOnly', 'auditor', 'readKey', 'ingestKey', 'none']

//                                                           support dev  analyst admin auditor readKey ingestKey none
const MATRIX: [string, string, number[]][] = [
  ['GET', '/api/search?q=hello&from=now-1h', [200, 200, 200, 403, 403, 200, 403, 401]],
  ['GET', '/api/search?q=&target=spans&from=now-1h', [200, 200, 200, 403, 403, 200, 403, 401]],
  ['GET', '/api/fields?from=now-1h', [200, 200, 200, 403, 403, 200, 403, 401]],
  ['GET', '/api/fields/service/values?from=now-1h', [200, 200, 200, 403, 403, 200, 403, 401]],
  ['GET', `/api/traces/${TRACE_ID}`, [200, 200, 403, 403, 403, 200, 403, 401]],
  ['GET', '/api/orders/A-1/timeline', [200, 200, 403, 403, 403, 200, 403, 401]],
  ['GET', '/api/services?from=now-1h', [200, 200, 200, 403, 403, 200, 403, 401]],
  ['GET', '/api/health', [200, 200, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/audit', [403, 403, 403, 403, 200, 403, 403, 401]],
  ['GET', '/api/admin/users', [403, 403, 403, 200, 403, 403, 403, 401]],
  ['GET', '/api/admin/keys', [403, 403, 403, 200, 403, 403, 403, 401]],
  ['GET', '/api/admin/redaction', [403, 403, 403, 200, 403, 403, 403, 401]],
  ['POST', '/api/admin/keys', [403, 403, 403, 201, 403, 403, 403, 401]],
  ['PUT', '/api/admin/users/developer-user/roles', [403, 403, 403, 200, 403, 403, 403, 401]],
  ['GET', '/api/auth/me', [200, 200, 200, 200, 200, 200, 403, 401]],
]

describe('permission matrix', () => {
  for (const [method, path, expected] of MATRIX) {
    test(`${method} ${path.split('?')[0]}`, async () => {
      const got: Record<string, number> = {}
      const want: Record<string, number> = {}
      for (const [i, who] of WHO.entries()) {
        const body = method === 'POST' ? { scope: 'read', name: 'matrix' } : method === 'PUT' ? { roles: ['developer'] } : undefined
        const r = await req(path, { method, token: who === 'none' ? undefined : tokens[who], body })
        got[who] = r.status
        want[who] = expected[i]
        if (r.status === 500) assert.fail(`${who}: 500 ${JSON.stringify(r.body)}`)
      }
      assert.deepEqual(got, want)
    })
  }

  test('an analyst gets counts and the histogram from /api/search, never the records', async () => {
    const r = await req('/api/search?q=hello&from=now-1h', { token: tokens.analyst })
    assert.equal(r.status, 200)
    assert.equal(r.body.total, 3)
    assert.deepEqual(r.body.events, [])
    assert.equal(r.body.nextCursor, null)
    assert.ok(r.body.histogram.buckets.length > 0)
    const dev = await req('/api/search?q=hello&from=now-1h', { token: tokens.developer })
    assert.equal(dev.body.events.length, 3)
  })

  test('facets: an analyst gets counts of free-text fields and values of dimensions only; readers get values', async () => {
    for (const field of ['body', 'order.id']) {
      const r = await req(`/api/fields/${field}/values?q=hello&from=now-1h`, { token: tokens.analyst })
      assert.equal(r.status, 200)
      assert.deepEqual(r.body.values, [], `${field}: ${JSON.stringify(r.body)}`)
      assert.ok(r.body.events >= 1 && typeof r.body.valuesWithheld === 'string', JSON.stringify(r.body))
    }
    const dim = await req('/api/fields/service/values?from=now-1h', { token: tokens.analyst })
    assert.ok(dim.body.values.some((v: { value: string }) => v.value === 'shop-api'), JSON.stringify(dim.body))
    const support = await req('/api/fields/body/values?q=hello&from=now-1h', { token: tokens.support })
    assert.ok(support.body.values.length >= 1, JSON.stringify(support.body))
  })

  test('a session token is refused as a Basic or ApiKey password (bearer only)', async () => {
    const session = tokens.support as string
    assert.equal((await req('/api/search?q=&from=now-1h', { token: session })).status, 200)
    for (const authorization of [`Basic ${Buffer.from(`support-user:${session}`).toString('base64')}`, `ApiKey ${Buffer.from(`x:${session}`).toString('base64')}`, `ApiKey ${session}`]) {
      assert.equal((await req('/api/search?q=&from=now-1h', { headers: { authorization } })).status, 401, authorization)
    }
  })

  test('health without credentials is the status only; with credentials the details', async () => {
    const anon = await req('/api/health')
    assert.deepEqual(Object.keys(anon.body), ['status'])
    assert.ok(!JSON.stringify(anon.body).includes(tb.dataDir))
    const authed = await req('/api/health', { token: tokens.support })
    assert.ok(authed.body.ingest !== undefined, JSON.stringify(authed.body))
  })

  test('an admin who also has support reads data; admin alone does not', async () => {
    assert.equal((await req('/api/search?q=hello&from=now-1h', { token: tokens.admin })).status, 200)
    assert.equal((await req('/api/search?q=hello&from=now-1h', { token: tokens.adminOnly })).status, 403)
  })

  test('a revoked read key stops working at once', async () => {
    const k = await req('/api/admin/keys', { method: 'POST', token: tokens.admin, body: { scope: 'read' } })
    assert.equal((await req('/api/services', { token: k.body.secret })).status, 200)
    assert.equal((await req(`/api/admin/keys/${k.body.key.id}`, { method: 'DELETE', token: tokens.admin })).status, 200)
    assert.equal((await req('/api/services', { token: k.body.secret })).status, 401)
    const list = await req('/api/admin/keys', { token: tokens.admin })
    const listed = list.body.keys.find((x: any) => x.id === k.body.key.id)
    assert.equal(listed.revoked, true)
    assert.match(listed.lastUsedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'last use is kept, in ISO 8601 UTC')
    assert.match(listed.revokedAt, /^\d{4}-\d\d-\d\dT.*Z$/)
    assert.ok(Date.parse(listed.revokedAt) >= Date.parse(listed.createdAt))
    assert.ok(!JSON.stringify(list.body).includes(k.body.secret), 'secrets are never listed')
    assert.ok(!JSON.stringify(list.body).includes('keyHash'))
  })

  test('the admin API answers users\' times in ISO 8601 UTC, like the rest of the API', async () => {
    const list = await req('/api/admin/users', { token: tokens.admin })
    assert.equal(list.status, 200)
    for (const u of list.body.users) {
      for (const f of ['createdAt', 'updatedAt', 'sessionsAfter']) assert.match(u[f], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${u.username}.${f}`)
      assert.deepEqual(Object.keys(u).filter((k) => k.endsWith('Ms') || k === 'passwordHash'), [])
    }
  })

  test('unknown routes answer 404, not an error', async () => {
    assert.equal((await req('/api/nope', { token: tokens.admin })).status, 404)
  })
})

describe('ingest endpoints', () => {
  const cases: [string, string, string, string][] = [
    ['OTLP logs', '/v1/logs', 'application/json', '{"resourceLogs":[]}'],
    ['OTLP traces', '/v1/traces', 'application/json', '{"resourceSpans":[]}'],
    ['pino lines', '/v1/pino-lines', 'application/x-ndjson', '{"resource":{"service.name":"svc"}}\n{"level":"info","time":1764460000000,"msg":"hi"}\n'],
    ['span lines', '/v1/span-lines', 'application/x-ndjson', '{"resource":{"service.name":"svc"}}\n{"t":"0af7651916cd43dd8448eb211c80319c","s":"b7ad6b7169203331","n":"GET /","k":1,"b":[1764460000,0],"e":[1764460000,5000],"c":0,"a":{},"o":"x","f":1}\n'],
    ['Elasticsearch bulk', '/_bulk', 'application/x-ndjson', '{"index":{}}\n{"message":"hi","service":{"name":"es-svc"}}\n'],
  ]
  for (const [name, path, type, body] of cases) {
    test(`${name}: no key 401, read key 403, user session 403, ingest key 200`, async () => {
      const base = path === '/_bulk' ? tb.esUrl : tb.otlpUrl
      const send = (auth?: string) => fetch(base + path, { method: 'POST', headers: { 'content-type': type, ...(auth ? { authorization: auth } : {}) }, body })
      assert.equal((await send()).status, 401)
      assert.equal((await send('Bearer bk_000000000000_not-a-real-key-at-all')).status, 401)
      assert.equal((await send(`Bearer ${tokens.readKey}`)).status, 403)
      assert.equal((await send(`Bearer ${tokens.support}`)).status, 403)
      assert.equal((await send(`Bearer ${tokens.ingestKey}`)).status, 200)
    })
  }

  test('Elasticsearch shippers authenticate with ApiKey (id:key, base64) and Basic (any user, key as password)', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64')
    for (const auth of [`ApiKey ${b64(`someid:${tokens.ingestKey}`)}`, `ApiKey ${tokens.ingestKey}`, `Basic ${b64(`elastic:${tokens.ingestKey}`)}`, `Basic ${b64(`filebeat:${tokens.ingestKey}`)}`]) {
      const r = await fetch(`${tb.esUrl}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: auth }, body: '{"index":{}}\n{"message":"x"}\n' })
      assert.equal(r.status, 200, auth.split(' ')[0])
    }
    const wrong = await fetch(`${tb.esUrl}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Basic ${b64('elastic:wrong-password-here')}` }, body: '{"index":{}}\n{"message":"x"}\n' })
    assert.equal(wrong.status, 401)
  })

  test('a key bound to a service stores its records under that service only', async () => {
    const k = await req('/api/admin/keys', { method: 'POST', token: tokens.admin, body: { scope: 'ingest', service: 'mes-worker', name: 'mes' } })
    assert.equal(k.status, 201)
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${k.body.secret}` }
    const own = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers, body: otlpLogsJson('mes-worker', 'bound-own', 2) })
    assert.equal(own.status, 200)
    const other = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers, body: otlpLogsJson('shop-api', 'bound-other', 2) })
    assert.equal(other.status, 200)
    const answer = await other.json() as { partialSuccess?: { rejectedLogRecords?: string | number } }
    assert.equal(Number(answer.partialSuccess?.rejectedLogRecords), 2)
    await tb.flush()
    await eventually(async () => (await req('/api/search?q=bound&from=now-1h', { token: tokens.developer })).body.total === 2, 10_000, 'bound records stored')
    const r = await req('/api/search?q=bound&from=now-1h', { token: tokens.developer })
    assert.deepEqual([...new Set(r.body.events.map((e: any) => e.service))], ['mes-worker'])
  })
})
