import type { Store } from '../store/connection.ts'

/**
 * Moves a table to day × service partitions without a TTL, keeping every column, codec, index and
 * setting that earlier migrations gave it (read back from `system.tables`, only the PARTITION BY
 * and TTL clauses change):
 *
 *   create <t>_repartition (new layout) ── copy all rows ── drop views reading <t>
 *     ── EXCHANGE TABLES ── recreate those views ── drop the old table (now <t>_repartition)
 *
 * Runs at start, before the write-ahead log is replayed and before listeners open, so nothing
 * writes meanwhile. Idempotent: a table already on the new key is left alone; a crash before the
 * exchange leaves the old table authoritative (the copy is emptied and redone); a crash after it
 * leaves only the drop of the old copy, redone on the next start.
 */
export async function repartitionTable(store: Store, table: string, partitionKey: string): Promise<'done' | 'already'> {
  return rebuildTable(store, table, `${table}_repartition`, {
    done: (info) => sameKey(info.partition_key, partitionKey),
    sql: (createQuery, tmp) => newLayoutSql(createQuery, table, tmp, partitionKey),
  })
}

/**
 * Rebuilds a table under a new CREATE statement (settings that ALTER cannot change: partition key,
 * index granularity), the same way as above: copy into `tmp`, check the count, drop the views that
 * read the table, EXCHANGE, recreate the views, drop the old copy. `done` tells from the table's
 * `system.tables` row whether it already has the new layout (then only a leftover copy is dropped).
 */
export async function rebuildTable(store: Store, table: string, tmp: string, layout: {
  done: (info: TableInfo) => boolean
  sql: (createQuery: string, tmp: string) => string
}): Promise<'done' | 'already'> {
  const info = await tableInfo(store, table)
  if (!info) return 'already'
  if (layout.done(info)) {
    if (await tableInfo(store, tmp)) await store.command(`DROP TABLE IF EXISTS ${tmp} SYNC`)
    return 'already'
  }
  await store.command(`DROP TABLE IF EXISTS ${tmp} SYNC`)
  await store.command(layout.sql(info.create_table_query, tmp))
  const columns = await insertableColumns(store, table)
  const list = columns.map((c) => `\`${c}\``).join(', ')
  await store.command(`INSERT INTO ${tmp} (${list}) SELECT ${list} FROM ${table} SETTINGS insert_deduplicate = 0, insert_deduplication_token = '', max_partitions_per_insert_block = 0`)
  const [a, b] = await Promise.all([count(store, table), count(store, tmp)])
  if (a !== b) throw new Error(`rebuilding ${table}: copied ${b} rows of ${a}; the old table is unchanged, restart to retry`)

  // Materialized views follow their source through a rename, so they are rebuilt on the new table.
  const views = await store.query<{ name: string; create_table_query: string }>(
    `SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'
       AND name IN (SELECT arrayJoin(dependencies_table) FROM system.tables WHERE database = currentDatabase() AND name = {t:String})`, { t: table })
  const viewsSql = views.length ? views : await store.query<{ name: string; create_table_query: string }>(
    `SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'
       AND match(create_table_query, {re:String})`, { re: `FROM (\\S+\\.)?\`?${table}\`?(\\s|$)` })
  for (const v of viewsSql) await store.command(`DROP VIEW IF EXISTS \`${v.name}\``)
  await store.command(`EXCHANGE TABLES ${table} AND ${tmp}`)
  for (const v of viewsSql) await store.command(v.create_table_query.replace(/^CREATE MATERIALIZED VIEW /, 'CREATE MATERIALIZED VIEW IF NOT EXISTS '))
  await store.command(`DROP TABLE IF EXISTS ${tmp} SYNC`)
  return 'done'
}

export interface TableInfo { partition_key: string; create_table_query: string }

async function tableInfo(store: Store, table: string): Promise<TableInfo | undefined> {
  const rows = await store.query<TableInfo>(
    `SELECT partition_key, create_table_query FROM system.tables WHERE database = currentDatabase() AND name = {t:String}`, { t: table })
  return rows[0]
}

const sameKey = (a: string, b: string): boolean => a.replace(/[\s()]/g, '') === b.replace(/[\s()]/g, '')

/** The table's own CREATE statement under the new name with the new PARTITION BY and no TTL. */
export function newLayoutSql(createQuery: string, table: string, tmp: string, partitionKey: string): string {
  let sql = createQuery.replace(new RegExp(`^CREATE TABLE (\\S+\\.)?\`?${table}\`?`), `CREATE TABLE ${tmp}`)
  if (sql === createQuery) throw new Error(`unexpected CREATE statement for ${table}`)
  const clauses = /\s(PRIMARY KEY|ORDER BY|SAMPLE BY|TTL|SETTINGS)\s/
  const p = sql.indexOf(' PARTITION BY ')
  const engine = sql.lastIndexOf(' ENGINE = ')
  if (p > engine) {
    const rest = sql.slice(p + ' PARTITION BY '.length)
    const m = clauses.exec(rest)
    sql = sql.slice(0, p) + (m ? ` ${rest.slice(m.index + 1)}` : '')
  }
  // The PARTITION BY clause goes right after the engine; no TTL at all (the enforcer drops partitions).
  sql = sql.replace(/ ENGINE = (\w+(\([^)]*\))?)/, ` ENGINE = $1 PARTITION BY ${partitionKey}`)
  const t = sql.indexOf(' TTL ')
  if (t > engine) {
    const rest = sql.slice(t + ' TTL '.length)
    const m = /\sSETTINGS\s/.exec(rest)
    sql = sql.slice(0, t) + (m ? ` ${rest.slice(m.index + 1)}` : '')
  }
  return sql
}

/** Columns an INSERT may name: not MATERIALIZED or ALIAS (those are computed again on the new table). */
export async function insertableColumns(store: Store, table: string): Promise<string[]> {
  const rows = await store.query<{ name: string }>(
    `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String}
       AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL') ORDER BY position`, { t: table })
  return rows.map((r) => r.name)
}

async function count(store: Store, table: string): Promise<number> {
  const [r] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${table}`)
  return Number(r?.n ?? 0)
}
