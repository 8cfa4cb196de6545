import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { attrs, type LogRecord, type SpanRecord } from '../src/pipeline/record.ts'
import { LOG_SELECT, SPAN_SELECT, logView, spanView, type LogRow, type SpanRow } from '../src/api/records.ts'
import { LOGS_TABLE, TRACES_TABLE, TRACE_BOUNDS_TABLE } from '../src/store/schema.ts'

/**
 * GET /api/traces/{id} folds the trace-bounds lookup into its statements (api/traces.ts, issue 13
 * session 7): the same spans and logs as the statements it replaced (a bounds lookup, then the
 * spans and the logs within the bounds ± 60 s, or the logs anywhere when there are no bounds),
 * for each kind of trace: spans and logs (with a log outside the window), spans only, logs only
 * (over several days), none.
 */
let tb: TestBeacon
const nowMs = Date.now()
const ns = (ms: number): string => String(BigInt(ms) * 1_000_000n)
const BOTH = 'b0'.repeat(16)
const SPANS_ONLY = 'c0'.repeat(16)
const LOGS_ONLY = 'd0'.repeat(16)

function log(atMs: number, traceId: string, body: string): LogRecord {
  return {
    timeUnixNano: ns(atMs), observedTimeUnixNano: ns(nowMs), severityText: 'INFO', severityNumber: 9, serviceName: 'shop-api', body, traceId,
    spanId: 'e0'.repeat(8), traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs(),
  }
}
function span(atMs: number, traceId: string, spanId: string, parentSpanId = ''): SpanRecord {
  return {
    timeUnixNano: ns(atMs), durationNano: '20000000', traceId, spanId, parentSpanId, traceState: '', name: `op ${spanId}`, kind: 'Server',
    serviceName: 'shop-api', scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs(), statusCode: 'Unset', statusMessage: '', events: [], links: [],
  }
}

/** The statements GET /api/traces/{id} ran before the bounds were folded in, straight on the store. */
async function before7(id: string): Promise<{ spans: ReturnType<typeof spanView>[]; logs: ReturnType<typeof logView>[] }> {
  const store = tb.beacon.store
  const [bounds] = await store.query<{ start: number; end: number; n: string }>(
    `SELECT toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end, count() AS n FROM ${TRACE_BOUNDS_TABLE} WHERE TraceId = {id:String}`, { id })
  if (bounds && Number(bounds.n) > 0) {
    const params = { id, start: Number(bounds.start) - 1, end: Number(bounds.end) + 1 }
    const spans = await store.query<SpanRow>(`SELECT ${SPAN_SELECT} FROM ${TRACES_TABLE}
      WHERE TraceId = {id:String} AND Timestamp >= toDateTime({start:UInt32}) AND Timestamp <= toDateTime({end:UInt32}) ORDER BY Timestamp LIMIT 10000
      SETTINGS prefer_column_name_to_alias = 1`, params)
    const logs = await store.query<LogRow>(`SELECT ${LOG_SELECT} FROM ${LOGS_TABLE}
      WHERE TraceId = {id:String} AND TimestampTime >= toDateTime({start:UInt32}) - 60 AND TimestampTime <= toDateTime({end:UInt32}) + 60 ORDER BY Timestamp LIMIT 10000
      SETTINGS prefer_column_name_to_alias = 1`, params)
    return { spans: spans.map(spanView), logs: logs.map(logView) }
  }
  const logs = await store.query<LogRow>(`SELECT ${LOG_SELECT} FROM ${LOGS_TABLE} WHERE TraceId = {id:String} ORDER BY Timestamp LIMIT 10000
    SETTINGS prefer_column_name_to_alias = 1`, { id })
  return { spans: [], logs: logs.map(logView) }
}

before(async () => {
  tb = await startTestBeacon({ overrides: { 'retention.days': 30 } })
  const logs = [
    log(nowMs - 30_000, BOTH, 'inside the window: 30 s before the first span'),
    log(nowMs + 50_000, BOTH, 'inside the window: 50 s after the last span'),
    log(nowMs - 5 * 60_000, BOTH, 'outside the window: 5 min before the spans'),
    log(nowMs - 3 * 86_400_000, LOGS_ONLY, 'three days ago'),
    log(nowMs - 1000, LOGS_ONLY, 'a second ago'),
  ]
  const spans = [
    span(nowMs, BOTH, 'a1'.repeat(8)), span(nowMs + 10, BOTH, 'a2'.repeat(8), 'a1'.repeat(8)),
    span(nowMs - 86_400_000, SPANS_ONLY, 'a3'.repeat(8)), span(nowMs - 86_400_000 + 500, SPANS_ONLY, 'a4'.repeat(8), 'a3'.repeat(8)),
  ]
  const out = await tb.beacon.ingest.submit({ id: 'trace-lookup', source: 'test', logs, spans, rejected: 0 })
  assert.equal(out.status, 'ok')
  await tb.flush()
})
after(() => tb.stop())

for (const [name, id, nSpans, nLogs] of [['spans and logs', BOTH, 2, 2], ['spans only', SPANS_ONLY, 2, 0], ['logs only, days apart', LOGS_ONLY, 0, 2]] as const) {
  test(`a trace with ${name}: the same spans and logs as the bounds lookup and its statements gave`, async () => {
    const r = await tb.api(`/api/traces/${id}`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const old = await before7(id)
    assert.equal(r.body.spans.length, nSpans)
    assert.equal(r.body.logs.length, nLogs)
    assert.deepEqual(r.body.logs, old.logs)
    assert.deepEqual(r.body.spans.map((s: any) => [s.spanId, s.timeUnixNano]).sort(), old.spans.map((s) => [s.spanId, s.timeUnixNano]).sort())
  })
}

test('the logs of a trace with spans are the ones within a minute of its spans', async () => {
  const r = await tb.api(`/api/traces/${BOTH}`)
  assert.deepEqual(r.body.logs.map((l: any) => l.body), ['inside the window: 30 s before the first span', 'inside the window: 50 s after the last span'])
})

test('a trace in neither table is a 404', async () => {
  assert.equal((await tb.api(`/api/traces/${'0e'.repeat(16)}`)).status, 404)
})
