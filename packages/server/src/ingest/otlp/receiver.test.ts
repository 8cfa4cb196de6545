import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import Fastify, { type FastifyInstance } from 'fastify'
import pino from 'pino'
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import type { Config } from '../../config/schema.ts'
import type { IngestOutcome } from '../../pipeline/pipeline.ts'
import type { Batch } from '../../pipeline/record.ts'
import { acceptRawBodies } from '../http-body.ts'
import { openIngestAuth, type IngestAuth } from '../receiver.ts'
import { createOtlpReceiver } from './index.ts'
import { WireReader } from './wire.ts'
import { limits, realisticLog, sdkLogs, sdkSpans, serializeLogs, serializeSpans } from './test-utils.ts'

/**
 * The receiver on a real Fastify instance (inject), with an ingest path that records the batches it
 * is handed and answers a chosen outcome.
 */

interface Harness {
  app: FastifyInstance
  batches: Batch[]
  logLines: Record<string, unknown>[]
}

async function harness(opts: {
  outcome?: IngestOutcome | ((b: Batch) => IngestOutcome)
  auth?: IngestAuth
  limits?: Partial<Config['limits']>
} = {}): Promise<Harness> {
  const lim = limits(opts.limits)
  const app = Fastify({ logger: false, bodyLimit: lim.maxBodyBytes })
  acceptRawBodies(app, lim)
  const batches: Batch[] = []
  const logLines: Record<string, unknown>[] = []
  const sink = new Writable({ write(chunk, _enc, done) { logLines.push(JSON.parse(String(chunk))); done() } })
  const outcome = opts.outcome ?? ((b: Batch) => ({ status: 'ok', accepted: b.logs.length + b.spans.length, rejected: b.rejected, message: b.rejectionMessage }))
  await createOtlpReceiver()(app, {
    ingest: {
      async submit(b) {
        batches.push(b)
        return typeof outcome === 'function' ? outcome(b) : outcome
      },
    },
    limits: lim,
    logger: pino({ level: 'info' }, sink),
    auth: opts.auth ?? openIngestAuth,
  })
  await app.ready()
  return { app, batches, logLines }
}

const JSON_TYPE = { 'content-type': 'application/json' }
const PROTO_TYPE = { 'content-type': 'application/x-protobuf' }

/** A google.rpc.Status from protobuf bytes. */
function decodeStatus(body: Buffer): { code: number; message: string } {
  const r = new WireReader(body)
  const out = { code: 0, message: '' }
  while (r.pos < body.length) {
    const tag = r.varint32(body.length)
    if (tag === 0x08) out.code = r.varint32(body.length)
    else if (tag === 0x12) out.message = r.string(body.length)
    else assert.fail(`unexpected tag ${tag}`)
  }
  return out
}

const logsJson = async (n = 3): Promise<Buffer> => serializeLogs('json', await sdkLogs(Array.from({ length: n }, (_, i) => realisticLog(i))))
const logsProto = async (n = 3): Promise<Buffer> => serializeLogs('protobuf', await sdkLogs(Array.from({ length: n }, (_, i) => realisticLog(i))))

test('JSON logs: 200 with an empty JSON response; the batch carries the records, source and principal', async () => {
  const h = await harness({ auth: { async authenticate() { return { ok: true, principal: { keyId: 'k1', service: 'shop-api' } } } } })
  const body = await logsJson(3)
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: JSON_TYPE, payload: body })
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^application\/json/)
  assert.equal(res.body, '{}')
  assert.equal(h.batches.length, 1)
  const b = h.batches[0]
  assert.equal(b.source, 'otlp')
  assert.equal(b.logs.length, 3)
  assert.equal(b.spans.length, 0)
  assert.deepEqual(b.principal, { keyId: 'k1', service: 'shop-api' })
  assert.equal(b.id, createHash('sha256').update('/v1/logs\n').update(body).digest('hex'))
})

test('protobuf traces: 200 with an empty protobuf response', async () => {
  const h = await harness()
  const res = await h.app.inject({ method: 'POST', url: '/v1/traces', headers: PROTO_TYPE, payload: serializeSpans('protobuf', await sdkSpans(4)) })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'application/x-protobuf')
  assert.equal(res.rawPayload.length, 0)
  assert.equal(h.batches[0].spans.length, 4)
})

test('gzip request bodies are inflated', async () => {
  const h = await harness()
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...PROTO_TYPE, 'content-encoding': 'gzip' }, payload: gzipSync(await logsProto(5)) })
  assert.equal(res.statusCode, 200)
  assert.equal(h.batches[0].logs.length, 5)
})

