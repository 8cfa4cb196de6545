/**
 * Cluster mode (`clickhouse.cluster`, BEACON_CLICKHOUSE_CLUSTER): the single-server DDL of every
 * migration, rewritten for a ClickHouse cluster —
 *
 *   CREATE TABLE t (…) ENGINE = XMergeTree …  →  t_local ON CLUSTER, ReplicatedXMergeTree (Keeper
 *                                                path per shard, replica macro), and t ON CLUSTER
 *                                                AS t_local ENGINE = Distributed(cluster, db, t_local, key)
 *   CREATE MATERIALIZED VIEW v TO t AS … FROM s  →  ON CLUSTER, TO t_local, FROM s_local (views fire
 *                                                on the shard that stores the rows)
 *   ALTER TABLE t …                              →  t_local ON CLUSTER (+ t for column changes)
 *   DROP VIEW / TABLE                            →  ON CLUSTER (tables: both t and t_local)
 *   INSERT … SELECT (backfills)                  →  unchanged: Distributed to Distributed
 *
 * Everything else in Beacon keeps using the plain names (now the Distributed tables), so the query
 * SQL is the same on embedded, one server and a cluster. The rewrite is textual on the statements
 * Beacon itself writes; the snapshot test (test/cluster-ddl.test.ts) shows every statement.
 */

/**
 * Distributed sharding keys. Deterministic (never rand()): a replayed insert must split into the
 * same per-shard blocks so each shard's replicated deduplication recognises it. Spans of a trace
 * stay on one shard; tables not listed go to the first shard (key 0; small tables: users, audit…).
 */
const SHARDING_KEYS: Record<string, string> = {
  otel_logs: 'cityHash64(TraceId, Timestamp)',
  otel_traces: 'cityHash64(TraceId)',
  otel_traces_trace_id_ts: 'cityHash64(TraceId)',
  beacon_logs_1m: 'cityHash64(ServiceName)',
  beacon_spans_1m: 'cityHash64(ServiceName)',
}

const LOCAL = '_local'
const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

/** Column-changing ALTER operations, which the Distributed table must follow too. */
const COLUMN_OPS = /^\s*(ADD|MODIFY|DROP|RENAME|COMMENT)\s+COLUMN\b/i

/** Removes CODEC(…) clauses (a Distributed table stores nothing). */
function withoutCodecs(sql: string): string {
  let out = ''
  let i = 0
  for (;;) {
    const at = sql.toUpperCase().indexOf('CODEC(', i)
    if (at < 0) return out + sql.slice(i)
    out += sql.slice(i, at).replace(/\s+$/, '')
    let depth = 0
    let j = at + 5
    for (; j < sql.length; j++) {
      if (sql[j] === '(') depth++
      else if (sql[j] === ')' && --depth === 0) break
    }
    i = j + 1
  }
}

/** Splits `ALTER TABLE t op, op` operations at top-level commas. */
function splitOps(ops: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote = false
  let start = 0
  for (let i = 0; i < ops.length; i++) {
    const c = ops[i]
    if (c === "'" && ops[i - 1] !== '\\') quote = !quote
    else if (!quote && c === '(') depth++
    else if (!quote && c === ')') depth--
    else if (!quote && depth === 0 && c === ',') { parts.push(ops.slice(start, i).trim()); start = i + 1 }
  }
  parts.push(ops.slice(start).trim())
  return parts.filter(Boolean)
}

/** The cluster form of one single-server statement (one or more statements, in order). */
export function clusterStatements(sql: string, cluster: string): string[] {
  const on = `ON CLUSTER ${q(cluster)}`
  const text = sql.trim()

  let m = /^CREATE TABLE (IF NOT EXISTS )?([A-Za-z_][A-Za-z0-9_]*)\s*\(([\s\S]*)\)\s*ENGINE\s*=\s*([A-Za-z]*MergeTree)(\(([^)]*)\))?([\s\S]*)$/i.exec(text)
  if (m) {
    const [, ine = '', name, body, engine, , args, rest] = m
    const path = q(`/clickhouse/tables/{shard}/{database}/${name}${LOCAL}`)
    const engineArgs = [path, q('{replica}'), ...(args && args.trim() ? [args.trim()] : [])].join(', ')
    const settings = rest.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window')
    const key = SHARDING_KEYS[name] ?? '0'
    return [
      `CREATE TABLE ${ine}${name}${LOCAL} ${on} (${body}) ENGINE = Replicated${engine}(${engineArgs})${settings}`,
      `CREATE TABLE ${ine}${name} ${on} AS ${name}${LOCAL} ENGINE = Distributed(${q(cluster)}, currentDatabase(), ${q(name + LOCAL)}, ${key})`,
    ]
  }

  m = /^CREATE MATERIALIZED VIEW (IF NOT EXISTS )?([A-Za-z_][A-Za-z0-9_]*) TO ([A-Za-z_][A-Za-z0-9_]*) AS\s([\s\S]*)$/i.exec(text)
  if (m) {
    const [, ine = '', view, target, select] = m
    const local = select.replace(/\bFROM ([A-Za-z_][A-Za-z0-9_]*)/g, (_, t: string) => `FROM ${t}${LOCAL}`)
    return [`CREATE MATERIALIZED VIEW ${ine}${view} ${on} TO ${target}${LOCAL} AS\n${local}`]
  }

  m = /^ALTER TABLE ([A-Za-z_][A-Za-z0-9_]*) ([\s\S]*)$/i.exec(text)
  if (m) {
    const [, table, ops] = m
    const out = [`ALTER TABLE ${table}${LOCAL} ${on} ${ops}`]
    const columnOps = splitOps(ops).filter((op) => COLUMN_OPS.test(op))
    if (columnOps.length) out.push(`ALTER TABLE ${table} ${on} ${columnOps.map(withoutCodecs).join(', ')}`)
    return out
  }

  m = /^DROP (VIEW|TABLE) (IF EXISTS )?([A-Za-z_][A-Za-z0-9_]*)$/i.exec(text)
  if (m) {
    const [, kind, ie = '', name] = m
    const out = [`DROP ${kind} ${ie}${name} ${on} SYNC`]
    if (kind.toUpperCase() === 'TABLE') out.push(`DROP TABLE ${ie}${name}${LOCAL} ${on} SYNC`)
    return out
  }

  if (/^(INSERT|SELECT|OPTIMIZE|SYSTEM)\b/i.test(text)) return [text]
  throw new Error(`cluster mode cannot rewrite this statement; add a rule in store/cluster.ts:\n${text.slice(0, 200)}`)
}
