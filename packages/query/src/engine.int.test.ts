import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { businessKeysSchema } from '../../server/src/config/schema.ts'
import { LOGS_TABLE, TRACES_TABLE, logsTableSql, tracesTableSql } from '../../server/src/store/schema.ts'
import { compileSearch } from './index.ts'

/**
 * The compiler against the real engine (chDB, ClickHouse 26.x): the tables from schema.ts, a
 * handful of rows, and for each query exactly the rows it must return. Log queries run three ways
 * — with the text index, with skip indexes off, and on the table exactly as schema.ts declares it —
 * and must agree: the index only makes searches faster, never different.
 */

/** The body index the compiler's full-text conditions are written for (see docs/query-language.md). */
const BODY_INDEX = 'INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha)'
const DECLARED_LOGS = 'otel_logs_as_declared'

const keys = businessKeysSchema.parse({})
const declaredLogsSql = logsTableSql(keys)
const schemaHasBodyIndex = declaredLogsSql.includes(BODY_INDEX)

let dir: string
let client: ClickHouseClient

async function rows(sql: string, params: Record<string, unknown>): Promise<Record<string, string>[]> {
  const rs = await client.query({ query: sql, format: 'JSONEachRow', query_params: params })
  return rs.json()
}

/** Row labels (ScopeName) matching a query, sorted. */
async function labels(table: string, q: string, target: 'logs' | 'spans', settings = ''): Promise<string[]> {
  const { sql, params } = compileSearch(q, { target })
  const found = await rows(`SELECT ScopeName AS label FROM ${table} WHERE ${sql} ORDER BY label ${settings}`, params)
  return found.map((r) => r.label)
}

const now = new Date().toISOString().slice(0, 19).replace('T', ' ')
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

function log(label: string, service: string, level: [string, number], body: string,
  attrs: Record<string, string> = {}, resource: Record<string, string> = {}): Record<string, unknown> {
  return {
    Timestamp: now, ObservedTimestamp: now, TraceId: label === 'L1' ? TRACE : '', SpanId: '', TraceFlags: 0,
    SeverityText: level[0], SeverityNumber: level[1], ServiceName: service, Body: body,
    ResourceAttributes: resource, LogAttributes: attrs, ScopeName: label,
  }
}

const ERROR: [string, number] = ['ERROR', 17]
const WARN: [string, number] = ['WARN', 13]
const INFO: [string, number] = ['INFO', 9]

const LOG_BATCHES = [
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

function span(label: string, service: string, name: string, kind: string, parent: string, ms: number, status: string,
  message: string, attrs: Record<string, string> = {}): Record<string, unknown> {
  return {
    Timestamp: now, TraceId: TRACE, SpanId: `${label.toLowerCase()}00000000000000`.slice(0, 16), ParentSpanId: parent, TraceState: '',
    SpanName: name, SpanKind: kind, ServiceName: service, ResourceAttributes: {}, ScopeName: label, ScopeVersion: '',
    SpanAttributes: attrs, Duration: ms * 1_000_000, StatusCode: status, StatusMessage: message,
  }
}

const SPANS = [
  span('S1', 'shop-api', 'POST /api/orders', 'Server', '', 750, 'Error', 'payment declined',
    { 'order.id': 'ORD-1001', 'http.response.status_code': '502' }),
  span('S2', 'shop-api', 'charge card', 'Client', 's100000000000000', 120, 'Ok', '', { 'order.id': 'ORD-1001' }),
  span('S3', 'crm-api', 'GET /customers/{id}', 'Server', '', 45, 'Unset', '', { 'http.response.status_code': '200', 'customer.tier': 'gold' }),
  span('S4', 'mes-worker', 'process batch', 'Internal', '', 2500, 'Ok', '', { 'batch.size': '500' }),
]

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'beacon-query-'))
  client = createClient({ connection: createChdbConnection({ path: dir }) as never })
  const indexed = schemaHasBodyIndex ? declaredLogsSql : declaredLogsSql.replace(/INDEX idx_body [^\n]*\)/, BODY_INDEX)
  assert.ok(indexed.includes(BODY_INDEX), 'the logs DDL has an idx_body clause to replace')
  await client.command({ query: indexed })
  await client.command({ query: declaredLogsSql.replace(`CREATE TABLE IF NOT EXISTS ${LOGS_TABLE} (`, `CREATE TABLE ${DECLARED_LOGS} (`) })
  await client.command({ query: tracesTableSql(keys) })
  // Separate inserts make separate parts, so EXPLAIN can show the index skipping some.
  for (const batch of LOG_BATCHES) {
    await client.insert({ table: LOGS_TABLE, values: batch, format: 'JSONEachRow' })
    await client.insert({ table: DECLARED_LOGS, values: batch, format: 'JSONEachRow' })
  }
  await client.insert({ table: TRACES_TABLE, values: SPANS, format: 'JSONEachRow' })
})

