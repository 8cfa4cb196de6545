import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { attrs, type LogRecord, type SpanRecord } from '../src/pipeline/record.ts'

let tb: TestBeacon
const nowNs = BigInt(Date.now()) * 1_000_000n
const TRACE = 'a1'.repeat(16)

function log(i: number, p: Partial<LogRecord> & { a?: Record<string, string> }): LogRecord {
  const attributes = attrs()
  Object.assign(attributes, p.a ?? {})
  return {
    timeUnixNano: String(nowNs - BigInt(i) * 1_000_000_000n), observedTimeUnixNano: String(nowNs), severityText: 'INFO', severityNumber: 9,
    serviceName: 'shop-api', body: `event ${i}`, traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '',
    resource: attrs(), attributes, ...p,
  }
}

function span(i: number, p: Partial<SpanRecord>): SpanRecord {
  return {
    timeUnixNano: String(nowNs - BigInt(i) * 1_000_000n), durationNano: '20000000', traceId: TRACE, spanId: String(i).padStart(16, '0').replace(/^0/, 'f'),
    parentSpanId: '', traceState: '', name: 'span', kind: 'Server', serviceName: 'shop-api', scopeName: '', scopeVersion: '',
    resource: attrs(), attributes: attrs(), statusCode: 'Unset', statusMessage: '', events: [], links: [], ...p,
  }
}

before(async () => {
  tb = await startTestBeacon()
  const logs: LogRecord[] = []
  for (let i = 0; i < 120; i++) logs.push(log(i, { body: `GET /products page ${i} served`, a: { 'http.response.status_code': '200', 'http.route': '/products' } }))
  logs.push(log(1, { serviceName: 'crm-api', severityText: 'ERROR', severityNumber: 17, body: 'Payment gateway timeout for order ORD-42', traceId: TRACE, spanId: 'f000000000000002', a: { 'order.id': 'ORD-42', 'http.response.status_code': '504' } }))
  logs.push(log(3, { serviceName: 'mes-worker', body: 'order ORD-42 status changed', a: { orderId: 'ORD-42', 'event.action': 'order.status_changed', 'order.status.from': 'accepted', 'order.status.to': 'scheduled' } }))
  logs.push(log(2, { serviceName: 'mes-worker', body: 'order ORD-42 status changed', a: { orderId: 'ORD-42', 'event.action': 'order.status_changed', 'order.status.from': 'scheduled', 'order.status.to': 'in_production' } }))
  const spans = [
    span(1, { spanId: 'f000000000000001', name: 'POST /orders', attributes: Object.assign(attrs(), { 'order.id': 'ORD-42', 'http.route': '/orders' }) }),
    span(0, { spanId: 'f000000000000002', parentSpanId: 'f000000000000001', serviceName: 'crm-api', name: 'POST /customers/:id/orders', statusCode: 'Error', statusMessage: 'timeout' }),
  ]
  const out = await tb.beacon.ingest.submit({ id: 'api-test', source: 'test', logs, spans, rejected: 0 })
  assert.equal(out.status, 'ok')
  await tb.flush()
})
after(() => tb.stop())

test('search returns newest first with total, histogram by level and a working cursor', async () => {
  const first = await tb.api('/api/search?q=service:shop-api&from=now-1h&limit=50')
  assert.equal(first.status, 200)
  assert.equal(first.body.total, 120)
  assert.equal(first.body.events.length, 50)
  assert.equal(first.body.events[0].body, 'GET /products page 0 served')
  const times = first.body.events.map((e: any) => BigInt(e.timeUnixNano))
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] >= times[i], 'newest first')
  const histTotal = first.body.histogram.buckets.reduce((n: number, b: any) => n + (b.counts.INFO ?? 0), 0)
  assert.equal(histTotal, 120)
  assert.equal(first.body.histogram.bucketSeconds, 60)

  const seen = new Set(first.body.events.map((e: any) => e.body))
  let cursor = first.body.nextCursor
  while (cursor) {
    const page = await tb.api(`/api/search?q=service:shop-api&from=now-1h&limit=50&cursor=${cursor}`)
    for (const e of page.body.events) { assert.ok(!seen.has(e.body), `no repeats across pages: ${e.body}`); seen.add(e.body) }
    cursor = page.body.nextCursor
  }
  assert.equal(seen.size, 120, 'paging reaches every event exactly once')
})

