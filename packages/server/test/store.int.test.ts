import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config/load.ts'
import { createStore } from '../src/store/connection.ts'
import { migrate } from '../src/store/migrations.ts'
import { createRowEncoder } from '../src/store/encode.ts'
import { LOGS_TABLE, LOG_INSERT_COLUMNS, TRACES_TABLE, SPAN_INSERT_COLUMNS } from '../src/store/schema.ts'
import { attrs, type LogRecord, type SpanRecord } from '../src/pipeline/record.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'beacon-store-'))
const config = loadConfig({ env: { BEACON_DATA_DIR: dataDir }, file: '/dev/null' })
const store = await createStore(config)
const encoder = createRowEncoder(config.businessKeys)
const encodeLogs = (r: Parameters<typeof encoder.logsBytes>[0]) => Buffer.from(encoder.logsBytes(r))
const encodeSpans = (s: Parameters<typeof encoder.spansBytes>[0]) => Buffer.from(encoder.spansBytes(s))
after(async () => { await store.close(); rmSync(dataDir, { recursive: true, force: true }) })

// Recent times: rows older than the retention (TTL) are dropped on insert.
const NOW_S = Math.floor(Date.now() / 1000)
const TS = `${NOW_S}123456789`
const HOSTILE = ["tab\there", 'new\nline', 'back\\slash', "quote'd", 'null\0byte', 'cr\rlf', '{map}', "[arr,'x']", 'ünïcødé 🚀', "'; DROP TABLE otel_logs; --", '\\t literal']

function log(body: string, a: Record<string, string>): LogRecord {
  const attributes = attrs()
  Object.assign(attributes, a)
  return {
    timeUnixNano: TS, observedTimeUnixNano: TS, severityText: 'INFO', severityNumber: 9,
    serviceName: 'shop-api', body, traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1, eventName: '',
    scopeName: 'test', scopeVersion: '1.0', resource: attrs(), attributes,
  }
}

