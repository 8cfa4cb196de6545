import type { Config } from '../config/schema.ts'
import type { Store } from './connection.ts'
import {
  LOGS_INDEX_GRANULARITY, LOGS_TABLE, TRACES_TABLE, TRACE_BOUNDS_TABLE, batchesTableSql, type BusinessColumn, businessKeyColumns, logsTableSql, tracesTableSql, traceBoundsSql,
} from './schema.ts'
import { rollupSql } from './rollups.ts'
import { rebuildTable } from '../retention/repartition.ts'
import { clusterStatements } from './cluster.ts'
import { StoreWriter } from './writer.ts'
import { readCheckpoint, WriteAheadLog } from '../wal/wal.ts'
import pino, { type Logger } from 'pino'
import { join, resolve } from 'node:path'
import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'

/**
 * Versioned schema migrations, applied in order at start. Each version runs once: the applied
 * versions are recorded in `beacon_schema_migrations`, so a second start changes nothing.
 * Version ranges by owner keep features from colliding: core 1–99 (storage layout and performance
 * 2–29, search and API 30–49, full-text search and ingest 50–69), security 100–199, alerts 200–299, retention/archive
 * 300–399, web UI (saved searches…) 400–449.
 */
export interface Migration {
  version: number
  name: string
  /** Statements to run, in order; each must be idempotent on its own (IF NOT EXISTS …). */
  statements(config: Config): string[]
  /** Runs after the statements, for changes that must read the store first (retention: repartition). Idempotent. */
  run?(store: Store, config: Config): Promise<void>
  /**
   * Copies a table into a new one (rebuildTable). The range of the write-ahead log a crash
   * interrupted is stored first, while the old table still recognises its insert tokens.
   */
  rebuilds?: boolean
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
  // 2–29: storage layout and performance. Each keeps schema.ts (a fresh install) and an upgraded
  // data directory alike; on a fresh install they change nothing.
  {
    version: 2,
    name: 'trace bounds from spans only',
    statements: () => [
      `DROP VIEW IF EXISTS ${TRACE_BOUNDS_TABLE}_logs_mv`,
      // The table is ordered by TraceId: its primary key finds an id, the bloom filter only cost bytes.
      `ALTER TABLE ${TRACE_BOUNDS_TABLE} DROP INDEX IF EXISTS idx_trace_id`,
    ],
  },
  {
    version: 3,
    name: 'column codecs',
    statements: () => [
      // New parts (inserts, merges) use them; existing parts are rewritten by merges.
      `ALTER TABLE ${LOGS_TABLE} MODIFY COLUMN TimestampTime DateTime DEFAULT toDateTime(Timestamp) CODEC(Delta(4), ZSTD(1))`,
      `ALTER TABLE ${LOGS_TABLE} MODIFY COLUMN TraceFlags UInt8 CODEC(ZSTD(1))`,
      `ALTER TABLE ${LOGS_TABLE} MODIFY COLUMN SeverityNumber UInt8 CODEC(ZSTD(1))`,
    ],
  },
  {
    version: 4,
    name: 'per-minute rollups of logs and spans',
    statements: () => rollupSql(true),
  },
  {
    version: 5,
    name: 'logs and spans: vertical merges (bounded merge memory)',
    // A horizontal merge reads every column of every part at once (a buffer per column per part);
    // these wide tables with small parts (one per day × service per insert) merged that way took
    // 300–520 MB of engine memory, column by column ~180 MB (BENCHMARKS.md). Table settings
    // only: nothing is rewritten, existing parts merge the new way from now on. Unlike 2–4 this also
    // applies on a fresh install (schema.ts's CREATE statements are left as they are).
    statements: () => [LOGS_TABLE, TRACES_TABLE].map((t) => `ALTER TABLE ${t} MODIFY SETTING ${VERTICAL_MERGES}`),
  },
  // 10–19: query latency and bytes on disk (issue 13, BENCHMARKS.md "Query and storage work").
  {
    version: 10,
    name: 'logs: ObservedTimestamp without Delta',
    // New parts (inserts, merges, and the rebuild of version 11) use it.
    statements: () => [`ALTER TABLE ${LOGS_TABLE} MODIFY COLUMN ObservedTimestamp DateTime64(9) CODEC(ZSTD(1))`],
  },
  {
    version: 11,
    name: `logs: index granularity ${LOGS_INDEX_GRANULARITY}`,
    statements: () => [],
    rebuilds: true,
    // A table setting ALTER cannot change: the table is rebuilt (copy, exchange, views recreated),
    // at start before anything writes. Single server only: a cluster keeps its granularity.
    run: async (store, config) => {
      if (config.clickhouse.cluster) return
      await relayoutLogs(store)
      // The rollup views are recreated by the rebuild; should a start have died between the exchange
      // and that, the rerun finds the table done, so make sure they exist (IF NOT EXISTS: no-op otherwise).
      for (const sql of rollupSql(false)) await store.command(sql)
    },
  },
  // 50–69: full-text search (issue 13, session 4; BENCHMARKS.md "Full-text search and its index").
  {
    version: 50,
    name: 'logs: compressed blocks of 16–128 KB',
    // A search that finds a few records (a rare word, an order id) reads one row per granule, but
    // decompresses every returned column's whole compressed block around it: up to 1 MB each with
    // the defaults (64 KB – 1 MB, several granules of a small column per block), ~1.5 MB per hit.
    // At 16–128 KB a hit decompresses ~40 % of that (rare word rows ×0.66 CPU, histogram + rows
    // ×0.74) for 2.2 % more bytes in the table; 8–64 KB measured the same speed for 3.7 %.
    // Table settings only, as version 5: new parts (inserts, merges) are written so, existing parts
    // as they merge; a fresh install gets it too.
    statements: () => [`ALTER TABLE ${LOGS_TABLE} MODIFY SETTING ${LOGS_COMPRESS_BLOCKS}`],
  },
]

