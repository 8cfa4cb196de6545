/**
 * Bulk hot path benchmark: µs per 1,000-document `_bulk` body, by phase and end to end through
 * the receiver (Fastify inject, ingest path replaced by a no-op so only this receiver is measured).
 * Times are CPU time of this process (user + system, `process.cpuUsage`), so other load on a
 * shared machine does not inflate them; wall-clock figures are printed alongside.
 *
 *   node --import tsx packages/server/src/ingest/elastic/bulk.bench.ts [iterations]
 */
import { performance } from 'node:perf_hooks'
import { cpus, loadavg } from 'node:os'
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
type Sample = { baseline: number; parse: number; map: number; respond: number }
const samples: Sample[] = []
let sink = 0
const lines = body.toString('utf8').split('\n')

/** CPU time of this process, ms. */
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }

function runPhases(): Sample {
  // Lower bound, for comparison: JSON.parse of every line and nothing else.
  const b0 = cpu()
  for (const l of lines) if (l !== '') sink += (JSON.parse(l) as object) ? 1 : 0
  const t = cpu()
  const { items } = parseBulk(body, '') // the Buffer, as the receiver gets it
  const t1 = cpu()
  const ctx = { limits, observedTimeUnixNano: nowUnixNano() }
  const logs: LogRecord[] = []
  for (const item of items) if (item.doc) logs.push(documentToRecord(item.doc, item.index, ctx))
  const t2 = cpu()
  const text = bulkResponse(items, () => ({ created: true }), 1)
  const t3 = cpu()
  sink += logs.length + text.length
  return { baseline: t - b0, parse: t1 - t, map: t2 - t1, respond: t3 - t2 }
}

for (let i = 0; i < 30; i++) runPhases() // warm up
for (let i = 0; i < iterations; i++) samples.push(runPhases())

const app = Fastify({ logger: false, bodyLimit: limits.maxBodyBytes })
acceptRawBodies(app, limits)
await createElasticReceiver()(app, {
  ingest: { async submit(b: Batch) { return { status: 'ok', accepted: b.logs.length, rejected: b.rejected } } },
  limits, logger: pino({ level: 'silent' }), auth: openIngestAuth,
})
const request = { method: 'POST' as const, url: '/_bulk', payload: body, headers: { 'content-type': 'application/x-ndjson' } }
for (let i = 0; i < 30; i++) await app.inject(request)
const receiver: number[] = []
const receiverWall: number[] = []
for (let i = 0; i < iterations; i++) {
  const c0 = cpu()
  const t0 = performance.now()
  const r = await app.inject(request)
  receiverWall.push(performance.now() - t0)
  receiver.push(cpu() - c0)
  if (r.statusCode !== 200) throw new Error(r.body)
}
await app.close()

// Median and best of the per-iteration samples.
const stat = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return { median: s[Math.floor(s.length / 2)], best: s[0] } }
const row = (name: string, xs: number[], note = '') => {
  const { median, best } = stat(xs)
  const rate = (ms: number) => Math.round(DOCS / (ms / 1000)).toLocaleString('en')
  console.log(`  ${name.padEnd(22)} median ${(median * 1000).toFixed(0).padStart(6)} µs  best ${(best * 1000).toFixed(0).padStart(6)} µs  (${rate(median)}–${rate(best)} docs/s)${note}`)
}
const total = samples.map((x) => x.parse + x.map + x.respond)
console.log(`bulk body: ${DOCS} documents, ${(body.length / 1024).toFixed(0)} KiB, ${iterations} iterations; CPU µs per 1,000-doc bulk body`)
row('JSON.parse per line', samples.map((x) => x.baseline), '  lower bound, for comparison')
row('parse NDJSON', samples.map((x) => x.parse))
row('ECS → LogRecord', samples.map((x) => x.map))
row('bulk response', samples.map((x) => x.respond))
row('total (one core)', total, `  ${(stat(total).median / stat(samples.map((x) => x.baseline)).median).toFixed(2)}× the JSON.parse bound`)
row('through the receiver', receiver, '  HTTP via inject, ingest no-op (incl. GC threads)')
row('  same, wall clock', receiverWall, `  load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`)
if (sink === 0) console.log('')