test('search language: fields, comparisons, words and negation', async () => {
  const cases: [string, number][] = [
    ['http.status:>=500', 1],
    ['level:error', 1],
    ['order.id:ORD-42', 3],
    ['gateway AND timeout', 1],
    ['service:mes-worker AND NOT "scheduled"', 2],
    ['event.action:order.status_changed', 2],
    ['http.route:/products AND -page', 0],
  ]
  for (const [q, n] of cases) {
    const r = await tb.api(`/api/search?q=${encodeURIComponent(q)}&from=now-1h`)
    assert.equal(r.status, 200, q)
    assert.equal(r.body.total, n, q)
  }
})

test('a syntax error answers 400 with the position and what was expected', async () => {
  const r = await tb.api(`/api/search?q=${encodeURIComponent('service:shop-api AND (level:error')}`)
  assert.equal(r.status, 400)
  assert.equal(r.body.error, 'invalid_query')
  assert.equal(typeof r.body.position, 'number')
  assert.match(r.body.message, /\)/)
})

test('bad time, bad target and a foreign cursor are 400s with a message', async () => {
  for (const qs of ['from=yesterday', 'from=now&to=now-1h', 'target=metrics', 'cursor=AAAA']) {
    const r = await tb.api(`/api/search?q=&${qs}`)
    assert.equal(r.status, 400, qs)
    assert.ok(r.body.message.length > 10, qs)
  }
})

test('trace view returns spans and the logs carrying the trace id', async () => {
  const r = await tb.api(`/api/traces/${TRACE}`)
  assert.equal(r.status, 200)
  assert.equal(r.body.spans.length, 2)
  assert.deepEqual(r.body.spans.map((s: any) => s.name), ['POST /orders', 'POST /customers/:id/orders'])
  assert.equal(r.body.logs.length, 1)
  assert.deepEqual(r.body.services.sort(), ['crm-api', 'shop-api'])
  assert.equal((await tb.api(`/api/traces/${'0f'.repeat(16)}`)).status, 404)
  assert.equal((await tb.api('/api/traces/not-hex')).status, 400)
})

test('order timeline lists every record of the order in time order with its status story', async () => {
  const r = await tb.api('/api/orders/ORD-42/timeline')
  assert.equal(r.status, 200)
  assert.equal(r.body.entries.length, 4, '3 logs + 1 span mention ORD-42')
  const times = r.body.entries.map((e: any) => BigInt(e.timeUnixNano))
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] <= times[i], 'oldest first')
  assert.deepEqual(r.body.summary.statusChanges.map((s: any) => s.to), ['scheduled', 'in_production'])
  assert.equal(r.body.summary.currentStatus, 'in_production')
  assert.deepEqual(r.body.summary.services.sort(), ['crm-api', 'mes-worker', 'shop-api'])
  assert.equal((await tb.api('/api/orders/NOPE/timeline')).body.entries.length, 0)
})

test('services, fields and facet values', async () => {
  const s = await tb.api('/api/services?from=now-1h')
  const crm = s.body.services.find((x: any) => x.name === 'crm-api')
  assert.equal(crm.errors, 1)
  assert.equal(crm.spanErrors, 1)
  const f = await tb.api('/api/fields?from=now-1h')
  assert.ok(f.body.attributes.some((a: any) => a.name === 'http.route'))
  assert.ok(f.body.builtin.length > 5)
  const v = await tb.api('/api/fields/service/values?from=now-1h')
  assert.deepEqual(v.body.values[0], { value: 'shop-api', count: 120 })
  const v2 = await tb.api('/api/fields/http.route/values?from=now-1h&q=service:shop-api')
  assert.deepEqual(v2.body.values, [{ value: '/products', count: 120 }])
})

test('health reports the store and migrations; unknown paths are 404', async () => {
  const h = await tb.api('/api/health')
  assert.equal(h.status, 200)
  assert.equal(h.body.status, 'ok')
  assert.ok(h.body.migrations.includes(1))
  assert.equal((await tb.api('/api/nothing-here')).status, 404)
})
