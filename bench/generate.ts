/**
 * Realistic records for the benchmark: the company's five services, ~300-byte messages, HTTP,
 * RabbitMQ, database, order-status and error events, high-cardinality order/user/trace ids.
 * Output formats: OTLP/JSON and ES bulk NDJSON, built as strings (the generator must stay cheaper
 * than the server it measures).
 */

const SERVICES = ['shop-api', 'crm-api', 'mes-api', 'mes-worker', 'rabbitmq'] as const
const ROUTES = ['/orders', '/orders/:id', '/customers/:id', '/cart', '/login', '/production-orders/:id/status', '/products']
const METHODS = ['GET', 'POST', 'PUT', 'GET', 'GET']
const STATUSES = ['accepted', 'scheduled', 'in_production', 'quality_check', 'done', 'failed']
const WORDS = ('order customer payment invoice production equipment furnace conveyor pallet quality batch shipment warehouse '
  + 'calculation material steel aluminium paint assembly line station operator shift schedule priority').split(' ')
const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'

import { randomBytes } from 'node:crypto'

let seed = 42
/** Deterministic xorshift PRNG: the same run twice generates the same data. */
export function rnd(): number {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5
  return ((seed >>> 0) % 1_000_000) / 1_000_000
}
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]
// Ids from a block of random bytes: per-character PRNG calls made the generator dearer than the server.
let pool = randomBytes(0)
let poolAt = 0
const hex = (n: number): string => {
  const bytes = n / 2
  if (poolAt + bytes > pool.length) { pool = randomBytes(1 << 20); poolAt = 0 }
  poolAt += bytes
  return pool.toString('hex', poolAt - bytes, poolAt)
}

export interface GenRecord {
  tsNs: string; service: string; level: string; sev: number; body: string; traceId: string; spanId: string
  attrs: [string, string][]
}

/** One record; `orderPool` bounds how many distinct orders exist (searches pick from it). */
export function genRecord(nowMs: number, spreadMs: number, orderPool: number): GenRecord {
  const service = pick(SERVICES)
  const order = `ORD-${100000 + Math.floor(rnd() * orderPool)}`
  const user = `u-${Math.floor(rnd() * 50000)}`
  const tsNs = String(Math.floor(nowMs - rnd() * spreadMs)) + String(Math.floor(rnd() * 1e6)).padStart(6, '0')
  const kind = rnd()
  const words = `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}`
  const tail = FILLER.slice(0, 60 + Math.floor(rnd() * 60))
  let level = 'INFO', sev = 9, body: string
  const attrs: [string, string][] = [['order.id', order], ['user.id', user]]
  if (kind < 0.55) {
    const method = pick(METHODS), route = pick(ROUTES)
    const status = rnd() < 0.03 ? 500 : rnd() < 0.08 ? 404 : 200
    if (status >= 500) { level = 'ERROR'; sev = 17 }
    body = `${method} ${route.replace(':id', order)} ${status} in ${(rnd() * 300).toFixed(1)} ms for user ${user} — ${words} ${tail}`
    attrs.push(['http.request.method', method], ['http.route', route], ['http.response.status_code', String(status)], ['client.address', `10.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}`])
  } else if (kind < 0.7) {
    body = `message processed from queue production.orders routing key order.created ${order} delivery ${Math.floor(rnd() * 1e6)} — ${words} ${tail}`
    attrs.push(['messaging.system', 'rabbitmq'], ['messaging.destination.name', 'production.orders'], ['messaging.message.id', hex(16)])
  } else if (kind < 0.82) {
    const slow = rnd() < 0.1
    if (slow) { level = 'WARN'; sev = 13 }
    body = `${slow ? 'slow query' : 'query'} SELECT * FROM orders WHERE id = $1 took ${(rnd() * (slow ? 5000 : 50)).toFixed(1)} ms — ${words} ${tail}`
    attrs.push(['db.system', 'postgresql'], ['db.operation.name', 'SELECT'])
  } else if (kind < 0.95) {
    const from = pick(STATUSES), to = pick(STATUSES)
    body = `order ${order} status changed from ${from} to ${to} at station ${Math.floor(rnd() * 40)} — ${words} ${tail}`
    attrs.push(['event.action', 'order.status_changed'], ['order.status.from', from], ['order.status.to', to])
  } else {
    level = rnd() < 0.1 ? 'FATAL' : 'ERROR'; sev = level === 'FATAL' ? 21 : 17
    // An error code from a set of 5,000: a rare token, like the ones people search for in an incident.
    body = `cost calculation failed for ${order}: error E${1000 + Math.floor(rnd() * 5000)} material price missing for ${pick(WORDS)} — ${words} ${tail}`
    attrs.push(['exception.type', 'CostCalculationError'], ['exception.message', `material price missing for ${order}`])
  }
  return { tsNs, service, level, sev, body, traceId: hex(32), spanId: hex(16), attrs }
}

const esc = (s: string): string => JSON.stringify(s)

/** OTLP/JSON ExportLogsServiceRequest, one resource per service present. */
export function otlpJsonBatch(records: GenRecord[]): string {
  const byService = new Map<string, GenRecord[]>()
  for (const r of records) { const l = byService.get(r.service); if (l) l.push(r); else byService.set(r.service, [r]) }
  const parts: string[] = []
  for (const [service, recs] of byService) {
    const lr = recs.map((r) => `{"timeUnixNano":"${r.tsNs}","severityNumber":${r.sev},"severityText":"${r.level}","body":{"stringValue":${esc(r.body)}},"traceId":"${r.traceId}","spanId":"${r.spanId}","attributes":[${r.attrs.map(([k, v]) => `{"key":"${k}","value":{"stringValue":${esc(v)}}}`).join(',')}]}`)
    parts.push(`{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"${service}"}},{"key":"host.name","value":{"stringValue":"node-${service}-1"}}]},"scopeLogs":[{"scope":{"name":"bench"},"logRecords":[${lr.join(',')}]}]}`)
  }
  return `{"resourceLogs":[${parts.join(',')}]}`
}

/** The record as one flat ECS document (the "raw NDJSON" the storage ratio is measured against). */
export function ecsDoc(r: GenRecord): string {
  const ms = Number(r.tsNs.slice(0, -6))
  return `{"@timestamp":"${new Date(ms).toISOString()}","message":${esc(r.body)},"log.level":"${r.level}","service.name":"${r.service}","trace.id":"${r.traceId}","span.id":"${r.spanId}",${r.attrs.map(([k, v]) => `"${k}":${esc(v)}`).join(',')}}`
}

/** ES bulk body: `index` action + document per record. */
export function esBulkBatch(records: GenRecord[]): string {
  let out = ''
  for (const r of records) out += `{"create":{"_index":"logs-${r.service}-default"}}\n${ecsDoc(r)}\n`
  return out
}