test('partial success counts decoder and pipeline rejections, in the request\'s encoding', async () => {
  const doc = JSON.parse(String(await logsJson(2)))
  doc.resourceLogs[0].scopeLogs[0].logRecords.push(7, { timeUnixNano: 'soon' })
  const h = await harness({ outcome: (b) => ({ status: 'ok', accepted: b.logs.length, rejected: b.rejected + 1, message: b.rejectionMessage }) })
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: JSON_TYPE, payload: JSON.stringify(doc) })
  assert.equal(res.statusCode, 200)
  assert.equal(h.batches[0].rejected, 2, 'the decoder\'s rejections travel in the batch')
  const body = res.json()
  assert.equal(body.partialSuccess.rejectedLogRecords, '3')
  assert.match(body.partialSuccess.errorMessage, /^2 log records rejected: resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[2\]: a log record must be an object/)

  // protobuf, read back with the official exporter's response parser
  const hp = await harness({ outcome: { status: 'ok', accepted: 3, rejected: 4, message: 'four spans without ids' } })
  const pres = await hp.app.inject({ method: 'POST', url: '/v1/traces', headers: PROTO_TYPE, payload: serializeSpans('protobuf', await sdkSpans(2)) })
  assert.equal(pres.statusCode, 200)
  const parsed = ProtobufTraceSerializer.deserializeResponse(pres.rawPayload)
  assert.equal(Number(parsed.partialSuccess?.rejectedSpans), 4)
  assert.equal(parsed.partialSuccess?.errorMessage, 'four spans without ids')
})

test('a request whose every record is rejected is a 200 partial success and stores nothing', async () => {
  const h = await harness()
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: JSON_TYPE, payload: '{"resourceLogs":[{"scopeLogs":[{"logRecords":[1,2]}]}]}' })
  assert.equal(res.statusCode, 200)
  assert.equal(res.json().partialSuccess.rejectedLogRecords, '2')
  assert.equal(h.batches.length, 0)
})

test('a replay (duplicate) is answered 200', async () => {
  const h = await harness({ outcome: { status: 'duplicate', accepted: 0 } })
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: PROTO_TYPE, payload: await logsProto() })
  assert.equal(res.statusCode, 200)
  assert.equal(res.rawPayload.length, 0)
})

test('overload answers 429 with Retry-After and a Status body', async () => {
  const h = await harness({ outcome: { status: 'retry', retryAfterSeconds: 7, reason: 'ingest backlog is full' } })
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: PROTO_TYPE, payload: await logsProto() })
  assert.equal(res.statusCode, 429)
  assert.equal(res.headers['retry-after'], '7')
  assert.deepEqual(decodeStatus(res.rawPayload), { code: 8, message: 'ingest backlog is full; retry after 7 s' })
})

test('an ingest path that throws answers 503 with Retry-After, and the error is logged', async () => {
  const h = await harness({ outcome: () => { throw new Error('disk on fire') } })
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: JSON_TYPE, payload: await logsJson() })
  assert.equal(res.statusCode, 503)
  assert.equal(res.headers['retry-after'], '5')
  assert.equal(res.json().code, 14)
  assert.doesNotMatch(res.body, /disk on fire/)
  assert.ok(h.logLines.some((l) => l.level === 50 && JSON.stringify(l).includes('disk on fire')))
})

test('undecodable payloads answer 400 with a Status saying what is wrong, in the request\'s encoding', async () => {
  const h = await harness()
  const p = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: PROTO_TYPE, payload: Buffer.from('definitely not protobuf') })
  assert.equal(p.statusCode, 400)
  assert.equal(p.headers['content-type'], 'application/x-protobuf')
  const status = decodeStatus(p.rawPayload)
  assert.equal(status.code, 3)
  assert.match(status.message, /^invalid protobuf at byte \d+: /)
  const j = await h.app.inject({ method: 'POST', url: '/v1/traces', headers: JSON_TYPE, payload: '{"resourceSpans": [' })
  assert.equal(j.statusCode, 400)
  assert.equal(j.json().code, 3)
  assert.match(j.json().message, /^JSON: /)
  const g = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...JSON_TYPE, 'content-encoding': 'gzip' }, payload: 'not gzip' })
  assert.equal(g.statusCode, 400)
  assert.match(g.json().message, /not valid gzip/)
  assert.equal(h.batches.length, 0)
})

test('bodies over the limit answer 413 with a Status, on the wire and after inflating', async () => {
  const h = await harness({ limits: { maxBodyBytes: 2048, maxDecompressedBytes: 64 * 1024 } })
  const big = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: PROTO_TYPE, payload: Buffer.alloc(4096, 1) })
  assert.equal(big.statusCode, 413)
  assert.deepEqual(decodeStatus(big.rawPayload), { code: 3, message: 'request body is larger than 2048 bytes (limits.maxBodyBytes); send smaller batches' })
  const bomb = gzipSync(Buffer.alloc(1024 * 1024, 0x20))
  assert.ok(bomb.length < 2048)
  const inflated = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...JSON_TYPE, 'content-encoding': 'gzip' }, payload: bomb })
  assert.equal(inflated.statusCode, 413)
  assert.match(inflated.json().message, /Decompressed body exceeds 65536 bytes/)
})

