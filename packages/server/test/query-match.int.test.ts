import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { compileMatcher, parseQuery } from '@beacon/query'
import { DAY, ERROR, INFO, LOG_BATCHES, LOG_CASES, SPAN_CASES, SPANS, log, span, type TableLog, type TableSpan } from '@beacon/query/test-table'
import { LOGS_TABLE, TRACES_TABLE } from '../src/store/schema.ts'
import { createEngine, KEYS, type Engine } from './query-engine.ts'

/**
 * The contract between the two evaluators of the language: every query of the language test table
 * (and a set of edge cases) runs through the SQL compiler on real chDB and through compileMatcher
 * on the same records, and both must pick exactly the same records.
 */

/** Records that probe the corners where JavaScript and ClickHouse could disagree. */
const EDGE_LOGS: TableLog[] = [
  log('E1', 'shop-api', ERROR, 'multi\nline PAYMENT body ÄÖÜ straße', { 'http.status_code': '+404', 'cart.value': ' 12', note: '' }),
  log('E2', 'edge', INFO, 'Ünïcödé 😀 emoji and ORD-1001x', { 'http.response.status_code': '70000', 'cart.value': '1e3', constructor: 'x', 'order.id': '' , orderId: 'ORD-9' }),
  log('E3', 'edge', ['WARN', 14], 'payment_retry done', { 'cart.value': 'inf', status: '503', email: 'a%b_c@x.io' }, { 'cart.value': '50' }),
  log('E4', 'edge', ['', 0], '', { 'customer.tier': '' }, {}, { traceId: 'abcdef0123456789abcdef0123456789', spanId: '0123456789abcdef' }),
  log('E5', 'Shop-API', ['TRACE', 1], '50%_off* sale', { 'user.id': 'U-42', 'cart.value': 'nan', duration: '1200.5' }),
]

const EDGE_SPANS: TableSpan[] = [
  span('E1', 'edge', 'GET /x', 'Server', '', 500, 'Error', 'card ERROR', { 'http.status_code': '0500' }),
  span('E2', 'edge', 'payment', 'Consumer', 'e100000000000000', 0.000001, 'Unset', 'Payment failed\ntwice', { 'batch.size': '5e2' }),
  span('E3', 'edge', 'charge', 'Producer', '', 1000, 'Ok', '', { 'order.id': '', orderId: 'ORD-1001' }),
]

/** Queries beyond the language table: every kind of field and operator on the edge records. */
const EXTRA_QUERIES = [
  'http.status:404', 'http.status:>0', 'http.status:*', '-http.status:*', 'http.status:0*', 'http.status:[400 TO 599]',
  'cart.value:>10', 'cart.value:<100', 'cart.value:[1 TO 1000]', 'cart.value:{a TO z}', 'cart.value:>=" 1"',
  'note:*', 'note:""', 'constructor:x', 'constructor:*', '__proto__:*', 'order:ORD-9', 'order:*', 'orderId:ORD-9',
  'straße', 'STRASSE', 'äöü', '"line payment"', 'multi*line', 'emoji', '😀', 'ORD-1001', 'ORD-1001x', '"ORD-1001"',
  'payment_retry', 'payment', 'retry', '50%_off*', '"50%_off"', 'body:*', '-body:*', 'message:payment', 'msg:"sale"',
  'service:Shop-API', 'service:shop*', 'service:SHOP-API*', 'service:[a TO f]', 'service:{edge TO *]',
  'level:*', '-level:*', 'level:trace', 'level:14', 'level:>=13', 'level:[1 TO 9]', 'level:W*', 'level:e*',
  'trace:*', 'trace:ABCDEF*', 'span.id:0123456789ABCDEF', 'user:U-42', 'user:u-42', 'user:u*',
  'email:a%b_c@x.io', 'email:a%b*', 'email:a_b*', 'duration:>1000', 'duration:[1000 TO 1200.5]',
  'customer.tier:*', 'customer.tier:""', 'status:503', 'status:5*',
  'body:/multi.line/', 'body:/^multi/', 'body:/(?i)ÄÖÜ STRASSE/', 'body:/ÄÖÜ/', 'note:/.*/', 'note:/.+/', 'cart.value:/\\d+/',
  'user:/(?i)u-42/', 'trace:/ABCDEF.*/', 'trace:/abcdef.*/', 'level:/T.*/', 'http.status:/404|503/', '@timestamp:*', '-@timestamp:*',
  'service:/edge|Shop-API/', 'email:/a%b_c@x\\.io/',
]

const EXTRA_SPAN_QUERIES = [
  'duration:500', 'duration:1ns', 'duration:>=1s', 'duration:<1ms', 'duration:*', 'duration:[500 TO 1s}',
  'level:error', 'level:info', 'level:warn', 'level:>=debug', 'level:E*', 'level:*', '-level:error',
  'span.status:Error', 'span.status:*', 'kind:Consumer', 'span.kind:c*', 'name:payment', 'name:pay*',
  'parent.id:E1*', 'parent.id:*', 'payment', 'PAYMENT', '"failed twice"', 'failed*twice', 'error', 'card',
  'http.status:500', 'http.status:5*', 'batch.size:>=500', 'batch.size:500', 'order:ORD-1001', 'body:*', 'message:card',
  'body:/failed.twice/', 'name:/pay.*/', 'level:/INFO|ERROR/', 'span.status:/Ok|Unset/', 'duration:/5.*/', 'parent.id:/e1.*/',
]