/** Compressed block bounds of the logs table (migration 50). */
export const LOGS_COMPRESS_BLOCKS = 'min_compress_block_size = 16384, max_compress_block_size = 131072'

/** Merge column by column whatever the part's size (the defaults wait for 131,072 rows). */
export const VERTICAL_MERGES = 'vertical_merge_algorithm_min_rows_to_activate = 1, vertical_merge_algorithm_min_columns_to_activate = 1'

/** Rebuilds the logs table with LOGS_INDEX_GRANULARITY (idempotent: a table that has it is left alone). */
export async function relayoutLogs(store: Store): Promise<'done' | 'already'> {
  const setting = /\bindex_granularity = (\d+)/
  return rebuildTable(store, LOGS_TABLE, `${LOGS_TABLE}_relayout`, {
    done: (info) => Number(setting.exec(info.create_table_query)?.[1] ?? 8192) === LOGS_INDEX_GRANULARITY,
    sql: (createQuery, tmp) => {
      const renamed = createQuery.replace(new RegExp(`^CREATE TABLE (\\S+\\.)?\`?${LOGS_TABLE}\`?`), `CREATE TABLE ${tmp}`)
      if (renamed === createQuery) throw new Error(`unexpected CREATE statement for ${LOGS_TABLE}`)
      return setting.test(renamed)
        ? renamed.replace(setting, `index_granularity = ${LOGS_INDEX_GRANULARITY}`)
        : `${renamed}${/\sSETTINGS\s/.test(renamed) ? ',' : ' SETTINGS'} index_granularity = ${LOGS_INDEX_GRANULARITY}`
    },
  })
}

const MIGRATIONS_TABLE = 'beacon_schema_migrations'

