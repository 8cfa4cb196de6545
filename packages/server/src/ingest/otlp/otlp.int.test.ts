import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { startTestBeacon, type TestBeacon } from '../../testing.ts'
import { realisticLog, sdkLogs, sdkSpans, serializeLogs } from './test-utils.ts'

/**
 * The official OpenTelemetry JS exporters (OTLP/HTTP JSON and protobuf, logs and traces) deliver
 * into a real Beacon (embedded chDB); what they sent is read back from the store and the API.
 * Then bad input over real HTTP: each answer is a clear 4xx and the process keeps serving.
 */

const MAX_BODY = 512 * 1024
const tb: TestBeacon = await startTestBeacon({ overrides: { 'limits.maxBodyBytes': MAX_BODY } })
after(() => tb.stop())

const auth: Record<string, string> = tb.ingestKey ? { authorization: `Bearer ${tb.ingestKey}` } : {}

function exportWith<T>(exporter: { export(items: T[], cb: (r: ExportResult) => void): void; shutdown(): Promise<void> }, items: T[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(items, (r) => { resolve(r); void exporter.shutdown() }))
}

async function logsOf(testCase: string): Promise<Record<string, any>[]> {
  await tb.flush()
  return tb.store.query(
    `SELECT ServiceName, Body, TraceId, SpanId, SeverityText, SeverityNumber, ScopeName, ScopeVersion, EventName,
            LogAttributes, ResourceAttributes
     FROM otel_logs WHERE LogAttributes['test.case'] = {c:String} ORDER BY Timestamp`, { c: testCase })
}

async function spansOf(service: string): Promise<Record<string, any>[]> {
  await tb.flush()
  return tb.store.query(
    `SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, StatusCode, StatusMessage, Duration, SpanAttributes,
            Events.Name AS EventNames, Links.SpanId AS LinkSpanIds
     FROM otel_traces WHERE ServiceName = {s:String} ORDER BY Timestamp`, { s: service })
}

function caseLogs(testCase: string, n: number): Promise<ReadableLogRecord[]> {
  return sdkLogs(Array.from({ length: n }, (_, i) => {
    const spec = realisticLog(i)
    return { ...spec, attributes: { ...spec.attributes, 'test.case': testCase } }
  }))
}

const logExporters = {
  'http/json': (opts: { compression?: 'gzip' | 'none' } = {}) => new JsonLogExporter({ url: `${tb.otlpUrl}/v1/logs`, headers: auth, ...opts } as never),
  'http/protobuf': (opts: { compression?: 'gzip' | 'none' } = {}) => new ProtoLogExporter({ url: `${tb.otlpUrl}/v1/logs`, headers: auth, ...opts } as never),
}
const traceExporters = {
  'http/json': () => new JsonTraceExporter({ url: `${tb.otlpUrl}/v1/traces`, headers: auth }),
  'http/protobuf': () => new ProtoTraceExporter({ url: `${tb.otlpUrl}/v1/traces`, headers: auth }),
}

for (const [protocol, make] of Object.entries(logExporters)) {
  test(`OTLPLogExporter ${protocol}: logs arrive with service, ids, severity, scope and attributes`, async () => {
    const testCase = `logs-${protocol}`
    const result = await exportWith(make(), await caseLogs(testCase, 20))
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error))
    const rows = await logsOf(testCase)
    assert.equal(rows.length, 20)
    const first = rows.find((r) => r.LogAttributes['order.id'] === 'ORD-100000')!
    assert.equal(first.ServiceName, 'shop-api')
    assert.equal(first.TraceId, '00000000abcdef0123456789abcdef01')
    assert.equal(first.SpanId, '0000000101234567')
    assert.equal(first.SeverityText, 'ERROR')
    assert.equal(first.SeverityNumber, 17)
    assert.equal(first.ScopeName, 'beacon-test')
    assert.equal(first.ScopeVersion, '1.2.3')
    assert.equal(first.LogAttributes['http.response.status_code'], '500')
    assert.equal(first.ResourceAttributes['host.name'], 'node-1')
    assert.match(first.Body, /^GET \/orders\/ORD-100000 500/)
  })

  test(`OTLPLogExporter ${protocol} with gzip compression`, async () => {
    const testCase = `logs-gzip-${protocol}`
    const result = await exportWith(make({ compression: 'gzip' }), await caseLogs(testCase, 5))
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error))
    assert.equal((await logsOf(testCase)).length, 5)
  })
}

