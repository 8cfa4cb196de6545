/**
 * Cost of the redact (and encrypt) stage per record.
 *   node --import tsx packages/server/src/security/redact.bench.ts [records-per-round]
 *
 * Prints ns/record for clean records (the common case; also shaped like the ingest benchmarks'),
 * records carrying secrets/PII, and the encrypt stage on one field, next to machine references
 * measured in the same rounds: JSON.parse
 * of the same record (work every receiver does anyway) and a bare walk over its attribute maps
 * (the floor for any stage), so figures compare across machines.
 */
import { createRedactStage } from './redact.ts'
import { createEncryptStage } from './encrypt.ts'
import { createKeyRing, generateKey } from './crypto.ts'
import { batch, logRecord } from './test-utils.ts'
import type { LogRecord } from '../pipeline/record.ts'

const N = Number(process.argv[2] ?? 20_000)
const ROUNDS = 8

// OTLP receivers share one resource map among the records of a resource, as here
const resource = logRecord({ resource: { 'service.name': 'checkout', 'host.name': 'web-1', 'deployment.environment': 'production', 'service.version': '1.4.2' } }).resource

function cleanRecord(i: number): LogRecord {
  const r = logRecord({
    body: `GET /api/orders/A-${10000 + i} completed in ${i % 97}ms status=200 items=${i % 7} total=${(i % 500) / 10} currency=EUR`,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    attributes: {
      'http.request.method': 'GET',
      'http.route': '/api/orders/:id',
      'http.response.status_code': '200',
      'url.path': `/api/orders/A-${10000 + i}`,
      'user.id': `u-${48000 + (i % 1000)}`,
      'order.id': `A-${10000 + i}`,
      'duration_ms': String(i % 97),
      'client.address': `10.1.${i % 250}.${i % 200}`,
      'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      'event.action': 'order.view',
    },
  })
  r.resource = resource
  return r
}

/**
 * Clean records shaped like bench/generate.ts's (the ingest benchmarks): order ids beside status
 * codes and delivery numbers, `routing key`, IPv4 client addresses, hex message ids. Half of their
 * bodies looked like a card/phone or a secret to the prefilter before 2026-11-30 (31 % of
 * generate.ts's bodies).
 */
function ingestRecord(i: number): LogRecord {
  const order = `ORD-${100000 + ((i * 7919) % 50000)}`
  const kind = i % 4
  const tail = 'warehouse pallet line — lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod'
  const attributes: Record<string, string> = { 'order.id': order, 'user.id': `u-${i % 50000}` }
  let body: string
  if (kind < 2) {
    // half of them name the order in the route (`/customers/ORD-118270 404`), half do not (`/cart 200`)
    body = `GET ${kind === 0 ? `/customers/${order}` : '/cart'} ${i % 13 === 0 ? 404 : 200} in ${(i % 3000) / 10} ms for user u-${i % 50000} — ${tail}`
    Object.assign(attributes, { 'http.request.method': 'GET', 'http.route': '/customers/:id', 'http.response.status_code': '200', 'client.address': `10.${i % 255}.${(i * 7) % 255}.${(i * 13) % 255}` })
  } else if (kind === 2) {
    body = `message processed from queue production.orders routing key order.created ${order} delivery ${(i * 104729) % 1000000} — ${tail}`
    Object.assign(attributes, { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'production.orders', 'messaging.message.id': (0x1f3a9c7d5e2b4a60n + BigInt(i) * 0x9e3779b97f4a7c15n).toString(16).slice(-16).padStart(16, '0') })
  } else {
    body = `order ${order} status changed from scheduled to done at station ${i % 40} — ${tail}`
    Object.assign(attributes, { 'event.action': 'order.status_changed', 'order.status.from': 'scheduled', 'order.status.to': 'done' })
  }
  const r = logRecord({ body, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', attributes })
  r.resource = resource
  return r
}

function secretRecord(i: number): LogRecord {
  const r = cleanRecord(i)
  r.body = `login user=bob password=hunter${i} card 4111 1111 1111 1111 from john.doe${i}@example.com`
  r.attributes['http.request.header.authorization'] = `Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx${i}In0.c2ln`
  r.attributes['customer.email'] = `jane${i}@example.com`
  r.attributes['customer.phone'] = `+7 912 345-${10 + (i % 89)}-89`
  return r
}

interface Case {
  label: string
  make: (i: number) => LogRecord
  run: (records: LogRecord[]) => void
}

const redact = createRedactStage()
const ring = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }], indexKey: generateKey() })
const redactForEncrypt = createRedactStage({}, { encryptedFields: ['customer.email'] })
const encrypt = createEncryptStage({ fields: ['customer.email'], keyRing: ring })
const inBatches = (stage: (b: ReturnType<typeof batch>) => void) => (records: LogRecord[]) => {
  for (let i = 0; i < records.length; i += 1000) stage(batch(records.slice(i, i + 1000)))
}

const json = JSON.stringify(cleanRecord(1))
const cases: Case[] = [
  { label: 'reference: JSON.parse of the record', make: cleanRecord, run: (r) => { for (let i = 0; i < r.length; i++) JSON.parse(json) } },
  {
    label: 'reference: only enumerate its attribute maps',
    make: cleanRecord,
    run: (r) => { let n = 0; for (const x of r) { for (const k in x.attributes) n += x.attributes[k].length; for (const k in x.resource) n += x.resource[k].length } if (n < 0) console.log(n) },
  },
  { label: 'redact: clean record', make: cleanRecord, run: inBatches((b) => redact.process(b)) },
  { label: 'redact: ingest-bench record (clean)', make: ingestRecord, run: inBatches((b) => redact.process(b)) },
  { label: 'redact: record with secrets and PII', make: secretRecord, run: inBatches((b) => redact.process(b)) },
  { label: 'redact: 95% clean, 5% with secrets', make: (i) => (i % 20 === 0 ? secretRecord(i) : cleanRecord(i)), run: inBatches((b) => redact.process(b)) },
  { label: 'redact + encrypt 1 field (+ blind index)', make: secretRecord, run: inBatches((b) => { redactForEncrypt.process(b); encrypt.process(b) }) },
]

// Receivers hand over flat strings (from JSON.parse or a UTF-8 decoder); template literals here
// would be ropes that every scanner first flattens, so the records are flattened the same way.
function flatten(r: LogRecord): LogRecord {
  r.body = JSON.parse(JSON.stringify(r.body)) as string
  for (const k in r.attributes) r.attributes[k] = JSON.parse(JSON.stringify(r.attributes[k])) as string
  return r
}

// Rounds interleave the cases and the best round counts; time is the process's CPU time, so on a
// shared machine the time spent waiting for a core is not counted.
const best = new Map<string, number>()
for (let round = 0; round <= ROUNDS; round++) {
  for (const c of cases) {
    const records = Array.from({ length: N }, (_, i) => flatten(c.make(i + round * N)))
    const t0 = process.cpuUsage()
    c.run(records)
    const used = process.cpuUsage(t0)
    const ns = ((used.user + used.system) * 1000) / N
    if (round > 0) best.set(c.label, Math.min(best.get(c.label) ?? Infinity, ns)) // round 0 warms up
  }
}
const parse = best.get(cases[0].label) as number
console.log(`${N} records per round, best of ${ROUNDS} rounds (CPU time); record = ${json.length} B of JSON, 10 attributes + 4 shared resource attributes`)
for (const c of cases) {
  const ns = best.get(c.label) as number
  console.log(`${c.label.padEnd(46)} ${ns.toFixed(0).padStart(7)} ns/record  ${(ns / parse).toFixed(2).padStart(5)} × JSON.parse`)
}
