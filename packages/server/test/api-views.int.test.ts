import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { attrs, type LogRecord, type SpanRecord } from '../src/pipeline/record.ts'
import { generateKey } from '../src/security/crypto.ts'
import { registeredRoutes } from '../src/api/openapi.ts'
import { eventually } from './test-utils.ts'

/**
 * Trace search and the trace tree, the order story, services times, export and the OpenAPI
 * document, against a real Beacon (embedded chDB) with auth and field encryption on.
 */
let tb: TestBeacon
const nowMs = Date.now()
const ns = (msAgo: number, plusMs = 0): string => String(BigInt(nowMs - msAgo) * 1_000_000n + BigInt(plusMs) * 1_000_000n)
const dur = (ms: number): string => String(BigInt(ms) * 1_000_000n)
const T1 = 'a1'.repeat(16) // checkout: shop → crm (slow, error) → mes
const T2 = 'b2'.repeat(16) // a fast catalogue read
const PASSWORD = 'a long enough password'
const tokens: Record<string, string> = {}

function log(p: Partial<LogRecord> & { a?: Record<string, string> }): LogRecord {
  const attributes = attrs()
  Object.assign(attributes, p.a ?? {})
  return {
    timeUnixNano: ns(60_000), observedTimeUnixNano: ns(0), severityText: 'INFO', severityNumber: 9,
    serviceName: 'shop-api', body: 'x', traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '',
    resource: attrs(), attributes, ...p,
  }
}

function span(p: Partial<SpanRecord> & { a?: Record<string, string> }): SpanRecord {
  const attributes = attrs()
  Object.assign(attributes, p.a ?? {})
  return {
    timeUnixNano: ns(60_000), durationNano: dur(10), traceId: T1, spanId: 'f000000000000001', parentSpanId: '', traceState: '',
    name: 'span', kind: 'Server', serviceName: 'shop-api', scopeName: '', scopeVersion: '', resource: attrs(), attributes,
    statusCode: 'Unset', statusMessage: '', events: [], links: [], ...p,
  }
}

const status = (msAgo: number, from: string, to: string, service = 'mes-api'): LogRecord => log({
  timeUnixNano: ns(msAgo), serviceName: service, body: `order ORD-7 status ${from} → ${to}`,
  a: { 'order.id': 'ORD-7', 'event.action': 'order.status_changed', 'order.status.from': from, 'order.status.to': to },
})

before(async () => {
  tb = await startTestBeacon({
    env: { BEACON_ENCRYPTION_KEYS: `k1:${generateKey()}`, BEACON_EXPORT_MAX_RECORDS: '300' },
    overrides: { 'security.encryption.fields': ['customer.email'], 'security.login.attemptsPerMinutePerIp': 1000 },
  })
  for (const role of ['support', 'developer', 'analyst', 'auditor']) {
    const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: role, roles: [role], password: PASSWORD }) })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    const login = await tb.api('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: role, password: PASSWORD }) })
    tokens[role] = login.body.token
  }
  const spans: SpanRecord[] = [
    span({ spanId: 'f000000000000001', name: 'POST /orders', timeUnixNano: ns(60_000), durationNano: dur(900), a: { 'order.id': 'ORD-7', 'http.route': '/orders' } }),
    span({ spanId: 'f000000000000002', parentSpanId: 'f000000000000001', serviceName: 'crm-api', name: 'POST /customers/:id/orders', timeUnixNano: ns(60_000, 50), durationNano: dur(700), statusCode: 'Error', statusMessage: 'timeout' }),
    span({ spanId: 'f000000000000003', parentSpanId: 'f000000000000002', serviceName: 'crm-api', name: 'pg.query', timeUnixNano: ns(60_000, 60), durationNano: dur(600), kind: 'Client' }),
    span({ spanId: 'f000000000000004', parentSpanId: 'f000000000000001', serviceName: 'shop-api', name: 'cache.get', timeUnixNano: ns(60_000, 10), durationNano: dur(45), kind: 'Internal' }),
    span({ spanId: 'f000000000000005', parentSpanId: 'f000000000000001', serviceName: 'mes-api', name: 'POST /production', timeUnixNano: ns(60_000, 760), durationNano: dur(100) }),
    span({ traceId: T2, spanId: 'e000000000000001', name: 'GET /products', timeUnixNano: ns(30_000), durationNano: dur(12) }),
  ]
  const logs: LogRecord[] = [
    log({ timeUnixNano: ns(60_000, 1), body: 'order ORD-7 created', traceId: T1, spanId: 'f000000000000001', a: { 'order.id': 'ORD-7', 'event.action': 'order.created', 'customer.email': 'jane@example.com' } }),
    log({ timeUnixNano: ns(60_000, 700), serviceName: 'crm-api', severityText: 'ERROR', severityNumber: 17, body: 'gateway timeout for ORD-7', traceId: T1, spanId: 'f000000000000002', a: { 'order.id': 'ORD-7' } }),
    status(50_000, 'new', 'scheduled'), status(40_000, 'scheduled', 'in_production'), status(10_000, 'in_production', 'failed', 'mes-worker'),
    log({ timeUnixNano: ns(45_000), serviceName: 'mes-worker', body: 'picked ORD-7', a: { 'order.id': 'ORD-7' } }),
  ]
  // Export material: 320 lines (above the cap of 300), some hostile to CSV and terminals.
  for (let i = 0; i < 320; i++) logs.push(log({ timeUnixNano: ns(20_000, -i), serviceName: 'export-svc', body: i === 0 ? '=HYPERLINK("http://evil","x"), "quoted"\nsecond line' : `line ${i}`, a: { n: String(i) } }))
  const out = await tb.beacon.ingest.submit({ id: 'views-test', source: 'test', logs, spans, rejected: 0 })
  assert.equal(out.status, 'ok')
  await tb.flush()
})
after(() => tb.stop())

