import type { Config } from '../config/schema.ts'
import type { Store } from './connection.ts'
import {
  LOGS_TABLE, TRACES_TABLE, batchesTableSql, businessKeyColumns, logsTableSql, tracesTableSql, traceBoundsSql,
} from './schema.ts'

/**
 * Versioned schema migrations, applied in order at start. Each version runs once: the applied
 * versions are recorded in `beacon_schema_migrations`, so a second start changes nothing.
 * Version ranges by owner keep features from colliding: core 1–99 (storage layout and performance
 * 2–29, search and API 30–49, ingest 50–69), security 100–199, alerts 200–299, retention/archive
 * 300–399, web UI (saved searches…) 400–449.
 */
export interface Migration {
  version: number
  name: string
  /** Statements to run, in order; each must be idempotent on its own (IF NOT EXISTS …). */
  statements(config: Config): string[]
  /** Runs after the statements, for changes that must read the store first (retention: repartition). Idempotent. */
  run?(store: Store, config: Config): Promise<void>
}

export const CORE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'logs and traces tables, trace bounds',
    statements: (c) => [
      logsTableSql(c.businessKeys),
      tracesTableSql(c.businessKeys),
      ...traceBoundsSql(c.retention.days),
      batchesTableSql,
    ],
  },
]

const MIGRATIONS_TABLE = 'beacon_schema_migrations'

export interface MigrationReport {
  applied: number[]
  /** Columns whose materialized expression changed because the business-key configuration changed. */
  altered: string[]
}

/** Applies pending migrations, then brings configuration-derived parts (business keys) up to date. */
export async function migrate(store: Store, config: Config, extra: Migration[] = []): Promise<MigrationReport> {
  await store.command(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version`)
  const done = new Set((await store.query<{ version: number }>(`SELECT version FROM ${MIGRATIONS_TABLE} FINAL`)).map((r) => Number(r.version)))
  const all = [...CORE_MIGRATIONS, ...extra].sort((a, b) => a.version - b.version)
  const seen = new Set<number>()
  for (const m of all) {
    if (seen.has(m.version)) throw new Error(`two migrations share version ${m.version}`)
    seen.add(m.version)
  }
  const applied: number[] = []
  for (const m of all) {
    if (done.has(m.version)) continue
    for (const sql of m.statements(config)) await store.command(sql)
    if (m.run) await m.run(store, config)
    await store.command(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ({v:UInt32}, {n:String})`, { v: m.version, n: m.name })
    applied.push(m.version)
  }
  const altered = [
    ...(await syncBusinessKeys(store, config, LOGS_TABLE, 'LogAttributes')),
    ...(await syncBusinessKeys(store, config, TRACES_TABLE, 'SpanAttributes')),
  ]
  return { applied, altered }
}

/** Which migration versions are recorded as applied (for /api/health). */
export async function appliedVersions(store: Store): Promise<number[]> {
  const rows = await store.query<{ version: number }>(`SELECT version FROM ${MIGRATIONS_TABLE} FINAL ORDER BY version`)
  return rows.map((r) => Number(r.version))
}

async function syncBusinessKeys(store: Store, config: Config, table: string, mapColumn: 'LogAttributes' | 'SpanAttributes'): Promise<string[]> {
  const rows = await store.query<{ name: string; default_expression: string }>(
    `SELECT name, default_expression FROM system.columns WHERE database = currentDatabase() AND table = {t:String}`, { t: table })
  const current = new Map(rows.map((r) => [r.name, r.default_expression]))
  const altered: string[] = []
  for (const col of businessKeyColumns(config.businessKeys, mapColumn)) {
    const have = current.get(col.column)
    if (have === undefined) {
      await store.command(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${col.column} ${col.type} MATERIALIZED ${col.expression}`)
      altered.push(`${table}.${col.column}`)
    } else if (normalizeExpr(have) !== normalizeExpr(col.expression)) {
      await store.command(`ALTER TABLE ${table} MODIFY COLUMN ${col.column} ${col.type} MATERIALIZED ${col.expression}`)
      altered.push(`${table}.${col.column}`)
    }
  }
  return altered
}

/** ClickHouse prints expressions back in its own formatting (spaces, extra parentheses); compare without them. */
function normalizeExpr(e: string): string {
  return e.replace(/[\s()]+/g, '').replace(/"/g, "'")
}
