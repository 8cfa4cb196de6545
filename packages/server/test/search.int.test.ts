import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { attrs, type LogRecord, type SpanRecord } from '../src/pipeline/record.ts'

/**
 * /api/search defects of issue 7 and what came with them: slow-span queries (a select alias used to
 * leak into WHERE), exact cursor paging over records that share a timestamp, sort, fields, warnings.
 */

let tb: TestBeacon
const baseNs = BigInt(Date.now() - 60_000) * 1_000_000n
const TOTAL = 10_000
const PER_MS = 300

function log(i: number, tsNs: bigint, body: string): LogRecord {
  const attributes = attrs()
  attributes.n = String(i % 7)
  return {
    timeUnixNano: String(tsNs), observedTimeUnixNano: String(tsNs), severityText: 'INFO', severityNumber: 9,
    serviceName: 'paging', body, traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '',
    resource: attrs(), attributes,
  }
}

function span(i: number, ms: number): SpanRecord {
  return {
    timeUnixNano: String(baseNs + BigInt(i) * 1_000_000n), durationNano: String(ms * 1_000_000), traceId: 'ab'.repeat(16),
    spanId: `f${String(i).padStart(15, '0')}`, parentSpanId: '', traceState: '', name: `op-${i}`, kind: 'Server', serviceName: 'slow-api',
    scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs(), statusCode: 'Ok', statusMessage: '', events: [], links: [],
  }
}

before(async () => {
  tb = await startTestBeacon()
  const logs: LogRecord[] = []
  // Hundreds of records in each millisecond, all in the same nanosecond.
  for (let i = 0; i < TOTAL; i++) logs.push(log(i, baseNs + BigInt(Math.floor(i / PER_MS)) * 1_000_000n, `rec-${i}`))
  // Five identical documents (same @timestamp, same message), as an ES client can send them.
  for (let i = 0; i < 5; i++) logs.push(log(0, baseNs, 'twin'))
  const spans = [span(0, 120), span(1, 499), span(2, 500), span(3, 501), span(4, 999), span(5, 1000), span(6, 2500)]
  for (let k = 0; k < logs.length; k += 2000) {
    const out = await tb.beacon.ingest.submit({ id: `paging-${k}`, source: 'test', logs: logs.slice(k, k + 2000), spans: k === 0 ? spans : [], rejected: 0 })
    assert.equal(out.status, 'ok')
  }
  await tb.flush()
})
after(() => tb.stop())

const durations = (body: any): number[] => body.events.map((e: any) => e.durationMs).sort((a: number, b: number) => a - b)

test('slow-span queries on spans answer 200 with the right spans (the select alias no longer leaks into WHERE)', async () => {
  const cases: [string, number[]][] = [
    ['duration:>500', [501, 999, 1000, 2500]],
    ['duration:>=1s', [1000, 2500]],
    ['duration:[100 TO 2s]', [120, 499, 500, 501, 999, 1000]],
    ['duration:500', [500]],
    ['duration:<500ms', [120, 499]],
    ['duration >= 1s', [1000, 2500]],
  ]
  for (const [q, expected] of cases) {
    const r = await tb.api(`/api/search?target=spans&from=now-1h&q=${encodeURIComponent(`service:slow-api ${q}`)}`)
    assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`)
    assert.deepEqual([q, durations(r.body)], [q, expected])
  }
})

async function pageAll(query: string, limit: number): Promise<{ ids: string[]; bodies: string[]; pages: number }> {
  const ids: string[] = []
  const bodies: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const r: { status: number; body: any } = await tb.api(`/api/search?q=service:paging&from=now-1h&limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    for (const e of r.body.events) { ids.push(e.id); bodies.push(e.body) }
    cursor = r.body.nextCursor
    pages++
  } while (cursor && pages < 1000)
  return { ids, bodies, pages }
}

function assertEachOnce(bodies: string[]): void {
  const counts = new Map<string, number>()
  for (const b of bodies) counts.set(b, (counts.get(b) ?? 0) + 1)
  assert.equal(counts.get('twin'), 5, 'the five identical documents, each once')
  counts.delete('twin')
  assert.equal(counts.size, TOTAL, 'every record')
  for (const [b, n] of counts) assert.equal(n, 1, `${b} seen ${n} times`)
}

test('cursor paging returns every record exactly once when hundreds share a millisecond', async () => {
  const { bodies, ids } = await pageAll('', 97)
  assert.equal(bodies.length, TOTAL + 5)
  assertEachOnce(bodies)
  for (const id of ids) assert.match(id, /^l\d+-[0-9a-f]{8}$/)
  // Newest first: the last records were sent in the newest millisecond.
  assert.equal(Math.floor(Number(bodies[0].slice(4)) / PER_MS), Math.floor((TOTAL - 1) / PER_MS))
})

test('sorting by a field pages exactly too, oldest first as well', async () => {
  const byField = await pageAll('&sort=n:desc', 333)
  assertEachOnce(byField.bodies)
  const ns = byField.bodies.filter((b) => b !== 'twin').map((b) => Number(b.slice(4)) % 7)
  for (let i = 1; i < ns.length; i++) assert.ok(ns[i - 1] >= ns[i], 'n descending')
  const oldest = await pageAll('&sort=@timestamp:asc', 1000)
  assertEachOnce(oldest.bodies)
  assert.ok(oldest.bodies[0] === 'twin' || Number(oldest.bodies[0].slice(4)) < PER_MS, 'oldest millisecond first')
})

test('fields= returns only the chosen fields (and the id and time)', async () => {
  const r = await tb.api('/api/search?q=service:paging&from=now-1h&limit=3&fields=body,n')
  assert.equal(r.status, 200)
  for (const e of r.body.events) {
    assert.deepEqual(Object.keys(e).sort(), ['attributes', 'body', 'id', 'kind', 'time', 'timeUnixNano'])
    assert.deepEqual(Object.keys(e.attributes), ['n'])
  }
})

test('search answers warnings about KQL/Lucene habits instead of a silent 0', async () => {
  const r = await tb.api(`/api/search?from=now-1h&q=${encodeURIComponent('serivce:paging')}`)
  assert.equal(r.status, 200)
  assert.equal(r.body.total, 0)
  assert.match(r.body.warnings.join('\n'), /did you mean 'service'/)
  const bad = await tb.api('/api/search?sort=n:sideways')
  assert.equal(bad.status, 400)
})

test('an exact trace id (rows first, histogram counted from them) answers what the two-statement search answers', async () => {
  const id = 'ab'.repeat(16)
  const get = async (q: string, limit: number) => {
    const r: { status: number; body: any } = await tb.api(`/api/search?target=spans&from=now-1h&limit=${limit}&q=${encodeURIComponent(q)}`)
    assert.equal(r.status, 200)
    return r.body
  }
  for (const limit of [100, 7, 3]) {
    // The OR makes the query no point lookup: the histogram query runs, then the rows query.
    const [point, plain] = await Promise.all([get(`trace.id:${id}`, limit), get(`trace.id:${id} OR span.name:no-such-op`, limit)])
    assert.equal(point.total, 7)
    assert.deepEqual(point.histogram, plain.histogram, `histogram, limit ${limit}`)
    assert.deepEqual(point.events.map((e: any) => e.id), plain.events.map((e: any) => e.id), `events, limit ${limit}`)
    assert.equal(point.nextCursor, plain.nextCursor, `cursor, limit ${limit}`)
  }
})
