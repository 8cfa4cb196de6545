/**
 * Bulk hot path benchmark: µs per 1,000-document `_bulk` body, by phase and end to end through
 * the receiver (Fastify inject, ingest path replaced by a no-op so only this receiver is measured).
 *
 *   node --import tsx packages/server/src/ingest/elastic/bulk.bench.ts [iterations]
 */
import { performance } from 'node:perf_hooks'
import Fastify from 'fastify'
import pino from 'pino'
import { limitsSchema } from '../../config/schema.ts'
import { nowUnixNano, type Batch, type LogRecord } from '../../pipeline/record.ts'
import { acceptRawBodies } from '../http-body.ts'
import { openIngestAuth } from '../receiver.ts'
import { parseBulk } from './bulk.ts'
import { documentToRecord } from './ecs.ts'
import { bulkResponse } from './response.ts'
import { createElasticReceiver } from './index.ts'

const DOCS = 1000
const iterations = Number(process.argv[2] ?? 300)
const SERVICES = ['shop-api', 'payments', 'crm-api', 'inventory', 'notifier']
const ACTIONS = ['order.created', 'order.paid', 'payment.authorized', 'stock.reserved', 'email.sent']
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('')
const words = 'the order was processed by the payment gateway after validation of the customer address and stock level check succeeded'.split(' ')
const sentence = (bytes: number) => { let s = ''; while (s.length < bytes) s += words[Math.floor(Math.random() * words.length)] + ' '; return s.slice(0, bytes) }

function makeBody(): Buffer {
  let out = ''
  const t0 = Date.now()
  for (let i = 0; i < DOCS; i++) {
    const service = SERVICES[i % SERVICES.length]
    out += `{"create":{"_index":"logs-${service}-default"}}\n`
    out += JSON.stringify({
      '@timestamp': new Date(t0 + i).toISOString(),
      message: sentence(300),
      log: { level: i % 50 === 0 ? 'error' : 'info', logger: 'app.http' },
      service: { name: service, version: '1.4.2', environment: 'prod' },
      trace: { id: hex(32) }, span: { id: hex(16) },
      http: { request: { method: 'POST' }, response: { status_code: i % 50 === 0 ? 500 : 200 } },
      url: { path: `/orders/${i}` }, user: { id: `u-${i % 997}` }, order: { id: `A-${100000 + i}` },
      event: { action: ACTIONS[i % ACTIONS.length], duration: 1234567 },
      client: { ip: `10.0.${i % 256}.${(i * 7) % 256}` },
      host: { name: `web-${i % 4}` }, agent: { type: 'filebeat', version: '8.17.0' }, ecs: { version: '8.11.0' },
    }) + '\n'
  }
  return Buffer.from(out)
}

const limits = limitsSchema.parse({})
const body = makeBody()
const phases = { baseline: 0, parse: 0, map: 0, respond: 0 }
let sink = 0
const lines = body.toString('utf8').split('\n')

function runPhases(): void {
  // Lower bound, measured interleaved so that other load on the machine affects both alike:
  // JSON.parse of every line and nothing else.
  const b0 = performance.now()
  for (const l of lines) if (l !== '') sink += (JSON.parse(l) as object) ? 1 : 0
  const t = performance.now()
  phases.baseline += t - b0
  const { items } = parseBulk(body.toString('utf8'), '')
  const t1 = performance.now()
  const ctx = { limits, observedTimeUnixNano: nowUnixNano() }
  const logs: LogRecord[] = []
  for (const item of items) if (item.doc) logs.push(documentToRecord(item.doc, item.index, ctx))
  const t2 = performance.now()
  const text = bulkResponse(items, () => ({ created: true }), 1)
  const t3 = performance.now()
  phases.parse += t1 - t; phases.map += t2 - t1; phases.respond += t3 - t2
  sink += logs.length + text.length
}

for (let i = 0; i < 30; i++) runPhases() // warm up
phases.baseline = phases.parse = phases.map = phases.respond = 0
for (let i = 0; i < iterations; i++) runPhases()
const us = (ms: number) => (ms * 1000 / iterations).toFixed(0)
const total = phases.parse + phases.map + phases.respond

const app = Fastify({ logger: false, bodyLimit: limits.maxBodyBytes })
acceptRawBodies(app, limits)
await createElasticReceiver()(app, {
  ingest: { async submit(b: Batch) { return { status: 'ok', accepted: b.logs.length, rejected: b.rejected } } },
  limits, logger: pino({ level: 'silent' }), auth: openIngestAuth,
})
const request = { method: 'POST' as const, url: '/_bulk', payload: body, headers: { 'content-type': 'application/x-ndjson' } }
for (let i = 0; i < 30; i++) await app.inject(request)
const t0 = performance.now()
for (let i = 0; i < iterations; i++) {
  const r = await app.inject(request)
  if (r.statusCode !== 200) throw new Error(r.body)
}
const endToEnd = performance.now() - t0

console.log(`bulk body: ${DOCS} documents, ${(body.length / 1024).toFixed(0)} KiB, ${iterations} iterations`)
console.log(`  JSON.parse per line   ${us(phases.baseline)} µs  (lower bound, for comparison)`)
console.log(`  parse NDJSON          ${us(phases.parse)} µs`)
console.log(`  ECS → LogRecord       ${us(phases.map)} µs`)
console.log(`  bulk response         ${us(phases.respond)} µs`)
console.log(`  total                 ${us(total)} µs per 1,000-doc bulk  (${Math.round(DOCS * iterations / (total / 1000)).toLocaleString('en')} docs/s on one core; ${(total / phases.baseline).toFixed(2)}× the JSON.parse bound)`)
console.log(`  through the receiver  ${us(endToEnd)} µs per 1,000-doc bulk  (${Math.round(DOCS * iterations / (endToEnd / 1000)).toLocaleString('en')} docs/s; HTTP via inject, ingest no-op)`)
if (sink === 0) console.log('')
await app.close()