export interface MigrationReport {
  applied: number[]
  /** Write-ahead log entries of an interrupted insert stored before a table rebuild (0: none). */
  replayedBeforeRebuild: number
  /** Business-key columns whose DEFAULT changed because the configuration changed (or that were MATERIALIZED). */
  altered: string[]
}

/** Runs one single-server statement, rewritten for the cluster in cluster mode (cluster.ts). */
export function ddlRunner(store: Store, config: Config): (sql: string) => Promise<void> {
  const cluster = config.clickhouse.cluster
  return async (sql) => {
    if (!cluster) return store.command(sql)
    for (const s of clusterStatements(sql, cluster)) await store.command(s)
  }
}

const CLAIMS_TABLE = 'beacon_schema_migration_claims'

/** The table recording applied versions. */
export const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version`

/** Cluster mode: who runs which version (see claim). */
export const CLAIMS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${CLAIMS_TABLE} (
  Version UInt32, Owner String, At DateTime64(3) DEFAULT now64(3)
) ENGINE = MergeTree ORDER BY Version
SETTINGS non_replicated_deduplication_window = 10000`
const CLAIM_WAIT_MS = 10 * 60_000

/**
 * Cluster mode: several Beacon processes start at once and each runs migrate(). One claims each
 * version — an insert with the deduplication token `claim-<version>`: replicated deduplication
 * (Keeper) keeps only the first of the racing inserts — and runs it; the others wait until it is
 * recorded as applied. Returns true when this process owns the version.
 */