for (const [protocol, make] of Object.entries(traceExporters)) {
  test(`OTLPTraceExporter ${protocol}: spans arrive with kind, status, duration, parent, events and links`, async () => {
    const service = `traces-${protocol.replace('/', '-')}`
    const spans: ReadableSpan[] = await sdkSpans(4, service)
    const result = await exportWith(make(), spans)
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error))
    const rows = await spansOf(service)
    assert.equal(rows.length, 4)
    const root = rows.find((r) => r.SpanName === 'GET /orders/:id')!
    const child = rows.find((r) => r.SpanName === 'SELECT orders' && r.TraceId === root.TraceId)!
    assert.equal(root.SpanKind, 'Server')
    assert.equal(root.ParentSpanId, '')
    assert.equal(Number(root.Duration), 50_000_000)
    assert.equal(child.SpanKind, 'Client')
    assert.equal(child.ParentSpanId, root.SpanId)
    assert.equal(child.StatusCode, 'Error')
    assert.equal(child.StatusMessage, 'timeout')
    assert.deepEqual(child.EventNames, ['rows fetched'])
    assert.deepEqual(child.LinkSpanIds, [root.SpanId])

    // …and the API shows the trace.
    const api = await tb.api(`/api/traces/${root.TraceId}`)
    assert.equal(api.status, 200, JSON.stringify(api.body))
    assert.equal(api.body.spans.length, 2)
  })
}

async function post(path: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; type: string; body: Buffer; headers: Headers }> {
  const res = await fetch(`${tb.otlpUrl}${path}`, { method: 'POST', headers: { ...auth, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) })
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()), headers: res.headers }
}
const JSON_TYPE = { 'content-type': 'application/json' }
const PROTO_TYPE = { 'content-type': 'application/x-protobuf' }

test('garbage protobuf and garbage JSON answer 400 with a google.rpc.Status saying what is wrong', async () => {
  const p = await post('/v1/logs', Buffer.from('\x0a\xff\xff\xff\x0fnope'), PROTO_TYPE)
  assert.equal(p.status, 400)
  assert.equal(p.type, 'application/x-protobuf')
  assert.equal(p.body[0], 0x08, 'Status.code')
  assert.equal(p.body[1], 3, 'INVALID_ARGUMENT')
  assert.match(p.body.toString('utf8'), /invalid protobuf at byte 1: length \d+ exceeds/)
  const j = await post('/v1/traces', '{"resourceSpans":[{]}', JSON_TYPE)
  assert.equal(j.status, 400)
  const status = JSON.parse(j.body.toString())
  assert.equal(status.code, 3)
  assert.match(status.message, /^JSON: /)
})

test('a mix of valid and invalid records is a 200 partial success counting the rejected ones', async () => {
  const doc = JSON.parse(serializeLogs('json', await caseLogs('partial', 3)).toString())
  const records = doc.resourceLogs[0].scopeLogs[0].logRecords
  records.push('not a record', { ...records[0], timeUnixNano: 'noon' })
  const res = await post('/v1/logs', JSON.stringify(doc), JSON_TYPE)
  assert.equal(res.status, 200)
  const body = JSON.parse(res.body.toString())
  assert.equal(body.partialSuccess.rejectedLogRecords, '2')
  assert.match(body.partialSuccess.errorMessage, /^2 log records rejected: .*logRecords\[3\]: a log record must be an object/)
  assert.equal((await logsOf('partial')).length, 3)
})

test('413 for a body over the limit, compressed or inflated; 415 for other types; 404 elsewhere', async () => {
  const big = await post('/v1/logs', Buffer.alloc(MAX_BODY + 1, 0x20), JSON_TYPE)
  assert.equal(big.status, 413)
  assert.match(JSON.parse(big.body.toString()).message, /larger than 524288 bytes \(limits\.maxBodyBytes\)/)
  const bomb = await post('/v1/logs', gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20)), { ...PROTO_TYPE, 'content-encoding': 'gzip' })
  assert.equal(bomb.status, 413)
  assert.match(bomb.body.toString(), /Decompressed body exceeds/)
  const text = await post('/v1/logs', 'hello', { 'content-type': 'text/plain' })
  assert.equal(text.status, 415)
  assert.match(JSON.parse(text.body.toString()).message, /send application\/x-protobuf or application\/json/)
  const unknown = await post('/v1/nothing', '{}', JSON_TYPE)
  assert.equal(unknown.status, 404)
  assert.equal(JSON.parse(unknown.body.toString()).code, 5)
})

test('metrics are accepted and dropped with a warning in the response', async () => {
  const res = await post('/v1/metrics', '{"resourceMetrics":[]}', JSON_TYPE)
  assert.equal(res.status, 200)
  assert.match(JSON.parse(res.body.toString()).partialSuccess.errorMessage, /does not store metrics/)
})

test('without an ingest key the receiver answers 401 with a Status', { skip: tb.ingestKey ? false : 'ingest auth is off in this run' }, async () => {
  const res = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: JSON_TYPE, body: '{}' })
  assert.equal(res.status, 401)
  assert.equal((await res.json()).code, 16)
})

test('after all of that the process still ingests', async () => {
  const result = await exportWith(logExporters['http/protobuf'](), await caseLogs('still-alive', 2))
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error))
  assert.equal((await logsOf('still-alive')).length, 2)
})
