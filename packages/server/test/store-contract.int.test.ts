import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { loadConfig } from '../src/config/load.ts'
import { createStore } from '../src/store/connection.ts'
import { migrate } from '../src/store/migrations.ts'

/**
 * The Store contract: what Beacon needs from its ClickHouse, whichever it is. Runs on embedded
 * chDB in `npm test`; with BEACON_CLICKHOUSE_URL (+ _USER, _PASSWORD) set it runs against that
 * server instead, in a database of its own that it drops afterwards:
 *
 *   BEACON_CLICKHOUSE_URL=http://127.0.0.1:8123 node scripts/test.mjs store-contract
 *
 * (No ClickHouse server can be installed on the project machine — Debian ships only 18.16 — so
 * the server run is for machines that have one.)
 */
const serverUrl = process.env.BEACON_CLICKHOUSE_URL ?? ''
const dataDir = mkdtempSync(join(tmpdir(), 'beacon-contract-'))
const database = serverUrl ? `beacon_contract_${randomBytes(4).toString('hex')}` : 'default'
const config = loadConfig({ env: { ...process.env, BEACON_DATA_DIR: dataDir, BEACON_CLICKHOUSE_DATABASE: database, BEACON_CLICKHOUSE_CLUSTER: '' }, file: '/dev/null' })
const store = await createStore(config)
after(async () => {
  if (serverUrl) await store.command(`DROP DATABASE IF EXISTS ${database}`)
  await store.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const count = async (sql: string, params?: Record<string, unknown>) => Number((await store.query<{ c: string }>(sql, params))[0].c)

test(`contract (${serverUrl ? 'server' : 'embedded chDB'}): migrations apply once, in order, and a second run changes nothing`, async () => {
  const first = await migrate(store, config)
  assert.deepEqual(first.applied, [1, 2, 3, 4, 5, 10, 11, 50])
  assert.deepEqual((await migrate(store, config)).applied, [])
  const kinds = await store.query<{ name: string; default_kind: string }>(`SELECT name, default_kind FROM system.columns WHERE database = currentDatabase() AND table = 'otel_logs' AND name IN ('OrderId', 'TimestampTime')`)
  assert.deepEqual(kinds.map((k) => k.default_kind), ['DEFAULT', 'DEFAULT'])
})

test('contract: an insert with a deduplication token is stored once; tokens never stick to later inserts', async () => {
  await store.command('CREATE TABLE IF NOT EXISTS contract_dedup (k String, v UInt32) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100')
  const body = Buffer.from('a\t1\nb\t2\n')
  await store.insertTsv('contract_dedup', ['k', 'v'], body, 'tok-1')
  await store.insertTsv('contract_dedup', ['k', 'v'], body, 'tok-1')
  assert.equal(await count('SELECT count() AS c FROM contract_dedup'), 2, 'a replay with the same token is dropped')
  await store.insertTsv('contract_dedup', ['k', 'v'], Buffer.from('c\t3\n'), 'tok-1')
  assert.equal(await count('SELECT count() AS c FROM contract_dedup'), 2, 'the token, not the content, identifies the insert')
  await store.insertTsv('contract_dedup', ['k', 'v'], body, 'tok-2')
  await store.insertTsv('contract_dedup', ['k', 'v'], body)
  await store.insertTsv('contract_dedup', ['k', 'v'], body)
  assert.equal(await count('SELECT count() AS c FROM contract_dedup'), 8, 'another token, and inserts without one, are all stored')
})

test('contract: parameters carry hostile values as values, with their types', async () => {
  const hostile = "x'); DROP TABLE contract_dedup; -- {p:String} \\ \t\n ü"
  const [r] = await store.query<{ s: string; n: string; t: string; a: string[]; l: string }>(
    'SELECT {s:String} AS s, {n:UInt64} + 1 AS n, toString({t:DateTime64(3)}) AS t, {a:Array(String)} AS a, length({s:String}) AS l',
    { s: hostile, n: 41, t: '2026-11-22 10:00:00.123', a: ["a'b", 'c,d'] })
  assert.equal(r.s, hostile)
  assert.equal(Number(r.n), 42)
  assert.equal(r.t, '2026-11-22 10:00:00.123')
  assert.deepEqual(r.a, ["a'b", 'c,d'])
  assert.equal(await count("SELECT count() AS c FROM system.tables WHERE database = currentDatabase() AND name = 'contract_dedup'"), 1)
})

test('contract: a table TTL can be changed, and rows past the new TTL go', async () => {
  await store.command(`CREATE TABLE IF NOT EXISTS contract_ttl (t DateTime, v String) ENGINE = MergeTree PARTITION BY toDate(t) ORDER BY t TTL t + toIntervalDay(30)`)
  await store.command(`INSERT INTO contract_ttl VALUES (now() - INTERVAL 10 DAY, 'old'), (now(), 'new')`)
  assert.equal(await count('SELECT count() AS c FROM contract_ttl'), 2)
  await store.command('ALTER TABLE contract_ttl MODIFY TTL t + toIntervalDay(7)')
  const [ddl] = await store.query<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'contract_ttl'")
  assert.match(ddl.q, /toIntervalDay\(7\)/)
  await store.command('OPTIMIZE TABLE contract_ttl FINAL')
  assert.deepEqual((await store.query<{ v: string }>('SELECT v FROM contract_ttl')).map((r) => r.v), ['new'])
})

test('contract: archive table functions write and read Parquet files', async () => {
  // Embedded: a file in the test's temp directory (chDB resolves relative names against the working
  // directory). A server only writes under its user_files directory: a relative name there.
  const file = `beacon-contract-${randomBytes(4).toString('hex')}.parquet`
  const name = serverUrl ? file : join(dataDir, file)
  await store.command(`INSERT INTO FUNCTION file('${name}', 'Parquet', 'k String, n UInt32') SELECT toString(number), number FROM numbers(1000)`)
  const [r] = await store.query<{ c: string; s: string }>(`SELECT count() AS c, sum(n) AS s FROM file('${name}', 'Parquet')`)
  assert.equal(Number(r.c), 1000)
  assert.equal(Number(r.s), 499500)
})
