import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import * as grpc from '@grpc/grpc-js'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { freePort, startTestBeacon, type TestBeacon } from '../../testing.ts'
import { realisticLog, sdkLogs, sdkSpans, serializeLogs } from './test-utils.ts'

/**
 * The official OpenTelemetry gRPC exporters deliver into a real Beacon (embedded chDB) over
 * OTLP/gRPC; what they sent is read back from the store. Then bad input through a raw gRPC
 * client: the status codes the OTLP spec names, and the process keeps serving.
 */

const MAX_MESSAGE = 256 * 1024
const port = await freePort()
const tb: TestBeacon = await startTestBeacon({ env: { BEACON_OTLP_GRPC_PORT: String(port) }, overrides: { 'limits.maxBodyBytes': MAX_MESSAGE } })
after(() => tb.stop())
const url = `http://127.0.0.1:${port}`

function metadata(key = tb.ingestKey): grpc.Metadata {
  const md = new grpc.Metadata()
  if (key) md.set('authorization', `Bearer ${key}`)
  return md
}

function exportWith<T>(exporter: { export(items: T[], cb: (r: ExportResult) => void): void; shutdown(): Promise<void> }, items: T[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(items, (r) => { resolve(r); void exporter.shutdown() }))
}

async function countLogs(testCase: string): Promise<number> {
  await tb.flush()
  const rows = await tb.store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE LogAttributes['test.case'] = {c:String}`, { c: testCase })
  return Number(rows[0].n)
}

function caseLogs(testCase: string, n: number, service = 'shop-api') {
  return sdkLogs(Array.from({ length: n }, (_, i) => {
    const spec = realisticLog(i)
    return { ...spec, attributes: { ...spec.attributes, 'test.case': testCase } }
  }), service)
}

/** A raw unary call on an OTLP method with arbitrary bytes. */
function rawCall(path: string, body: Buffer, md = metadata()): Promise<{ error?: grpc.ServiceError; response?: Buffer }> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 })
  const id = (b: Buffer) => b
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, id, id, body, md, (error, response) => {
      client.close()
      resolve({ error: error ?? undefined, response })
    })
  })
}
const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export'

for (const compression of ['none', 'gzip'] as const) {
  test(`OTLPLogExporter (gRPC, compression ${compression}): logs arrive with service, severity and attributes`, async () => {
    const testCase = `grpc-logs-${compression}`
    const exporter = new OTLPLogExporter({ url, metadata: metadata(), compression } as never)
    const result = await exportWith(exporter, await caseLogs(testCase, 25))
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error))
    await tb.flush()
    const rows = await tb.store.query<Record<string, any>>(
      `SELECT ServiceName, SeverityText, LogAttributes FROM otel_logs WHERE LogAttributes['test.case'] = {c:String}`, { c: testCase })
    assert.equal(rows.length, 25)
    assert.ok(rows.every((r) => r.ServiceName === 'shop-api'))
    assert.ok(rows.some((r) => r.LogAttributes['order.id'] === 'ORD-100000'))
  })
}

test('OTLPTraceExporter (gRPC): spans arrive in their trace', async () => {
  const exporter = new OTLPTraceExporter({ url, metadata: metadata(), compression: 'gzip' } as never)
  const result = await exportWith(exporter, await sdkSpans(12, 'grpc-traces'))
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error))
  await tb.flush()
  const rows = await tb.store.query<{ n: string }>(`SELECT count() AS n FROM otel_traces WHERE ServiceName = 'grpc-traces'`)
  assert.equal(Number(rows[0].n), 12)
})

test('a wrong ingest key is refused with UNAUTHENTICATED and nothing is stored', { skip: !tb.ingestKey && 'auth is off' }, async () => {
  const exporter = new OTLPLogExporter({ url, metadata: metadata('not-a-key') } as never)
  const result = await exportWith(exporter, await caseLogs('grpc-wrong-key', 3))
  assert.equal(result.code, ExportResultCode.FAILED)
  assert.equal((result.error as grpc.ServiceError).code, grpc.status.UNAUTHENTICATED)
  const none = await rawCall(LOGS, serializeLogs('protobuf', await caseLogs('grpc-no-key', 2)), new grpc.Metadata())
  assert.equal(none.error?.code, grpc.status.UNAUTHENTICATED)
  assert.equal(await countLogs('grpc-wrong-key') + await countLogs('grpc-no-key'), 0)
})

test('undecodable bytes get INVALID_ARGUMENT naming the problem; the receiver keeps serving', async () => {
  const bad = await rawCall(LOGS, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]))
  assert.equal(bad.error?.code, grpc.status.INVALID_ARGUMENT)
  assert.ok((bad.error?.details ?? '').length > 10, bad.error?.details)
  const good = await rawCall(LOGS, serializeLogs('protobuf', await caseLogs('grpc-after-bad', 2)))
  assert.equal(good.error, undefined)
  assert.equal(await countLogs('grpc-after-bad'), 2)
})

test('a message over the size limit is refused with RESOURCE_EXHAUSTED', async () => {
  const big = await sdkLogs([{ body: 'x'.repeat(MAX_MESSAGE + 1024), attributes: { 'test.case': 'grpc-big' } }])
  const r = await rawCall(LOGS, serializeLogs('protobuf', big))
  assert.equal(r.error?.code, grpc.status.RESOURCE_EXHAUSTED)
  assert.equal(await countLogs('grpc-big'), 0)
})

test('metrics are accepted and dropped with a partial-success message', async () => {
  const r = await rawCall('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', Buffer.alloc(0))
  assert.equal(r.error, undefined)
  assert.match(r.response!.toString('latin1'), /does not store metrics/)
})

test('a replayed export (same bytes) is stored once', async () => {
  const body = serializeLogs('protobuf', await caseLogs('grpc-replay', 4))
  for (let i = 0; i < 3; i++) assert.equal((await rawCall(LOGS, body)).error, undefined)
  assert.equal(await countLogs('grpc-replay'), 4)
})
