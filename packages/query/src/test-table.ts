/**
 * The language test table: records and, for each query, exactly the records it must match
 * (exported as `@beacon/query/test-table`). Used by the server's tests, which own the tables: the
 * engine test (the SQL compiler on real chDB, packages/server/test/query-engine.int.test.ts), the
 * contract test (SQL compiler vs in-memory evaluator, packages/server/test/query-match.int.test.ts)
 * and the API audit (search-language.int.test.ts). Records are in the ingest pipeline's shape
 * (packages/server/src/pipeline/record.ts); the tests store them through the server's own encoder.
 * This package depends on nothing of the server (eslint enforces it). Each record's label is its scopeName.
 */

type Attrs = Record<string, string>

const NOW_NS = BigInt(Date.now()) * 1_000_000n
/** Today (UTC), for time queries; log N is at DAY 01:0N:00.00N (N from its label), within the table's TTL. */
export const DAY = new Date().toISOString().slice(0, 10)
const DAY_NS = BigInt(Date.parse(`${DAY}T01:00:00Z`)) * 1_000_000n
const labelTime = (label: string): string => {
  const n = BigInt(Number(label.replace(/\D/g, '')) || 0)
  return String(DAY_NS + n * 60_000_000_000n + n * 1_000_000n)
}
export const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

export interface TableLog {
  timeUnixNano: string; observedTimeUnixNano: string; severityText: string; severityNumber: number; serviceName: string
  body: string; traceId: string; spanId: string; traceFlags: number; eventName: string; scopeName: string; scopeVersion: string
  resource: Attrs; attributes: Attrs
}

export interface TableSpan {
  timeUnixNano: string; durationNano: string; traceId: string; spanId: string; parentSpanId: string; traceState: string
  name: string; kind: 'Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer'; serviceName: string
  scopeName: string; scopeVersion: string; resource: Attrs; attributes: Attrs; statusCode: 'Unset' | 'Ok' | 'Error'
  statusMessage: string; events: never[]; links: never[]
}

export function log(label: string, service: string, level: [string, number], body: string,
  attributes: Attrs = {}, resource: Attrs = {}, extra: Partial<TableLog> = {}): TableLog {
  return {
    timeUnixNano: labelTime(label), observedTimeUnixNano: String(NOW_NS), severityText: level[0], severityNumber: level[1],
    serviceName: service, body, traceId: label === 'L1' ? TRACE : '', spanId: '', traceFlags: 0, eventName: '',
    scopeName: label, scopeVersion: '', resource, attributes, ...extra,
  }
}

export function span(label: string, service: string, name: string, kind: TableSpan['kind'], parent: string, ms: number,
  status: TableSpan['statusCode'], message: string, attributes: Attrs = {}, extra: Partial<TableSpan> = {}): TableSpan {
  return {
    timeUnixNano: String(NOW_NS), durationNano: String(Math.round(ms * 1_000_000)), traceId: TRACE,
    // Hex, as the ingest path requires: S1 → f100000000000000, E1 → e100000000000000.
    spanId: `${label.toLowerCase().replace('s', 'f')}00000000000000`.slice(0, 16), parentSpanId: parent, traceState: '', name, kind,
    serviceName: service, scopeName: label, scopeVersion: '', resource: {}, attributes, statusCode: status,
    statusMessage: message, events: [], links: [], ...extra,
  }
}

export const ERROR: [string, number] = ['ERROR', 17]
export const WARN: [string, number] = ['WARN', 13]
export const INFO: [string, number] = ['INFO', 9]

/** Three batches, so the engine test's EXPLAIN can show the text index skipping parts. */
export const LOG_BATCHES: TableLog[][] = [
  [
    log('L1', 'shop-api', ERROR, 'Payment ERROR for order ORD-1001: card declined', {
      'order.id': 'ORD-1001', 'http.response.status_code': '502', 'http.route': '/api/orders/{id}', 'user.id': 'u-42', 'cart.value': '129.90',
    }, { 'deployment.environment': 'prod' }),
    log('L2', 'shop-api', WARN, 'payment retry scheduled after timeout', { 'order.id': 'ORD-1002', 'http.status_code': '429', 'cart.value': '15' }),
    log('L3', 'crm-api', INFO, 'Customer profile updated', { 'user.id': 'u-7', 'customer.tier': 'gold', 'event.action': 'customer.updated' }),
  ],
  [
    log('L4', 'mes-worker', ['DEBUG', 5], 'Connection refused: db.internal:5432 (retrying)', { 'client.address': '10.0.0.12' }),
    log('L5', 'mes-worker', ['FATAL', 21], 'Machine M-7 halted; operator said "stop the line"', { 'machine.id': 'M-7', duration: '1200' }),
    log('L6', 'crm-api', INFO, 'prepayment received, 50% done', { email: 'Ops_Team@ACME.com' }),
  ],
  [
    log('L7', 'shop-api', ERROR, 'XORD-10012 not found'),
    log('L8', 'shop-api', ['INFO', 10], 'GET /api/orders 200 ok',
      { 'http.response.status_code': '200', 'http.route': '/api/orders' }, { 'customer.tier': 'silver' }),
    log('L9', 'crm-api', INFO, "user typed '; DROP TABLE otel_logs -- and {q0:String} with a back\\slash"),
  ],
]