let engine: Engine
const ALL_LOGS = [...LOG_BATCHES.flat(), ...EDGE_LOGS]
const ALL_SPANS = [...SPANS, ...EDGE_SPANS]

before(async () => {
  engine = await createEngine()
  await engine.insertLogs(ALL_LOGS)
  await engine.insertSpans(ALL_SPANS)
})

after(async () => {
  await engine?.close()
})

function evaluated<R extends { scopeName: string }>(records: readonly R[], match: (r: R) => boolean): string[] {
  return records.filter(match).map((r) => r.scopeName).sort()
}

test('every log query of the language table picks the same records in SQL and in memory', async () => {
  const queries = [...LOG_CASES.map(([q]) => q), ...EXTRA_QUERIES]
  for (const q of queries) {
    const sql = await engine.labels(LOGS_TABLE, q, 'logs')
    const mem = evaluated(ALL_LOGS, compileMatcher(parseQuery(q), 'logs', { businessKeys: KEYS }))
    assert.deepEqual([q, mem], [q, sql])
  }
})

test('every span query of the language table picks the same records in SQL and in memory', async () => {
  const queries = [...SPAN_CASES.map(([q]) => q), ...EXTRA_SPAN_QUERIES, ...EXTRA_QUERIES]
  for (const q of queries) {
    let sql: string[]
    try {
      sql = await engine.labels(TRACES_TABLE, q, 'spans')
    } catch (err) {
      // A query the compiler refuses on spans must be refused by the evaluator too.
      assert.throws(() => compileMatcher(parseQuery(q), 'spans', { businessKeys: KEYS }), { message: (err as Error).message }, q)
      continue
    }
    const mem = evaluated(ALL_SPANS, compileMatcher(parseQuery(q), 'spans', { businessKeys: KEYS }))
    assert.deepEqual([q, mem], [q, sql])
  }
})

test('the evaluator refuses what the compiler refuses, with the same message', () => {
  for (const q of ['http.status:abc', 'level:loud', 'body:>5', 'cart.value:[1 TO z]']) {
    assert.throws(() => compileMatcher(parseQuery(q), 'logs', { businessKeys: KEYS }), { name: 'QueryError' }, q)
  }
  assert.throws(() => compileMatcher(parseQuery('duration:fast'), 'spans', { businessKeys: KEYS }), { name: 'QueryError' })
})

/** The Beacon column of the dialect table in docs/query-language.md, and the habits that warn. */
function docsDialect(): { queries: [string, 'logs' | 'spans'][]; habits: string[] } {
  const doc = readFileSync(new URL('../../../docs/query-language.md', import.meta.url), 'utf8')
  const section = doc.slice(doc.indexOf('## Coming from Kibana'), doc.indexOf('## Errors'))
  const [table, notSupported] = section.split('**Not supported')
  // A cell may hold an escaped pipe (`\|`); split only on the others.
  const cells = (line: string): string[] => line.split(/(?<!\\)\|/).map((c) => c.replaceAll('\\|', '|').trim())
  const code = (cell: string): string => /`([^`]+)`/.exec(cell)?.[1] ?? ''
  const queries = table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| You want') && !l.startsWith('| ---'))
    .map((l) => cells(l)[4]).map((c): [string, 'logs' | 'spans'] => [code(c).replaceAll('2026-11-29', DAY), c.includes('(spans)') ? 'spans' : 'logs'])
  const habits = notSupported.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Habit') && !l.startsWith('| ---'))
    .flatMap((l) => [...cells(l)[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]))
  return { queries, habits }
}

test('every Beacon query of the docs\' KQL/Lucene table runs on the engine and agrees with the evaluator', async () => {
  const { queries } = docsDialect()
  assert.ok(queries.length >= 20, `found ${queries.length} queries in the table`)
  for (const [q, target] of queries) {
    assert.notEqual(q, '', 'every row has a Beacon query')
    const records = target === 'logs' ? ALL_LOGS : ALL_SPANS
    const sql = await engine.labels(target === 'logs' ? LOGS_TABLE : TRACES_TABLE, q, target)
    const mem = evaluated<{ scopeName: string }>(records, compileMatcher(parseQuery(q), target, { businessKeys: KEYS }) as unknown as (r: { scopeName: string }) => boolean)
    assert.deepEqual([q, mem], [q, sql])
    assert.ok(sql.length > 0, `${q} finds something in the test records`)
    const known = (target === 'logs' ? LOG_CASES : SPAN_CASES).find(([c]) => c === q)
    if (known) assert.deepEqual([q, sql.filter((l) => !l.startsWith('E'))], [q, known[1]])
  }
})

test('every habit the docs list as not supported comes back as a warning', () => {
  const { habits } = docsDialect()
  assert.ok(habits.length >= 6)
  for (const h of habits) {
    const warnings: string[] = []
    parseQuery(h, { warnings })
    assert.ok(warnings.length > 0, `${h} warns`)
  }
})