test('migrations apply once; a second run changes nothing', async () => {
  const first = await migrate(store, config)
  assert.deepEqual(first.applied, [1, 2, 3, 4, 5, 10, 11, 50])
  const second = await migrate(store, config)
  assert.deepEqual(second.applied, [])
  assert.deepEqual(second.altered, [])
  // Migration 50: the logs table writes compressed blocks of 16–128 KB (a hit decompresses less).
  const [logs] = await store.query<{ q: string }>(`SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'otel_logs'`)
  assert.match(logs.q, /min_compress_block_size = 16384, max_compress_block_size = 131072/)
  const tables = (await store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name`)).map((r) => r.name)
  for (const t of ['otel_logs', 'otel_traces', 'otel_traces_trace_id_ts', 'beacon_ingest_batches', 'beacon_schema_migrations', 'beacon_logs_1m', 'beacon_spans_1m']) assert.ok(tables.includes(t), t)
})

test('hostile strings survive TSV encoding exactly, in bodies, keys and values', async () => {
  const records = HOSTILE.map((s, i) => log(s, { [s]: s, 'order.id': `ORD-TSV-${i}`, 'n': String(i) }))
  await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, encodeLogs(records))
  const rows = await store.query<{ Body: string; LogAttributes: Record<string, string>; OrderId: string; ts: string }>(
    `SELECT Body, LogAttributes, OrderId, toString(toUnixTimestamp64Nano(Timestamp)) AS ts FROM ${LOGS_TABLE} WHERE startsWith(OrderId, 'ORD-TSV-') ORDER BY toUInt32(LogAttributes['n'])`)
  assert.equal(rows.length, HOSTILE.length)
  rows.forEach((r, i) => {
    assert.equal(r.Body, HOSTILE[i])
    assert.equal(r.LogAttributes[HOSTILE[i]], HOSTILE[i])
    assert.equal(r.OrderId, `ORD-TSV-${i}`)
    assert.equal(r.ts, TS, 'nanosecond timestamp kept exactly')
  })
  assert.equal(Number((await store.query<{ c: string }>('SELECT count() AS c FROM system.tables WHERE name = {t:String}', { t: LOGS_TABLE }))[0].c), 1, 'table still there')
})

test('spans with events and links round-trip; the trace bounds table learns the trace', async () => {
  const a = attrs()
  a['order.id'] = 'ORD-SPAN'
  a['http.response.status_code'] = '503'
  const span: SpanRecord = {
    timeUnixNano: `${NOW_S}000000000`, durationNano: '2500000', traceId: 'ef'.repeat(16), spanId: '12'.repeat(8), parentSpanId: '',
    traceState: '', name: "GET /orders/:id 'x'", kind: 'Server', serviceName: 'crm-api', scopeName: '', scopeVersion: '',
    resource: attrs(), attributes: a, statusCode: 'Error', statusMessage: 'tab\tand\nnewline',
    events: [{ timeUnixNano: `${NOW_S}001000000`, name: 'exception', attributes: Object.assign(attrs(), { 'exception.message': "it's\tbroken" }) }],
    links: [{ traceId: '34'.repeat(16), spanId: '56'.repeat(8), traceState: '', attributes: attrs() }],
  }
  await store.insertTsv(TRACES_TABLE, SPAN_INSERT_COLUMNS, encodeSpans([span]))
  const [row] = await store.query<any>(`SELECT SpanName, StatusMessage, Duration, OrderId, HttpStatus, Events.Name AS en, Events.Attributes AS ea, Links.TraceId AS lt FROM ${TRACES_TABLE} WHERE TraceId = {t:String}`, { t: span.traceId })
  assert.equal(row.SpanName, span.name)
  assert.equal(row.StatusMessage, span.statusMessage)
  assert.equal(String(row.Duration), '2500000')
  assert.equal(row.OrderId, 'ORD-SPAN')
  assert.equal(Number(row.HttpStatus), 503)
  assert.deepEqual(row.en, ['exception'])
  assert.equal(row.ea[0]['exception.message'], "it's\tbroken")
  assert.deepEqual(row.lt, ['34'.repeat(16)])
  const [b] = await store.query<{ c: string }>(`SELECT count() AS c FROM otel_traces_trace_id_ts WHERE TraceId = {t:String}`, { t: span.traceId })
  assert.equal(Number(b.c), 1)
})

test('an insert replayed with the same deduplication token is stored once', async () => {
  const body = encodeLogs([log('dedup me', { 'order.id': 'ORD-DEDUP' })])
  await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, body, 'test-token-1')
  await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, body, 'test-token-1')
  const [r] = await store.query<{ c: string }>(`SELECT count() AS c FROM ${LOGS_TABLE} WHERE OrderId = 'ORD-DEDUP'`)
  assert.equal(Number(r.c), 1)
  await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, body, 'test-token-2')
  const [r2] = await store.query<{ c: string }>(`SELECT count() AS c FROM ${LOGS_TABLE} WHERE OrderId = 'ORD-DEDUP'`)
  assert.equal(Number(r2.c), 2, 'a different token is a different insert')
})

test('changing the configured order-id attributes re-derives the column for new rows', async () => {
  const changed = loadConfig({ env: { BEACON_DATA_DIR: dataDir, BEACON_ORDER_ID_FIELDS: 'order.ref' }, file: '/dev/null' })
  const report = await migrate(store, changed)
  assert.ok(report.altered.includes('otel_logs.OrderId'), 'the DEFAULT follows the configuration')
  await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, Buffer.from(createRowEncoder(changed.businessKeys).logsBytes([log('ref', { 'order.ref': 'REF-9', 'order.id': 'NOT-THIS' })])))
  const [r] = await store.query<{ c: string }>(`SELECT count() AS c FROM ${LOGS_TABLE} WHERE OrderId = 'REF-9'`)
  assert.equal(Number(r.c), 1, 'the ingest path writes the configured attribute')
  // Another writer of the OpenTelemetry schema (no business-key columns): the DEFAULT fills them.
  await store.command(`INSERT INTO ${LOGS_TABLE} (Timestamp, ServiceName, Body, LogAttributes) VALUES (now64(9), 'other', 'x', map('order.ref', 'REF-10', 'http.response.status_code', '404'))`)
  const [o] = await store.query<{ OrderId: string }>(`SELECT OrderId FROM ${LOGS_TABLE} WHERE ServiceName = 'other'`)
  assert.equal(o.OrderId, 'REF-10')
  assert.deepEqual((await migrate(store, changed)).altered, [], 'idempotent after the change')
  await migrate(store, config)
})