export const SPANS: TableSpan[] = [
  span('S1', 'shop-api', 'POST /api/orders', 'Server', '', 750, 'Error', 'payment declined',
    { 'order.id': 'ORD-1001', 'http.response.status_code': '502' }),
  span('S2', 'shop-api', 'charge card', 'Client', 'f100000000000000', 120, 'Ok', '', { 'order.id': 'ORD-1001' }),
  span('S3', 'crm-api', 'GET /customers/{id}', 'Server', '', 45, 'Unset', '', { 'http.response.status_code': '200', 'customer.tier': 'gold' }),
  span('S4', 'mes-worker', 'process batch', 'Internal', '', 2500, 'Ok', '', { 'batch.size': '500' }),
]

export const ALL_LOGS = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8', 'L9']
const except = (...out: string[]): string[] => ALL_LOGS.filter((l) => !out.includes(l))

/** [query, labels it matches] on logs. */
export const LOG_CASES: [string, string[]][] = [
  ['*', ALL_LOGS],
  // Words: whole tokens, any case.
  ['payment', ['L1', 'L2']],
  ['PAYMENT', ['L1', 'L2']],
  ['error', ['L1']],
  ['payment -retry', ['L1']],
  ['payment OR customer', ['L1', 'L2', 'L3']],
  // Phrases and words with punctuation: whole tokens, exact characters between them.
  ['"card declined"', ['L1']],
  ['"CARD DECLINED"', ['L1']],
  ['"declined card"', []],
  ['ORD-1001', ['L1']],
  ['db.internal\\:5432', ['L4']],
  ['"(retrying)"', ['L4']],
  ['"stop the line"', ['L5']],
  ['"said \\"stop"', ['L5']],
  ['50%', ['L6']],
  // Wildcards in free text match anywhere, any case.
  ['paym*', ['L1', 'L2', 'L6']],
  ['*ORD-100*', ['L1', 'L7']],
  // Fields.
  ['service:shop-api', ['L1', 'L2', 'L7', 'L8']],
  ['service:Shop-API', []],
  ['service:SHOP-*', ['L1', 'L2', 'L7', 'L8']],
  ['service:mes-worker AND (refused OR halted)', ['L4', 'L5']],
  ['level:error', ['L1', 'L7']],
  ['level:ERR', ['L1', 'L7']],
  ['level:>=warn', ['L1', 'L2', 'L5', 'L7']],
  ['level:<info', ['L4']],
  ['level:[info TO warn]', ['L2', 'L3', 'L6', 'L8', 'L9']],
  ['-level:info', ['L1', 'L2', 'L4', 'L5', 'L7']],
  ['trace:4BF92F3577B34DA6A3CE929D0E0E4736', ['L1']],
  ['order:ORD-1001', ['L1']],
  ['order.id:ORD-100*', ['L1', 'L2']],
  ['orderId:*', ['L1', 'L2']],
  ['user:u-42', ['L1']],
  ['http.status:>=500', ['L1']],
  ['status:[400 TO 499]', ['L2']],
  ['http.status:{429 TO 502]', ['L1']],
  ['http.status:2*', ['L8']],
  ['http.route:"/api/orders/{id}"', ['L1']],
  ['route:\\/api\\/orders', ['L8']],
  ['client.ip:10.0.0.*', ['L4']],
  ['event.action:customer.updated', ['L3']],
  // Attributes: the event's own, then its resource's.
  ['customer.tier:gold', ['L3']],
  ['customer.tier:silver', ['L8']],
  ['customer.tier:*', ['L3', 'L8']],
  ['-customer.tier:*', except('L3', 'L8')],
  ['deployment.environment:prod', ['L1']],
  ['cart.value:>100', ['L1']],
  ['cart.value:[10 TO 20]', ['L2']],
  ['NOT cart.value:>100', except('L1')],
  ['duration:>1000', ['L5']],
  ['email:*@acme.com', ['L6']],
  ['email:Ops_Team*', ['L6']],
  ['email:Ops?Team*', []],
  // KQL and Lucene habits (docs/query-language.md, "Coming from Kibana").
  ['payment or customer', ['L1', 'L2', 'L3']],
  ['service:mes-worker and not halted', ['L4']],
  ['_exists_:customer.tier', ['L3', 'L8']],
  ['NOT _exists_:order', except('L1', 'L2')],
  ['cart.value >= 100', ['L1']],
  ['http.status>=500', ['L1']],
  ['level >= warn', ['L1', 'L2', 'L5', 'L7']],
  ['message:payment', ['L1', 'L2']],
  ['msg:"card declined"', ['L1']],
  ['"or"', []],
  ['_exists_:customer.tier and not customer.tier:gold', ['L8']],
  // Times: a date is its day, a minute its minute…; comparisons round as Elasticsearch does.
  [`@timestamp:${DAY}`, ALL_LOGS],
  [`@timestamp:[${DAY}T01:02 TO ${DAY}T01:04]`, ['L2', 'L3', 'L4']],
  [`@timestamp >= "${DAY}T01:05:00Z"`, ['L5', 'L6', 'L7', 'L8', 'L9']],
  [`@timestamp>=${DAY}T01:05:00Z`, ['L5', 'L6', 'L7', 'L8', 'L9']],
  [`timestamp:<${DAY}T01:02`, ['L1']],
  [`@timestamp:{${DAY}T01:02 TO *]`, ['L3', 'L4', 'L5', 'L6', 'L7', 'L8', 'L9']],
  [`@timestamp:"${DAY}T01:03:00.003Z"`, ['L3']],
  [`@timestamp:"${DAY}T03:03:00.003+02:00"`, ['L3']],
  ['@timestamp:<now+1000d', ALL_LOGS],
  ['@timestamp:>now+1000d', []],
  // Regular expressions (RE2, whole value on fields, anywhere in the message).
  ['service:/shop-.*/', ['L1', 'L2', 'L7', 'L8']],
  ['service:/SHOP-.*/', []],
  ['service:/(?i)SHOP-.*/', ['L1', 'L2', 'L7', 'L8']],
  ['service:/shop/', []],
  ['order:/ORD-100[12]/', ['L1', 'L2']],
  ['body:/pay(ment)? (retry|ERROR)/', ['L2']],
  ['message:/(?i)payment error/', ['L1']],
  ['http.status:/5\\d\\d/', ['L1']],
  ['level:/ERR.*/', ['L1', 'L7']],
  ['customer.tier:/g.*/', ['L3']],
  ['http.route:/\\/api\\/orders.*/', ['L1', 'L8']],
  ['http.route:/api/orders', ['L8']],
  ['service:(/crm.*/ OR mes-worker)', ['L3', 'L4', 'L5', 'L6', 'L9']],
  // Hostile text is just text.
  ['"\'; DROP TABLE otel_logs --"', ['L9']],
  ['"{q0:String}"', ['L9']],
  ['"back\\\\slash"', ['L9']],
  ["\\'\\;x:*", []],
]