after(async () => {
  await client?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const ALL_LOGS = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8', 'L9']
const except = (...out: string[]): string[] => ALL_LOGS.filter((l) => !out.includes(l))

const LOG_CASES: [string, string[]][] = [
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
  // Hostile text is just text.
  ['"\'; DROP TABLE otel_logs --"', ['L9']],
  ['"{q0:String}"', ['L9']],
  ['"back\\\\slash"', ['L9']],
  ["\\'\\;x:*", []],
]

test('log queries return exactly the expected rows — with the index, without it, and on the declared schema', async () => {
  for (const [q, expected] of LOG_CASES) {
    assert.deepEqual([q, await labels(LOGS_TABLE, q, 'logs')], [q, expected])
    assert.deepEqual([q, await labels(LOGS_TABLE, q, 'logs', 'SETTINGS use_skip_indexes = 0')], [q, expected], 'without indexes')
    assert.deepEqual([q, await labels(DECLARED_LOGS, q, 'logs')], [q, expected], 'on the table as schema.ts declares it')
  }
})

const SPAN_CASES: [string, string[]][] = [
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
]

test('span queries return exactly the expected rows', async () => {
  for (const [q, expected] of SPAN_CASES) {
    assert.deepEqual([q, await labels(TRACES_TABLE, q, 'spans')], [q, expected])
  }
})

/** The EXPLAIN lines that show which skip indexes a compiled query uses. */
async function explain(q: string): Promise<string> {
  const { sql, params } = compileSearch(q, { target: 'logs' })
  const plan = await rows(`EXPLAIN indexes = 1 SELECT ScopeName FROM ${LOGS_TABLE} WHERE ${sql}`, params)
  return plan.map((r) => r.explain).join('\n')
}

test('word, phrase and wildcard searches use the text index on lowerUTF8(Body)', async () => {
  for (const q of ['payment', 'PAYMENT', '"card declined"', 'ORD-1001', 'paym*', 'service:shop-api timeout']) {
    assert.match(await explain(q), /Name: idx_body/, q)
  }
  // Direct read: the word is answered from the index, not by reading Body.
  assert.match(await explain('payment'), /Prewhere filter column: +__text_index_idx_body_hasAllTokens_/)
  // The index narrows the parts read: only the first insert has "payment".
  assert.match(await explain('payment'), /Name: idx_body\n\s+Description: text[^\n]*\n\s+Condition: \(mode: All; tokens: \["payment"\]\)\n\s+Parts: 1\/3/)
  // Text without any token can only be scanned.
  assert.doesNotMatch(await explain('"->"'), /idx_body/)
})

test('schema.ts declares the body index the compiler is written for', () => {
  // Not a bare assert.ok(x): without a message, node's assert re-reads the source to quote the
  // expression, which spun for minutes on this transpiled file.
  assert.equal(schemaHasBodyIndex, true, `logsTableSql should contain: ${BODY_INDEX}`)
})
