import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const dir = mkdtempSync(join(tmpdir(), 'probe-'))
const client = createClient({ connection: createChdbConnection({ path: dir }) as never })
await client.command({ query: `CREATE TABLE t (id UInt32, Body String, INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha)) ENGINE=MergeTree ORDER BY id` })
await client.command({ query: `INSERT INTO t VALUES (1, 'Payment ERROR card declined')` })
await client.command({ query: `INSERT INTO t VALUES (2, 'x -> y')` })
const mode = process.argv[2]
for (const needle of ['->', 'payment', '::']) {
  console.error('start', needle, mode, performance.now())
  const sql = mode === 'explain' ? `EXPLAIN indexes = 1 SELECT id FROM t WHERE positionCaseInsensitiveUTF8(Body, {q0:String}) > 0` : `SELECT id FROM t WHERE positionCaseInsensitiveUTF8(Body, {q0:String}) > 0`
  const r = await (await client.query({ query: sql, format: 'JSONEachRow', query_params: { q0: needle } })).json()
  console.error('done', needle, JSON.stringify(r).slice(0, 100), performance.now())
}
await client.close()