/** [query, labels it matches] on spans. */
export const SPAN_CASES: [string, string[]][] = [
  ['duration:>500', ['S1', 'S4']],
  ['duration:[120 TO 750]', ['S1', 'S2']],
  ['duration:{120 TO 750}', []],
  ['duration:{45 TO 750}', ['S2']],
  ['duration:>=2.5s', ['S4']],
  ['level:error', ['S1']],
  ['level:>=warn', ['S1']],
  ['level:info', ['S2', 'S3', 'S4']],
  ['payment', ['S1']],
  ['CARD', ['S2']],
  ['orders', ['S1']],
  ['name:"charge card"', ['S2']],
  ['-parent.id:*', ['S1', 'S3', 'S4']],
  ['order:ORD-1001', ['S1', 'S2']],
  ['http.status:>=500', ['S1']],
  ['batch.size:>=100', ['S4']],
  ['span.kind:Server', ['S1', 'S3']],
  ['customer.tier:gold', ['S3']],
  ['service:shop-api duration:>500', ['S1']],
  ['duration:>=1s', ['S4']],
  ['duration:[100 TO 2s]', ['S1', 'S2']],
  ['duration >= 1s', ['S4']],
  ['duration<100', ['S3']],
  ['name:/(charge|process) .*/', ['S2', 'S4']],
  ['level:/E.*/', ['S1']],
  ['trace:/4bf9.*/', ['S1', 'S2', 'S3', 'S4']],
  ['body:/declined$/', ['S1']],
]