test('unsupported content types and encodings answer 415 naming the supported ones', async () => {
  const h = await harness()
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
  assert.equal(res.statusCode, 415)
  assert.deepEqual(res.json(), { code: 3, message: 'Content-Type "text/plain" is not supported; send application/x-protobuf or application/json' })
  const none = await h.app.inject({ method: 'POST', url: '/v1/traces', payload: Buffer.from('x') })
  assert.equal(none.statusCode, 415)
  assert.match(none.json().message, /^Content-Type is missing/)
  const enc = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...JSON_TYPE, 'content-encoding': 'zstd' }, payload: '{}' })
  assert.equal(enc.statusCode, 415)
  assert.match(enc.json().message, /Content-Encoding "zstd" is not supported/)
})

test('unknown paths and methods answer 404 with a Status', async () => {
  const h = await harness()
  for (const [method, url] of [['POST', '/v1/profiles'], ['GET', '/v1/logs'], ['POST', '/']] as const) {
    const res = await h.app.inject({ method, url, headers: JSON_TYPE, payload: method === 'POST' ? '{}' : undefined })
    assert.equal(res.statusCode, 404, `${method} ${url}`)
    assert.equal(res.json().code, 5)
    assert.match(res.json().message, /is not an OTLP\/HTTP endpoint; send POST \/v1\/logs, POST \/v1\/traces, POST \/v1\/metrics, POST \/v1\/pino-lines or POST \/v1\/span-lines/)
  }
})

test('failed authentication answers its status before the body is looked at', async () => {
  const h = await harness({ auth: { async authenticate() { return { ok: false, status: 401, message: 'missing ingest key' } } } })
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: PROTO_TYPE, payload: Buffer.from('garbage') })
  assert.equal(res.statusCode, 401)
  assert.deepEqual(decodeStatus(res.rawPayload), { code: 16, message: 'missing ingest key' })
})

test('the batch id follows Idempotency-Key, else the content (never a proxy\'s X-Request-Id); never shared across signals', async () => {
  const h = await harness()
  const body = await logsJson(1)
  const send = (url: string, headers: Record<string, string> = {}, payload: Buffer | string = body) =>
    h.app.inject({ method: 'POST', url, headers: { ...JSON_TYPE, ...headers }, payload })
  await send('/v1/logs')
  await send('/v1/logs', { 'content-encoding': 'gzip' }, gzipSync(body))
  await send('/v1/logs', { 'idempotency-key': 'abc' })
  await send('/v1/logs', { 'idempotency-key': 'abc' }, await logsJson(2))
  await send('/v1/logs', { 'x-request-id': 'abc' })
  const ids = h.batches.map((b) => b.id)
  assert.equal(ids[0], ids[1], 'same content, compressed or not')
  assert.equal(ids[2], ids[3], 'same key, whatever the content')
  assert.equal(ids[0], ids[4], 'X-Request-Id is ignored: proxies mint a new one per retry')
  assert.notEqual(ids[0], ids[2])
  for (const id of ids) assert.match(id, /^[0-9a-f]{64}$/)
})

test('/v1/metrics is accepted and dropped: 200 with a warning, one log line a minute', async () => {
  const h = await harness()
  for (let i = 0; i < 3; i++) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/metrics', headers: JSON_TYPE, payload: '{"resourceMetrics":[]}' })
    assert.equal(res.statusCode, 200)
    assert.match(res.json().partialSuccess.errorMessage, /Beacon does not store metrics/)
  }
  const p = await h.app.inject({ method: 'POST', url: '/v1/metrics', headers: PROTO_TYPE, payload: Buffer.alloc(0) })
  assert.equal(p.statusCode, 200)
  const warnings = h.logLines.filter((l) => String(l.msg).startsWith('OTLP metrics are not stored'))
  assert.equal(warnings.length, 1)
  assert.equal(h.batches.length, 0)
  const bad = await h.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'text/csv' }, payload: 'a,b' })
  assert.equal(bad.statusCode, 415)
})

test('the official protobuf logs response parser reads a partial success', async () => {
  const h = await harness({ outcome: { status: 'ok', accepted: 1, rejected: 2, message: 'two bad' } })
  const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: PROTO_TYPE, payload: await logsProto(3) })
  const parsed = ProtobufLogsSerializer.deserializeResponse(res.rawPayload)
  assert.equal(Number(parsed.partialSuccess?.rejectedLogRecords), 2)
  assert.equal(parsed.partialSuccess?.errorMessage, 'two bad')
})