async function claim(store: Store, version: number, owner: string): Promise<boolean> {
  await store.insertTsv(CLAIMS_TABLE, ['Version', 'Owner'], Buffer.from(`${version}\t${owner}\n`), `claim-${version}`)
  const deadline = Date.now() + CLAIM_WAIT_MS
  for (;;) {
    const [c] = await store.query<{ Owner: string }>(`SELECT Owner FROM ${CLAIMS_TABLE} WHERE Version = {v:UInt32} ORDER BY At LIMIT 1`, { v: version })
    if (c?.Owner === owner) return true
    if (c) {
      const [d] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${MIGRATIONS_TABLE} WHERE version = {v:UInt32}`, { v: version })
      if (Number(d.n) > 0) return false
    }
    if (Date.now() > deadline) {
      throw new Error(`schema migration ${version} was claimed by ${c?.Owner ?? 'another process'} and is not applied after ${CLAIM_WAIT_MS / 60_000} minutes; if that process died, delete its claim (ALTER TABLE ${CLAIMS_TABLE}_local ON CLUSTER … DELETE WHERE Version = ${version}) and restart`)
    }
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** Applies pending migrations, then brings configuration-derived parts (business keys) up to date. */
export async function migrate(store: Store, config: Config, extra: Migration[] = [], log: Logger = pino({ level: 'silent' })): Promise<MigrationReport> {
  const run = ddlRunner(store, config)
  const clustered = config.clickhouse.cluster !== ''
  await run(MIGRATIONS_TABLE_SQL)
  if (clustered) await run(CLAIMS_TABLE_SQL)
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`
  const done = new Set((await store.query<{ version: number }>(`SELECT version FROM ${MIGRATIONS_TABLE} FINAL`)).map((r) => Number(r.version)))
  const all = [...CORE_MIGRATIONS, ...extra].sort((a, b) => a.version - b.version)
  const seen = new Set<number>()
  for (const m of all) {
    if (seen.has(m.version)) throw new Error(`two migrations share version ${m.version}`)
    seen.add(m.version)
  }
  const applied: number[] = []
  let replayedBeforeRebuild = -1
  for (const m of all) {
    if (done.has(m.version)) continue
    if (clustered && !(await claim(store, m.version, owner))) continue
    if (m.rebuilds && replayedBeforeRebuild < 0) replayedBeforeRebuild = await finishInflightInsert(store, config, log)
    for (const sql of m.statements(config)) await run(sql)
    if (m.run) await m.run(store, config)
    await store.command(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ({v:UInt32}, {n:String})`, { v: m.version, n: m.name })
    applied.push(m.version)
  }
  const altered = [
    ...(await syncBusinessKeys(store, config, LOGS_TABLE, 'LogAttributes')),
    ...(await syncBusinessKeys(store, config, TRACES_TABLE, 'SpanAttributes')),
  ]
  return { applied, altered, replayedBeforeRebuild: Math.max(0, replayedBeforeRebuild) }
}

/**
 * Before the first table rebuild of a start: if the last run died in the middle of an insert (the
 * write-ahead log's checkpoint says `inflight`), that range is stored now, into the tables as they
 * are, with the same deduplication tokens — the parts it already reached recognise them. The copy
 * made by the rebuild would not, and the replay after the migrations would store those rows twice.
 * Nothing to do after a clean stop (no `inflight`): what follows the range was never inserted.
 */
async function finishInflightInsert(store: Store, config: Config, log: Logger): Promise<number> {
  const dir = resolve(join(config.dataDir, 'wal'))
  if (!(await readCheckpoint(dir)).inflight) return 0
  // The insert names the business-key columns, which an old directory may still have MATERIALIZED.
  await syncBusinessKeys(store, config, LOGS_TABLE, 'LogAttributes')
  await syncBusinessKeys(store, config, TRACES_TABLE, 'SpanAttributes')
  const wal = await WriteAheadLog.open({ dir, fsync: config.ingest.fsync })
  try {
    const { replayed, rows } = await new StoreWriter(wal, store, log, config.ingest).finishInflight()
    log.info({ replayed, rows }, 'an insert interrupted by an unclean stop was completed before a table rebuild')
    return replayed
  } finally {
    await wal.close()
  }
}

/** Which migration versions are recorded as applied (for /api/health). */
export async function appliedVersions(store: Store): Promise<number[]> {
  const rows = await store.query<{ version: number }>(`SELECT version FROM ${MIGRATIONS_TABLE} FINAL ORDER BY version`)
  return rows.map((r) => Number(r.version))
}

/**
 * The ingest path writes the business keys from the configured lists itself (encode.ts); the
 * column's DEFAULT follows the same lists for rows written without them. Version 1 had them
 * MATERIALIZED: turning that into a DEFAULT keeps every stored value (a metadata-only change).
 */
async function syncBusinessKeys(store: Store, config: Config, table: string, mapColumn: 'LogAttributes' | 'SpanAttributes'): Promise<string[]> {
  const rows = await store.query<{ name: string; default_kind: string; default_expression: string }>(
    `SELECT name, default_kind, default_expression FROM system.columns WHERE database = currentDatabase() AND table = {t:String}`, { t: table })
  const current = new Map(rows.map((r) => [r.name, r]))
  const run = ddlRunner(store, config)
  const altered: string[] = []
  for (const col of businessKeyColumns(config.businessKeys, mapColumn)) {
    const have = current.get(col.column)
    const spec = businessKeySpec(col)
    if (have === undefined) {
      await run(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${spec}`)
      altered.push(`${table}.${col.column}`)
    } else if (have.default_kind !== 'DEFAULT' || normalizeExpr(have.default_expression) !== normalizeExpr(col.expression)) {
      await run(`ALTER TABLE ${table} MODIFY COLUMN ${spec}`)
      altered.push(`${table}.${col.column}`)
    }
  }
  return altered
}

/** A business-key column's definition for ADD/MODIFY COLUMN. */
export function businessKeySpec(col: BusinessColumn): string {
  return `${col.column} ${col.type} DEFAULT ${col.expression} CODEC(ZSTD(1))`
}

/** ClickHouse prints expressions back in its own formatting (spaces, extra parentheses); compare without them. */
function normalizeExpr(e: string): string {
  return e.replace(/[\s()]+/g, '').replace(/"/g, "'")
}
