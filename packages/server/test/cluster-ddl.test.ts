import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { loadConfig } from '../src/config/load.ts'
import { clusterStatements } from '../src/store/cluster.ts'
import { CLAIMS_TABLE_SQL, CORE_MIGRATIONS, MIGRATIONS_TABLE_SQL, businessKeySpec } from '../src/store/migrations.ts'
import { businessKeyColumns } from '../src/store/schema.ts'
import { AUTH_MIGRATIONS } from '../src/auth/tables.ts'
import { AUDIT_MIGRATIONS } from '../src/audit/audit-log.ts'

/**
 * Snapshot of every DDL statement Beacon runs in cluster mode (BEACON_CLICKHOUSE_CLUSTER=beacon):
 * the migrations' own statements and the business-key ALTERs, rewritten by store/cluster.ts. A
 * change to the schema shows up here as a diff to review; regenerate with
 * UPDATE_SNAPSHOTS=1 node scripts/test.mjs cluster-ddl.
 * (No ClickHouse server can be installed on the project machine — Debian ships 18.16 — so the
 * statements are checked as text here and on a real cluster per docs/scale-out.md.)
 */
const SNAPSHOT = new URL('./fixtures/cluster-ddl.snapshot.sql', import.meta.url)
const config = loadConfig({ env: {}, file: '/dev/null' })

function everyStatement(): { label: string; sql: string }[] {
  const out = [{ label: 'migrations table', sql: MIGRATIONS_TABLE_SQL }, { label: 'migration claims', sql: CLAIMS_TABLE_SQL }]
  for (const m of [...CORE_MIGRATIONS, ...AUTH_MIGRATIONS, ...AUDIT_MIGRATIONS].sort((a, b) => a.version - b.version)) {
    for (const sql of m.statements(config)) out.push({ label: `migration ${m.version}: ${m.name}`, sql })
  }
  for (const [table, map] of [['otel_logs', 'LogAttributes'], ['otel_traces', 'SpanAttributes']] as const) {
    const col = businessKeyColumns(config.businessKeys, map)[0]
    out.push({ label: `business key added (${table})`, sql: `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${businessKeySpec(col)}` })
    out.push({ label: `business key changed (${table})`, sql: `ALTER TABLE ${table} MODIFY COLUMN ${businessKeySpec(col)}` })
  }
  return out
}

test('every DDL statement in cluster mode matches the snapshot', () => {
  const text = everyStatement().map(({ label, sql }) => `-- ${label}\n${clusterStatements(sql, 'beacon').map((s) => s + ';').join('\n')}\n`).join('\n')
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(SNAPSHOT)) writeFileSync(SNAPSHOT, text)
  assert.equal(text, readFileSync(SNAPSHOT, 'utf8'))
})

test('cluster rewrite: replicated local tables, Distributed in front, views on the local tables, deterministic sharding', () => {
  const [local, dist] = clusterStatements(`CREATE TABLE IF NOT EXISTS otel_traces (TraceId String CODEC(ZSTD(1))) ENGINE = MergeTree ORDER BY TraceId
SETTINGS non_replicated_deduplication_window = 10000`, 'c1')
  assert.match(local, /^CREATE TABLE IF NOT EXISTS otel_traces_local ON CLUSTER 'c1' \(/)
  assert.match(local, /ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/otel_traces_local', '\{replica\}'\)/)
  assert.match(local, /SETTINGS replicated_deduplication_window = 10000$/)
  assert.equal(dist, "CREATE TABLE IF NOT EXISTS otel_traces ON CLUSTER 'c1' AS otel_traces_local ENGINE = Distributed('c1', currentDatabase(), 'otel_traces_local', cityHash64(TraceId))")
  const [mv] = clusterStatements('CREATE MATERIALIZED VIEW IF NOT EXISTS v TO t AS\nSELECT a FROM s GROUP BY a', 'c1')
  assert.equal(mv, "CREATE MATERIALIZED VIEW IF NOT EXISTS v ON CLUSTER 'c1' TO t_local AS\nSELECT a FROM s_local GROUP BY a")
  const alter = clusterStatements('ALTER TABLE otel_logs MODIFY COLUMN OrderId String DEFAULT LogAttributes[\'a,b\'] CODEC(ZSTD(1)), DROP INDEX IF EXISTS x', 'c1')
  assert.deepEqual(alter, [
    "ALTER TABLE otel_logs_local ON CLUSTER 'c1' MODIFY COLUMN OrderId String DEFAULT LogAttributes['a,b'] CODEC(ZSTD(1)), DROP INDEX IF EXISTS x",
    "ALTER TABLE otel_logs ON CLUSTER 'c1' MODIFY COLUMN OrderId String DEFAULT LogAttributes['a,b']",
  ])
  assert.match(clusterStatements('CREATE TABLE IF NOT EXISTS beacon_users (Id String) ENGINE = ReplacingMergeTree(At) ORDER BY Id', 'c1')[0], /ReplicatedReplacingMergeTree\('[^']+', '\{replica\}', At\)/)
  assert.throws(() => clusterStatements('CREATE FUNCTION f AS x -> x', 'c1'), /add a rule in store\/cluster.ts/)
})
