import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '@beacon/server/testing'
import { ensureUiBuilt } from './browser.ts'
import { FAILED_ORDER, IDLE_ORDER, ORDER, orderTrace, seedLogs } from './seed.ts'

/** The server routes built for the UI: static serving, /api/service-map, /api/orders, saved searches. */
let tb: TestBeacon
const PASSWORD = 'a long enough password'
const tokens: Record<string, string> = {}

async function as(who: string, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers)
  headers.set('authorization', `Bearer ${tokens[who]}`)
  if (init.body) headers.set('content-type', 'application/json')
  const res = await fetch(tb.apiUrl + path, { ...init, headers })
  const text = await res.text()
  let body: any = text
  try { body = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body, headers: res.headers }
}

before(async () => {
  ensureUiBuilt()
  tb = await startTestBeacon({ overrides: { 'orders.stuckAfterMinutes': 60 } })
  for (const [username, roles] of [['sam', ['support']], ['dev', ['developer']], ['ann', ['analyst']], ['boss', ['admin']]] as const) {
    assert.equal((await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, roles, password: PASSWORD }) })).status, 201)
    const r = await fetch(tb.apiUrl + '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
    tokens[username] = ((await r.json()) as { token: string }).token
  }
  const t0 = Date.now() - 60_000
  const post = (path: string, body: string) => fetch(tb.otlpUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }, body })
  assert.equal((await post('/v1/traces', orderTrace(t0))).status, 200)
  assert.equal((await post('/v1/logs', seedLogs(t0, 10))).status, 200)
  await tb.flush()
})
after(async () => { await tb?.stop() })

test('the UI is served at / and any page path, with security headers; unknown API paths stay JSON 404s', async () => {
  for (const path of ['/', '/search?q=level:error', `/orders/${ORDER}`]) {
    const r = await fetch(tb.apiUrl + path)
    assert.equal(r.status, 200, path)
    assert.match(r.headers.get('content-type') ?? '', /text\/html/)
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    assert.match(await r.text(), /<div id="root">/)
  }
  const html = await (await fetch(tb.apiUrl + '/')).text()
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]
  const js = await fetch(tb.apiUrl + script)
  assert.equal(js.status, 200)
  assert.match(js.headers.get('cache-control') ?? '', /immutable/)
  const missing = await fetch(tb.apiUrl + '/api/no-such-route')
  assert.equal(missing.status, 404)
  assert.equal(((await missing.json()) as { error: string }).error, 'not_found')
  assert.equal((await fetch(tb.apiUrl + '/..%2f..%2fpackage.json')).headers.get('content-type')?.includes('text/html'), true, 'no path escapes the build directory')
})

test('service map: HTTP edges from client→server spans across services, RabbitMQ producer → queue → consumer', async () => {
  const r = await as('dev', '/api/service-map?from=now-1h')
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const edges = r.body.edges.map((e: any) => `${e.source}->${e.target}:${e.kind}`).sort()
  assert.deepEqual(edges, [
    'mes-worker->mes-api:http', 'queue:orders.created->mes-worker:messaging', 'shop-api->crm-api:http', 'shop-api->queue:orders.created:messaging',
  ])
  const mesApi = r.body.nodes.find((n: any) => n.id === 'mes-api')
  assert.equal(mesApi.errors, 1)
  assert.equal(mesApi.errorRate, 1)
  assert.equal(mesApi.p95Ms, 26)
  assert.equal(r.body.nodes.find((n: any) => n.id === 'queue:orders.created').kind, 'queue')
  assert.equal((await as('ann', '/api/service-map')).status, 200, 'analysts may see the aggregate map')
  assert.equal((await as('boss', '/api/service-map')).status, 403)
})

test('orders list: current status, last service, and stuck orders (idle past the limit, or failed)', async () => {
  const r = await as('sam', '/api/orders?from=now-3h')
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const by = Object.fromEntries(r.body.orders.map((o: any) => [o.orderId, o]))
  assert.equal(by[ORDER].status, 'in_production')
  assert.equal(by[ORDER].lastService, 'mes-api')
  assert.equal(by[ORDER].stuck, false)
  assert.equal(by[ORDER].errors, 1)
  assert.equal(by[FAILED_ORDER].reason, 'ended failed')
  assert.match(by[IDLE_ORDER].reason, /no status change for 1[12]\d min/)
  const stuck = await as('sam', '/api/orders?from=now-3h&stuck=true')
  assert.deepEqual(stuck.body.orders.map((o: any) => o.orderId).sort(), [FAILED_ORDER, IDLE_ORDER])
  const failed = await as('sam', '/api/orders?from=now-3h&status=failed')
  assert.deepEqual(failed.body.orders.map((o: any) => o.orderId), [FAILED_ORDER])
  assert.equal((await as('ann', '/api/orders')).status, 403, 'analysts see no order records')
  assert.equal((await as('sam', '/api/orders?from=yesterday')).status, 400)
})

test('saved searches belong to their owner; bad input is a 400', async () => {
  const made = await as('dev', '/api/saved-searches', { method: 'POST', body: JSON.stringify({ name: 'shop errors', query: '?q=service%3Ashop-api+level%3Aerror&from=now-1h' }) })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  const mine = await as('dev', '/api/saved-searches')
  assert.deepEqual(mine.body.searches.map((s: any) => s.name), ['shop errors'])
  assert.deepEqual((await as('sam', '/api/saved-searches')).body.searches, [], 'another user does not see it')
  assert.equal((await as('sam', `/api/saved-searches/${made.body.id}`, { method: 'DELETE' })).status, 404)
  assert.equal((await as('dev', '/api/saved-searches', { method: 'POST', body: JSON.stringify({ name: '', query: '?q=x' }) })).status, 400)
  assert.equal((await as('dev', '/api/saved-searches', { method: 'POST', body: JSON.stringify({ name: 'x', query: 'DROP TABLE' }) })).status, 400)
  assert.equal((await as('dev', `/api/saved-searches/${made.body.id}`, { method: 'DELETE' })).status, 200)
  assert.deepEqual((await as('dev', '/api/saved-searches')).body.searches, [])
})
