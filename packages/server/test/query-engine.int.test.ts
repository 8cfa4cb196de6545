import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { compileSearch } from '@beacon/query'
import { LOG_BATCHES, LOG_CASES, SPAN_CASES, SPANS } from '@beacon/query/test-table'
import { LOGS_TABLE, TRACES_TABLE, logsTableSql } from '../src/store/schema.ts'
import { createEngine, KEYS, type Engine } from './query-engine.ts'

/**
 * The compiler against the real engine (chDB, ClickHouse 26.x): the tables from schema.ts, a
 * handful of rows, and for each query exactly the rows it must return. Log queries run three ways
 * — with the text index, with skip indexes off, and on the table exactly as schema.ts declares it —
 * and must agree: the index only makes searches faster, never different.
 */

/** The body index the compiler's full-text conditions are written for (see docs/query-language.md). */
const BODY_INDEX = 'INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha)'
const DECLARED_LOGS = 'otel_logs_as_declared'

const declaredLogsSql = logsTableSql(KEYS)
const schemaHasBodyIndex = declaredLogsSql.includes(BODY_INDEX)

let engine: Engine
const labels = (table: string, q: string, target: 'logs' | 'spans', settings = ''): Promise<string[]> => engine.labels(table, q, target, settings)
const rows = (sql: string, params: Record<string, unknown>): Promise<Record<string, string>[]> => engine.rows(sql, params)

before(async () => {
  engine = await createEngine()
  // The table as schema.ts declares it is there already; a copy with the body index the compiler
  // is written for (the same DDL when schema.ts declares it, as the last test checks).
  await engine.client.command({ query: `DROP TABLE ${LOGS_TABLE}` })
  const indexed = schemaHasBodyIndex ? declaredLogsSql : declaredLogsSql.replace(/INDEX idx_body [^\n]*\)/, BODY_INDEX)
  assert.ok(indexed.includes(BODY_INDEX), 'the logs DDL has an idx_body clause to replace')
  await engine.client.command({ query: indexed })
  await engine.client.command({ query: declaredLogsSql.replace(`CREATE TABLE IF NOT EXISTS ${LOGS_TABLE} (`, `CREATE TABLE ${DECLARED_LOGS} (`) })
  // Separate inserts make separate parts, so EXPLAIN can show the index skipping some.
  for (const batch of LOG_BATCHES) {
    await engine.insertLogs(batch)
    await engine.insertLogs(batch, DECLARED_LOGS)
  }
  await engine.insertSpans(SPANS)
})

after(async () => {
  await engine?.close()
})

test('log queries return exactly the expected rows — with the index, without it, and on the declared schema', async () => {
  for (const [q, expected] of LOG_CASES) {
    assert.deepEqual([q, await labels(LOGS_TABLE, q, 'logs')], [q, expected])
    assert.deepEqual([q, await labels(LOGS_TABLE, q, 'logs', 'SETTINGS use_skip_indexes = 0')], [q, expected], 'without indexes')
    assert.deepEqual([q, await labels(DECLARED_LOGS, q, 'logs')], [q, expected], 'on the table as schema.ts declares it')
  }
})

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
  // The index narrows the parts read: only one part (first insert, shop-api partition) has "payment".
  const parts = /Name: idx_body\n\s+Description: text[^\n]*\n\s+Condition: \(mode: All; tokens: \["payment"\]\)\n\s+Parts: 1\/(\d+)/.exec(await explain('payment'))
  assert.ok(parts && Number(parts[1]) >= 3, 'the text index leaves one part of several')
  // Text without any token can only be scanned.
  assert.doesNotMatch(await explain('"->"'), /idx_body/)
})

test('schema.ts declares the body index the compiler is written for', () => {
  // Not a bare assert.ok(x): without a message, node's assert re-reads the source to quote the
  // expression, which spun for minutes on this transpiled file.
  assert.equal(schemaHasBodyIndex, true, `logsTableSql should contain: ${BODY_INDEX}`)
})
