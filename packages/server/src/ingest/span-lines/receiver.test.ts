import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import pino from 'pino'
import { resourceLine } from '@beacon/sdk/span-lines'
import type { IngestOutcome } from '../../pipeline/pipeline.ts'
import type { Batch } from '../../pipeline/record.ts'
import { acceptRawBodies } from '../http-body.ts'
import { openIngestAuth } from '../receiver.ts'
import { limits } from '../otlp/test-utils.ts'
import { createSpanLinesReceiver } from './index.ts'

/** The span lines receiver on a bare Fastify instance, with an ingest path that answers a chosen outcome. */
async function harness(submit: (b: Batch) => Promise<IngestOutcome>): Promise<{ app: FastifyInstance; logLines: Record<string, unknown>[] }> {
  const lim = limits()
  const app = Fastify({ logger: false, bodyLimit: lim.maxBodyBytes })
  acceptRawBodies(app, lim)
  const logLines: Record<string, unknown>[] = []
  const sink = new Writable({ write(chunk, _enc, done) { logLines.push(JSON.parse(String(chunk))); done() } })
  await createSpanLinesReceiver()(app, { ingest: { submit }, limits: lim, logger: pino({ level: 'info' }, sink), auth: openIngestAuth })
  await app.ready()
  return { app, logLines }
}

const line = '{"t":"0af7651916cd43dd8448eb211c80319c","s":"b7ad6b7169203331","n":"GET /","k":1,"b":[1764460000,0],"e":[1764460000,5000],"c":0,"a":{"http.route":"/"},"o":"@beacon/sdk/http-server","f":1}\n'
const body = resourceLine({ 'service.name': 'shop-api' }) + line
const send = (app: FastifyInstance) => app.inject({ method: 'POST', url: '/v1/span-lines', headers: { 'content-type': 'application/x-ndjson' }, payload: body })

test('the batch goes to the ingest path as spans, tagged span-lines, with an id for retries', async () => {
  const batches: Batch[] = []
  const { app } = await harness(async (b) => { batches.push(b); return { status: 'ok', accepted: b.spans.length, rejected: 0 } })
  const r = await send(app)
  assert.equal(r.statusCode, 200)
  assert.deepEqual(r.json(), { accepted: 1, rejected: 0 })
  assert.equal(batches[0].source, 'span-lines')
  assert.equal(batches[0].logs.length, 0)
  assert.equal(batches[0].spans[0].name, 'GET /')
  assert.equal(batches[0].spans[0].durationNano, '5000')
  await send(app)
  assert.equal(batches[1].id, batches[0].id, 'the same body is the same batch')
})

test('back-pressure answers 429 / 503 with Retry-After; an internal failure 503, logged', async () => {
  for (const [outcome, status] of [[{ status: 'retry', retryAfterSeconds: 2, reason: 'ingest queue full' }, 429], [{ status: 'retry', retryAfterSeconds: 7, reason: 'write-ahead log unavailable', httpStatus: 503 }, 503]] as const) {
    const { app } = await harness(async () => outcome)
    const r = await send(app)
    assert.equal(r.statusCode, status)
    assert.equal(r.headers['retry-after'], String(outcome.retryAfterSeconds))
    assert.match(r.json().message, new RegExp(`^${outcome.reason}; retry after ${outcome.retryAfterSeconds} s$`))
  }
  const { app, logLines } = await harness(async () => { throw new Error('disk on fire') })
  const r = await send(app)
  assert.equal(r.statusCode, 503)
  assert.equal(r.headers['retry-after'], '5')
  assert.ok(!r.body.includes('disk on fire'), 'no internals in the answer')
  assert.ok(logLines.some((l) => l.msg === 'span lines batch could not be handed to the ingest path'))
})
