import type { Store } from './connection.ts'
import { LOGS_TABLE, TRACES_TABLE } from './schema.ts'

/**
 * Per-minute rollups: counts per minute × service × level (× HTTP status class) for logs, and
 * counts, duration quantile states and error counts per minute × service × status for spans. Kept
 * by materialized views at insert time (AggregatingMergeTree), so a 24-hour histogram or the
 * services overview reads ~7,000 rows per service instead of every record.
 *
 * Exactness: a rollup row covers a whole minute. Queries take whole minutes inside the range from
 * the rollup and the partial minutes at either end from the records themselves, so answers equal
 * the plain GROUP BY over the records.
 *
 * The alerting rules may read these tables too (count per service/level/status class per minute,
 * span duration quantiles per service).
 */

export const LOG_ROLLUP_TABLE = 'beacon_logs_1m'
export const SPAN_ROLLUP_TABLE = 'beacon_spans_1m'
/** Quantiles kept in the span rollup's t-digest state (merge with the same parameters). */
export const SPAN_QUANTILES = '0.5, 0.9, 0.95, 0.99'

/** DDL for the rollup tables and their views; `backfill` also folds in records already stored (upgrades). */
export function rollupSql(ttlDays: number, backfill: boolean): string[] {
  const logsSelect = `SELECT toStartOfMinute(TimestampTime) AS Minute, ServiceName, SeverityText, SeverityNumber,
  toUInt8(least(intDiv(HttpStatus, 100), 9)) AS HttpStatusClass, count() AS Count, max(Timestamp) AS LastSeen
FROM ${LOGS_TABLE} GROUP BY Minute, ServiceName, SeverityText, SeverityNumber, HttpStatusClass`
  const spansSelect = `SELECT toStartOfMinute(Timestamp) AS Minute, ServiceName, StatusCode,
  toUInt8(least(intDiv(HttpStatus, 100), 9)) AS HttpStatusClass, count() AS Count,
  quantilesTDigestState(${SPAN_QUANTILES})(Duration) AS Durations, max(Timestamp) AS LastSeen
FROM ${TRACES_TABLE} GROUP BY Minute, ServiceName, StatusCode, HttpStatusClass`
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${LOG_ROLLUP_TABLE} (
  Minute DateTime CODEC(Delta(4), ZSTD(1)),
  ServiceName LowCardinality(String),
  SeverityText LowCardinality(String),
  SeverityNumber UInt8,
  HttpStatusClass UInt8,
  Count SimpleAggregateFunction(sum, UInt64),
  LastSeen SimpleAggregateFunction(max, DateTime64(9))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (Minute, ServiceName, SeverityText, SeverityNumber, HttpStatusClass)
TTL Minute + toIntervalDay(${ttlDays})`,
    `CREATE TABLE IF NOT EXISTS ${SPAN_ROLLUP_TABLE} (
  Minute DateTime CODEC(Delta(4), ZSTD(1)),
  ServiceName LowCardinality(String),
  StatusCode LowCardinality(String),
  HttpStatusClass UInt8,
  Count SimpleAggregateFunction(sum, UInt64),
  Durations AggregateFunction(quantilesTDigest(${SPAN_QUANTILES}), UInt64),
  LastSeen SimpleAggregateFunction(max, DateTime64(9))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (Minute, ServiceName, StatusCode, HttpStatusClass)
TTL Minute + toIntervalDay(${ttlDays})`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${LOG_ROLLUP_TABLE}_mv TO ${LOG_ROLLUP_TABLE} AS\n${logsSelect}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${SPAN_ROLLUP_TABLE}_mv TO ${SPAN_ROLLUP_TABLE} AS\n${spansSelect}`,
  ]
  // Migrations run before any insert (at start, before the listeners open), so records stored
  // before the views existed are folded in exactly once.
  if (backfill) statements.push(`INSERT INTO ${LOG_ROLLUP_TABLE} ${logsSelect}`, `INSERT INTO ${SPAN_ROLLUP_TABLE} ${spansSelect}`)
  return statements
}

/** Whole minutes inside [fromMs, toMs] (rollup) and the partial ones at either end (records). */
export interface MinuteSplit { m0: number; m1: number }

/** Unix seconds of the first whole minute at or after `fromMs` and of the minute holding `toMs`; null when no whole minute fits. */
export function splitMinutes(fromMs: number, toMs: number): MinuteSplit | null {
  const m0 = Math.ceil(fromMs / 60_000) * 60
  const m1 = Math.floor(toMs / 60_000) * 60
  return m1 > m0 ? { m0, m1 } : null
}

export interface HistogramRow { t: number; level: string; c: string }

/**
 * The search histogram (count per bucket × level) for an empty query, from the rollup; null when
 * the rollup cannot answer exactly (a query string, buckets under a minute, a range under two minutes).
 * `where`/`params` are the search's own condition (time range included), used for the edge minutes.
 */
export async function histogramFromRollup(store: Store, opts: {
  q: string; target: 'logs' | 'spans'; fromMs: number; toMs: number; bucket: number; where: string; params: Record<string, unknown>
}): Promise<HistogramRow[] | null> {
  if (opts.q.trim() !== '' || opts.bucket % 60 !== 0) return null
  const split = splitMinutes(opts.fromMs, opts.toMs)
  if (!split) return null
  const logs = opts.target === 'logs'
  const rollup = logs
    ? `SELECT Minute AS m, SeverityText AS level, sum(Count) AS c FROM ${LOG_ROLLUP_TABLE}`
    : `SELECT Minute AS m, if(StatusCode = 'Error', 'ERROR', 'INFO') AS level, sum(Count) AS c FROM ${SPAN_ROLLUP_TABLE}`
  const timeCol = logs ? 'TimestampTime' : 'toDateTime(Timestamp)'
  const level = logs ? 'SeverityText' : "if(StatusCode = 'Error', 'ERROR', 'INFO')"
  const sql = `SELECT toUnixTimestamp(toStartOfInterval(m, toIntervalSecond({bucket:UInt32}))) AS t, level, sum(c) AS c FROM (
  ${rollup} WHERE Minute >= toDateTime({m0:UInt32}) AND Minute < toDateTime({m1:UInt32}) GROUP BY m, level
  UNION ALL
  SELECT toStartOfMinute(${timeCol}) AS m, ${level} AS level, count() AS c FROM ${logs ? LOGS_TABLE : TRACES_TABLE}
  WHERE ${opts.where} AND (${timeCol} < toDateTime({m0:UInt32}) OR ${timeCol} >= toDateTime({m1:UInt32})) GROUP BY m, level
) GROUP BY t, level ORDER BY t`
  return store.query<HistogramRow>(sql, { ...opts.params, bucket: opts.bucket, m0: split.m0, m1: split.m1 })
}

export interface ServiceLogRow { name: string; events: string; errors: string; fatals: string; last: string }
export interface ServiceSpanRow { name: string; spans: string; errors: string; p95: number; last: string }

/**
 * Per-service log and span counts over a range (whole seconds, as /api/services has always
 * counted), from the rollups plus the records of the partial minutes at either end.
 */
export async function servicesFromRollup(store: Store, fromMs: number, toMs: number): Promise<{ logs: ServiceLogRow[]; spans: ServiceSpanRow[] }> {
  const fromS = Math.floor(fromMs / 1000)
  const toS = Math.floor(toMs / 1000)
  const split = splitMinutes(fromS * 1000, toS * 1000) ?? { m0: toS + 1, m1: toS + 1 }
  const params = { from: fromS, to: toS, m0: split.m0, m1: split.m1 }
  const rollupRange = 'Minute >= toDateTime({m0:UInt32}) AND Minute < toDateTime({m1:UInt32})'
  const edges = (col: string) => `((${col} >= toDateTime({from:UInt32}) AND ${col} < toDateTime({m0:UInt32})) OR (${col} >= toDateTime({m1:UInt32}) AND ${col} <= toDateTime({to:UInt32})))`
  const [logs, spans] = await Promise.all([
    store.query<ServiceLogRow>(`SELECT ServiceName AS name, sum(c) AS events, sum(e) AS errors, sum(f) AS fatals, toString(toUnixTimestamp64Nano(max(l))) AS last FROM (
  SELECT ServiceName, sum(Count) AS c, sumIf(Count, SeverityNumber >= 17 AND SeverityNumber < 21) AS e, sumIf(Count, SeverityNumber >= 21) AS f, max(LastSeen) AS l
  FROM ${LOG_ROLLUP_TABLE} WHERE ${rollupRange} GROUP BY ServiceName
  UNION ALL
  SELECT ServiceName, count(), countIf(SeverityNumber >= 17 AND SeverityNumber < 21), countIf(SeverityNumber >= 21), max(Timestamp)
  FROM ${LOGS_TABLE} WHERE ${edges('TimestampTime')} GROUP BY ServiceName
) GROUP BY ServiceName`, params),
    store.query<ServiceSpanRow>(`SELECT ServiceName AS name, sum(c) AS spans, sum(e) AS errors,
  quantilesTDigestMerge(${SPAN_QUANTILES})(d)[3] / 1e6 AS p95, toString(toUnixTimestamp64Nano(max(l))) AS last FROM (
  SELECT ServiceName, sum(Count) AS c, sumIf(Count, StatusCode = 'Error') AS e, quantilesTDigestMergeState(${SPAN_QUANTILES})(Durations) AS d, max(LastSeen) AS l
  FROM ${SPAN_ROLLUP_TABLE} WHERE ${rollupRange} GROUP BY ServiceName
  UNION ALL
  SELECT ServiceName, count(), countIf(StatusCode = 'Error'), quantilesTDigestState(${SPAN_QUANTILES})(Duration), max(Timestamp)
  FROM ${TRACES_TABLE} WHERE ${edges('toDateTime(Timestamp)')} GROUP BY ServiceName
) GROUP BY ServiceName`, params),
  ])
  return { logs, spans }
}