const as = (who: string) => ({ headers: { authorization: `Bearer ${tokens[who]}` } })

test('services answer lastSeen in ISO 8601 UTC (it was ClickHouse text "2026-11-29 18:14:50.000000000")', async () => {
  const r = await tb.api('/api/services?from=now-1h')
  assert.equal(r.status, 200)
  for (const s of r.body.services) assert.match(s.lastSeen, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${s.name}: ${s.lastSeen}`)
  const mes = r.body.services.find((s: any) => s.name === 'mes-worker')
  assert.equal(mes.lastSeen, new Date(nowMs - 10_000).toISOString())
})

test('trace search finds traces by service, operation, duration and query, one row per trace', async () => {
  const all = await tb.api('/api/traces?from=now-1h')
  assert.equal(all.status, 200)
  assert.deepEqual(all.body.traces.map((t: any) => t.traceId), [T2, T1], 'newest first')
  const t1 = all.body.traces[1]
  assert.deepEqual(t1, {
    traceId: T1, rootService: 'shop-api', rootOperation: 'POST /orders', start: new Date(nowMs - 60_000).toISOString(),
    durationMs: 900, spanCount: 5, services: ['crm-api', 'mes-api', 'shop-api'], errorCount: 1,
  })
  const ids = async (qs: string) => {
    const r = await tb.api(`/api/traces?from=now-1h&${qs}`)
    assert.equal(r.status, 200, `${qs}: ${JSON.stringify(r.body)}`)
    return r.body.traces.map((t: any) => t.traceId)
  }
  assert.deepEqual(await ids('service=crm-api'), [T1])
  assert.deepEqual(await ids(`operation=${encodeURIComponent('GET /products')}`), [T2])
  assert.deepEqual(await ids('minDuration=500ms'), [T1])
  assert.deepEqual(await ids('service=shop-api&minDuration=0.95s'), [])
  assert.deepEqual(await ids('maxDuration=50'), [T2, T1])
  assert.deepEqual(await ids('maxDuration=20'), [T2])
  assert.deepEqual(await ids(`q=${encodeURIComponent('level:error')}`), [T1])
  assert.deepEqual(await ids('limit=1'), [T2])
  const bad = await tb.api('/api/traces?minDuration=fast')
  assert.equal(bad.status, 400)
  assert.match(bad.body.message, /minDuration="fast" is not a duration; use e\.g\. 500ms/)
})

test('the trace is a tree, parent before children with depth, the critical path marked, its logs beside it', async () => {
  const r = await tb.api(`/api/traces/${T1}`)
  assert.equal(r.status, 200)
  assert.deepEqual(r.body.spans.map((s: any) => `${s.depth} ${s.name}`), ['0 POST /orders', '1 cache.get', '1 POST /customers/:id/orders', '2 pg.query', '1 POST /production'])
  assert.deepEqual(r.body.spans.filter((s: any) => s.critical).map((s: any) => s.name), ['POST /orders', 'POST /customers/:id/orders', 'pg.query', 'POST /production'])
  assert.equal(r.body.criticalPath.length, 4, 'cache.get overlaps the CRM call, so the request did not wait for it')
  assert.equal(r.body.rootService, 'shop-api')
  assert.equal(r.body.durationMs, 900)
  assert.equal(r.body.start, new Date(nowMs - 60_000).toISOString())
  assert.equal(r.body.logs.length, 2)
  assert.deepEqual(r.body.services.sort(), ['crm-api', 'mes-api', 'shop-api'])
  assert.equal(r.body.errors, 2, 'one error span, one error log')
})

test('the order timeline tells the story first, with stage durations; kinds narrows the entries', async () => {
  const r = await tb.api('/api/orders/ORD-7/timeline?from=now-1h')
  assert.equal(r.status, 200)
  assert.deepEqual(Object.keys(r.body).slice(0, 4), ['orderId', 'from', 'to', 'story'])
  const { story } = r.body
  assert.equal(story.currentStatus, 'failed')
  assert.equal(story.failed, true)
  assert.deepEqual(story.stages.map((s: any) => [s.status, s.durationMs]), [['new', 10_000], ['scheduled', 10_000], ['in_production', 30_000], ['failed', null]])
  assert.equal(story.stages[3].failed, true)
  assert.equal(story.firstError.message, 'gateway timeout for ORD-7')
  const kinds = (k: string) => tb.api(`/api/orders/ORD-7/timeline?from=now-1h&kinds=${k}`).then((x) => x.body.entries.map((e: any) => e.kind === 'span' ? `span ${e.name}` : e.eventAction || 'log'))
  assert.deepEqual(await kinds('events'), ['order.created', 'order.status_changed', 'order.status_changed', 'order.status_changed'])
  assert.deepEqual(await kinds('logs'), ['log', 'log'])
  assert.deepEqual(await kinds('spans'), ['span POST /orders'])
  assert.equal((await tb.api('/api/orders/ORD-7/timeline?from=now-1h&kinds=logs,spans,events')).body.entries.length, 7)
  const bad = await tb.api('/api/orders/ORD-7/timeline?kinds=metrics')
  assert.equal(bad.status, 400)
  assert.match(bad.body.message, /kinds: "metrics" is not one of logs, spans, events/)
})

async function exportText(qs: string, who = 'support'): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${tb.apiUrl}/api/export?from=now-1h&${qs}`, as(who))
  return { status: res.status, headers: res.headers, text: await res.text() }
}

test('export streams NDJSON up to the configured cap, says it was truncated, and is audited like a search', async () => {
  const r = await exportText(`q=${encodeURIComponent('service:export-svc')}`)
  assert.equal(r.status, 200)
  assert.match(r.headers.get('content-type')!, /application\/x-ndjson/)
  assert.equal(r.headers.get('x-beacon-total'), '320')
  assert.equal(r.headers.get('x-beacon-truncated'), 'true')
  const lines = r.text.trimEnd().split('\n').map((l) => JSON.parse(l))
  assert.equal(lines.length, 300, 'BEACON_EXPORT_MAX_RECORDS=300')
  assert.equal(new Set(lines.map((l) => l.attributes.n)).size, 300, 'no record twice across pages')
  assert.equal(lines[0].attributes.n, '0', 'newest first')
  const few = await exportText(`q=service:export-svc&limit=5&fields=${encodeURIComponent('time,body,n')}`)
  assert.deepEqual(Object.keys(JSON.parse(few.text.split('\n')[0])), ['time', 'body', 'n'])
  assert.equal(few.text.trimEnd().split('\n').length, 5)
  const entry = await eventually(async () => {
    const a = await tb.api('/api/audit?action=export&limit=10', as('auditor'))
    return a.body.entries.find((e: any) => e.actor === 'user:support' && e.rows === 300)
  }, 10_000, 'the export audit entry')
  assert.equal(JSON.parse(entry.target).q, 'service:export-svc')
})

test('CSV export is RFC 4180 quoted and safe against spreadsheet formulas', async () => {
  const r = await exportText('q=service:export-svc&format=csv&limit=2&fields=body,n')
  assert.equal(r.status, 200)
  assert.match(r.headers.get('content-type')!, /text\/csv/)
  assert.match(r.headers.get('content-disposition')!, /attachment; filename="beacon-logs-.*\.csv"/)
  assert.equal(r.text, 'body,n\r\n"\'=HYPERLINK(""http://evil"",""x""), ""quoted""\nsecond line",0\r\nline 1,1\r\n')
})

test('export gives the same reader view as search: support decrypts (audited), a developer sees [encrypted], an analyst is refused', async () => {
  const q = `q=${encodeURIComponent('event.action:order.created')}&fields=customer.email`
  assert.equal(JSON.parse((await exportText(q)).text)['customer.email'], 'jane@example.com')
  assert.equal(JSON.parse((await exportText(q, 'developer')).text)['customer.email'], '[encrypted]')
  assert.equal((await exportText(q, 'analyst')).status, 403)
  await eventually(async () => (await tb.api('/api/audit?action=sensitive.decrypt&limit=50', as('auditor'))).body.entries.find((e: any) => e.actor === 'user:support' && JSON.parse(e.target).fields === 'customer.email'), 10_000, 'the decrypt audit entry')
})

test('search and context give the same reader view: support reads the e-mail, a developer sees [encrypted]', async () => {
  const found = await tb.api(`/api/search?q=${encodeURIComponent('event.action:order.created')}&from=now-1h`, as('support'))
  assert.equal(found.body.events[0].attributes['customer.email'], 'jane@example.com')
  const id = found.body.events[0].id
  for (const [who, email] of [['support', 'jane@example.com'], ['developer', '[encrypted]']] as const) {
    const search = await tb.api(`/api/search?q=${encodeURIComponent('event.action:order.created')}&from=now-1h`, as(who))
    assert.equal(search.body.events[0].attributes['customer.email'], email, `search as ${who}`)
    const context = await tb.api(`/api/search/context?id=${id}&by=trace&before=0&after=0`, as(who))
    assert.equal(context.status, 200, JSON.stringify(context.body))
    assert.equal(context.body.anchor.attributes['customer.email'], email, `context as ${who}`)
  }
})

test('export refuses bad parameters with a 400 before streaming', async () => {
  for (const [qs, msg] of [['format=xml', /format must be ndjson or csv/], ['limit=0', /limit must be a whole number from 1 to 300/], ['q=level:', /.+/], ['target=metrics', /target must be logs or spans/]] as const) {
    const r = await exportText(qs)
    assert.equal(r.status, 400, qs)
    assert.match(JSON.parse(r.text).message, msg, qs)
  }
})

test('the OpenAPI document lists every registered /api route with a description, tags and its errors; /api/docs shows them', async () => {
  const doc = await tb.api('/api/openapi.json', { headers: { authorization: '' } })
  assert.equal(doc.status, 200)
  assert.equal(doc.body.openapi, '3.1.0')
  const routes = registeredRoutes(tb.beacon.api!).filter((r) => r.url.startsWith('/api/'))
  assert.ok(routes.length >= 20, `${routes.length} routes`)
  const page = await fetch(`${tb.apiUrl}/api/docs`)
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-type')!, /text\/html/)
  const html = await page.text()
  const missing: string[] = []
  for (const { method, url } of routes) {
    const path = url.replace(/:(\w+)/g, '{$1}')
    const op = doc.body.paths[path]?.[method.toLowerCase()]
    if (!op) { missing.push(`${method} ${url}: not in the document`); continue }
    if (!op.description || op.description.startsWith('Needs') || op.description.startsWith('No credentials')) missing.push(`${method} ${url}: no description`)
    if (!op.tags?.length) missing.push(`${method} ${url}: no tags`)
    const codes = Object.keys(op.responses ?? {})
    if (!op['x-permission'].includes('public') && !codes.some((c) => c.startsWith('4'))) missing.push(`${method} ${url}: no error responses`)
    if (!html.includes(`${method} ${path}`)) missing.push(`${method} ${url}: not on /api/docs`)
  }
  assert.deepEqual(missing, [], 'every route documented (declare `schema` with description, tags and error responses on new routes)')
  const search = doc.body.paths['/api/search'].get
  assert.ok(search.parameters.some((p: any) => p.name === 'q' && p.in === 'query'))
  assert.deepEqual(search['x-permission'], ['logs:read', 'traces:read'])
  assert.ok(doc.body.paths['/api/traces/{traceId}'].get.responses['404'])
  // Routes that check their own bodies document them in their schema too (no side table).
  for (const [path, method, field] of [['/api/auth/login', 'post', 'password'], ['/api/admin/users', 'post', 'roles'], ['/api/admin/keys', 'post', 'scope']] as const) {
    const body = doc.body.paths[path][method].requestBody?.content?.['application/json']?.schema
    assert.ok(body?.properties?.[field], `${method} ${path} documents body.${field}`)
  }
  assert.ok(doc.body.paths['/api/fields/{name}/values'].get.parameters.some((p: any) => p.name === 'name' && p.in === 'path'))
})

test('documented bodies are still checked by their routes, not coerced by the schema validator', async () => {
  const post = (path: string, body: unknown) => tb.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const asString = await post('/api/admin/users', { username: 'coerced', roles: 'admin', password: PASSWORD })
  assert.equal(asString.status, 400)
  assert.match(asString.body.message, /roles must be a list of strings/)
  assert.equal((await post('/api/admin/keys', { scope: ['read'] })).status, 400)
})
