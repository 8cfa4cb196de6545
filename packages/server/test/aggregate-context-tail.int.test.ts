import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { attrs, type LogRecord, type SpanRecord } from '../src/pipeline/record.ts'

/** /api/aggregate, /api/search/context and /api/tail against a real Beacon. */

let tb: TestBeacon
const nowNs = BigInt(Date.now() - 30_000) * 1_000_000n

function log(i: number, service: string, level: [string, number], a: Record<string, string> = {}): LogRecord {
  return {
    timeUnixNano: String(nowNs + BigInt(i) * 1_000_000n), observedTimeUnixNano: String(nowNs), severityText: level[0], severityNumber: level[1],
    serviceName: service, body: `${service} event ${i}`, traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '',
    resource: attrs(), attributes: Object.assign(attrs(), a),
  }
}

function span(i: number, service: string, ms: number): SpanRecord {
  return {
    timeUnixNano: String(nowNs + BigInt(i) * 1_000_000n), durationNano: String(ms * 1_000_000), traceId: 'cd'.repeat(16),
    spanId: `e${String(i).padStart(15, '0')}`, parentSpanId: '', traceState: '', name: 'op', kind: 'Server', serviceName: service,
    scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs(), statusCode: 'Ok', statusMessage: '', events: [], links: [],
  }
}

before(async () => {
  tb = await startTestBeacon()
  const logs: LogRecord[] = []
  for (let i = 0; i < 30; i++) logs.push(log(i, 'agg-a', ['INFO', 9], { 'user.id': `u${i % 3}` }))
  for (let i = 30; i < 40; i++) logs.push(log(i, 'agg-b', ['ERROR', 17], { 'user.id': 'u9' }))
  for (let i = 40; i < 45; i++) logs.push(log(i, 'agg-c', ['WARN', 13]))
  const spans = [span(1, 'agg-s', 100), span(2, 'agg-s', 200), span(3, 'agg-s', 300), span(4, 'agg-s', 400)]
  const out = await tb.beacon.ingest.submit({ id: 'agg', source: 'test', logs, spans, rejected: 0 })
  assert.equal(out.status, 'ok')
  await tb.flush()
})
after(() => tb.stop())

test('aggregate: counts and distinct counts by service, top-N with other', async () => {
  const r = await tb.api('/api/aggregate?q=service:agg-*&from=now-1h&metrics=count,count_distinct(user.id)&groupBy=service&top=2')
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.deepEqual(r.body.groupBy, ['service'])
  assert.deepEqual(r.body.metrics, ['count', 'count_distinct(user.id)'])
  assert.deepEqual(r.body.rows.map((x: any) => [x.key.service, x.values.count, x.values['count_distinct(user.id)']]).sort(),
    [['agg-a', 30, 3], ['agg-b', 10, 1]])
  assert.equal(r.body.truncated, true)
  assert.equal(r.body.other.count, 5)
})

test('aggregate: percentiles of duration on spans, and time buckets', async () => {
  const r = await tb.api('/api/aggregate?target=spans&q=service:agg-s&from=now-1h&metrics=count,avg(duration),max(duration),p50(duration)')
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.equal(r.body.rows.length, 1)
  assert.deepEqual(r.body.rows[0].values.count, 4)
  assert.equal(r.body.rows[0].values['avg(duration)'], 250)
  assert.equal(r.body.rows[0].values['max(duration)'], 400)
  const t = await tb.api('/api/aggregate?q=service:agg-*&from=now-1h&metrics=count&groupBy=level&interval=1m')
  assert.equal(t.status, 200)
  assert.equal(t.body.intervalMs, 60_000)
  assert.ok(t.body.rows.every((x: any) => typeof x.time === 'string' && x.time.endsWith('Z')))
  assert.equal(t.body.rows.reduce((n: number, x: any) => n + x.values.count, 0), 45)
})

test('aggregate: bad parameters are 400s with a reason', async () => {
  for (const qs of ['metrics=median(duration)', 'groupBy=a,b,c,d', 'interval=7x', 'metrics=sum(x);DROP']) {
    const r = await tb.api(`/api/aggregate?from=now-1h&${qs}`)
    assert.equal(r.status, 400, qs)
  }
})

test('context: records before and after a search hit, same service, oldest first', async () => {
  const s = await tb.api(`/api/search?q=${encodeURIComponent('"agg-a event 10"')}&from=now-1h`)
  assert.equal(s.body.events.length, 1)
  const id = s.body.events[0].id
  const r = await tb.api(`/api/search/context?id=${id}&before=3&after=2`)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.equal(r.body.anchor.body, 'agg-a event 10')
  assert.deepEqual(r.body.before.map((e: any) => e.body), ['agg-a event 7', 'agg-a event 8', 'agg-a event 9'])
  assert.deepEqual(r.body.after.map((e: any) => e.body), ['agg-a event 11', 'agg-a event 12'])
  assert.equal((await tb.api('/api/search/context?id=nonsense')).status, 400)
  assert.equal((await tb.api(`/api/search/context?id=${id.replace(/-.*/, '-00000000')}`)).status, 404)
})

test('tail: a record sent during the test arrives within 2 s, as a search hit', async () => {
  const ac = new AbortController()
  const res = await fetch(`${tb.apiUrl}/api/tail?q=${encodeURIComponent('service:tail-svc level:error')}`, {
    signal: ac.signal, headers: tb.adminToken ? { authorization: `Bearer ${tb.adminToken}` } : {},
  })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/)
  const reader = res.body!.getReader()
  let text = ''
  const sentAt = Date.now()
  await tb.beacon.ingest.submit({ id: 'tail-1', source: 'test', logs: [log(100, 'tail-svc', ['INFO', 9]), log(101, 'tail-svc', ['ERROR', 17])], spans: [], rejected: 0 })
  while (!text.includes('event: record')) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
    assert.ok(Date.now() - sentAt < 2000, 'within 2 s')
  }
  ac.abort()
  const data = JSON.parse(/event: record\ndata: (.*)\n/.exec(text)![1])
  assert.equal(data.body, 'tail-svc event 101', 'only the record that matches')
  assert.equal(data.level, 'ERROR')
  assert.match(data.id, /^l\d+-[0-9a-f]{8}$/)
  // The same id search gives once it is stored.
  await tb.flush()
  const s = await tb.api(`/api/search?q=${encodeURIComponent('service:tail-svc level:error')}&from=now-1h`)
  assert.equal(s.body.events[0].id, data.id)
})
