import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { createRedactStage } from '../src/security/redact.ts'
import { batch, logRecord, spanRecord } from '../src/security/test-utils.ts'

/**
 * Every string column of every table, as the real store (chDB) lists them in system.columns, is
 * accounted for: telemetry columns are written from a record field the redaction stage redacts
 * (planted below and checked), derived from one (materialized), or cannot hold text (ids checked as
 * hex by the decoders, enums); Beacon's own tables hold its metadata. A new string column fails
 * this test until its coverage is declared here — and, for telemetry, proven by the planted record.
 */
type Coverage = { redacted: string } | { derived: string } | { notText: string } | { metadata: string }

const LOG_FIELDS = ['serviceName', 'body', 'eventName', 'scopeName', 'scopeVersion', 'severityText'] as const
const SPAN_FIELDS = ['serviceName', 'name', 'statusMessage', 'traceState', 'scopeName', 'scopeVersion'] as const

const TELEMETRY: Record<string, Record<string, Coverage>> = {
  otel_logs: {
    Body: { redacted: 'log.body' }, EventName: { redacted: 'log.eventName' }, ScopeName: { redacted: 'log.scopeName' },
    ScopeVersion: { redacted: 'log.scopeVersion' }, ServiceName: { redacted: 'log.serviceName' }, SeverityText: { redacted: 'log.severityText' },
    LogAttributes: { redacted: 'log.attributes' }, ResourceAttributes: { redacted: 'log.resource' },
    ScopeAttributes: { notText: 'not written (default empty)' }, ResourceSchemaUrl: { notText: 'not written' }, ScopeSchemaUrl: { notText: 'not written' },
    TraceId: { notText: 'hex id' }, SpanId: { notText: 'hex id' },
    ClientIp: { derived: 'LogAttributes' }, EventAction: { derived: 'LogAttributes' }, HttpRoute: { derived: 'LogAttributes' },
    OrderId: { derived: 'LogAttributes' }, UserId: { derived: 'LogAttributes' },
  },
  otel_traces: {
    SpanName: { redacted: 'span.name' }, StatusMessage: { redacted: 'span.statusMessage' }, TraceState: { redacted: 'span.traceState' },
    ScopeName: { redacted: 'span.scopeName' }, ScopeVersion: { redacted: 'span.scopeVersion' }, ServiceName: { redacted: 'span.serviceName' },
    SpanAttributes: { redacted: 'span.attributes' }, ResourceAttributes: { redacted: 'span.resource' },
    'Events.Name': { redacted: 'span.events[].name' }, 'Events.Attributes': { redacted: 'span.events[].attributes' },
    'Links.TraceState': { redacted: 'span.links[].traceState' }, 'Links.Attributes': { redacted: 'span.links[].attributes' },
    'Links.TraceId': { notText: 'hex id' }, 'Links.SpanId': { notText: 'hex id' }, TraceId: { notText: 'hex id' }, SpanId: { notText: 'hex id' },
    ParentSpanId: { notText: 'hex id' }, SpanKind: { notText: 'enum' }, StatusCode: { notText: 'enum' },
    ClientIp: { derived: 'SpanAttributes' }, EventAction: { derived: 'SpanAttributes' }, HttpRoute: { derived: 'SpanAttributes' },
    OrderId: { derived: 'SpanAttributes' }, UserId: { derived: 'SpanAttributes' },
  },
  otel_traces_trace_id_ts: { TraceId: { notText: 'hex id' } },
  otel_traces_trace_id_ts_mv: { TraceId: { notText: 'hex id' } },
  otel_traces_trace_id_ts_logs_mv: { TraceId: { notText: 'hex id' } },
}
/** Beacon's own tables: users, keys, sessions, audit, bookkeeping — written by Beacon, not by senders. */
const METADATA_PREFIX = 'beacon_'

let tb: TestBeacon
before(async () => { tb = await startTestBeacon() })
after(async () => { await tb.stop() })

test('every string column of every table is covered by redaction (system.columns on the real store)', async () => {
  const cols = await tb.store.query<{ table: string; name: string; type: string }>(
    `SELECT table, name, type FROM system.columns WHERE database = currentDatabase() AND type LIKE '%String%' ORDER BY table, name`)
  assert.ok(cols.length > 40)
  const uncovered = cols.filter((c) => !c.table.startsWith(METADATA_PREFIX) && TELEMETRY[c.table]?.[c.name] === undefined)
  assert.deepEqual(uncovered.map((c) => `${c.table}.${c.name} ${c.type}`), [], 'declare how each new string column is redacted')
})

test('each record field behind a redacted column is redacted (planted in all of them)', () => {
  const planted = 'svc john.doe@example.com 4111 1111 1111 1111 password=Plant3d'
  const log = logRecord({ body: planted })
  for (const f of LOG_FIELDS) (log as unknown as Record<string, string>)[f] = planted
  log.attributes.note = planted
  log.resource = { ...log.resource, note: planted }
  const span = spanRecord({})
  for (const f of SPAN_FIELDS) (span as unknown as Record<string, string>)[f] = planted
  span.attributes.note = planted
  span.events = [{ timeUnixNano: span.timeUnixNano, name: planted, attributes: { note: planted } }]
  span.links = [{ traceId: span.traceId, spanId: span.spanId, traceState: planted, attributes: { note: planted } }]
  createRedactStage().process(batch([log], [span]))
  const all = JSON.stringify({ log, span })
  for (const leak of ['john.doe', '4111 1111 1111 1111', 'Plant3d']) assert.ok(!all.includes(leak), `${leak} in ${all}`)
})
