import type { BusinessKeys } from '../config/schema.ts'

/**
 * Table layout (a fresh install; migrations.ts brings older data directories to the same shape).
 * Column names follow the OpenTelemetry Collector's ClickHouse exporter (`otel_logs`,
 * `otel_traces`, `otel_traces_trace_id_ts`) so tools that read that schema read ours. Beacon adds
 * business-key columns (OrderId, UserId, HttpStatus, HttpRoute, EventAction, ClientIp), written by
 * the ingest path from the configured attribute lists (encode.ts).
 */

export const LOGS_TABLE = 'otel_logs'
export const TRACES_TABLE = 'otel_traces'
export const TRACE_BOUNDS_TABLE = 'otel_traces_trace_id_ts'
/** Ids of stored ingest batches (request content ids), kept a day, to recognise client replays. */
export const BATCHES_TABLE = 'beacon_ingest_batches'

export const batchesTableSql = `CREATE TABLE IF NOT EXISTS ${BATCHES_TABLE} (
  Id String, At DateTime
) ENGINE = MergeTree ORDER BY (At, Id) TTL At + toIntervalDay(1)
SETTINGS non_replicated_deduplication_window = 10000`

/** Columns the ingest path writes to otel_logs, in TSV order (see encode.ts). */
export const LOG_INSERT_COLUMNS = [
  'Timestamp', 'ObservedTimestamp', 'TraceId', 'SpanId', 'TraceFlags', 'SeverityText', 'SeverityNumber',
  'ServiceName', 'Body', 'ResourceAttributes', 'ScopeName', 'ScopeVersion', 'LogAttributes', 'EventName',
  'OrderId', 'UserId', 'HttpStatus', 'HttpRoute', 'EventAction', 'ClientIp',
] as const

/** Columns the ingest path writes to otel_traces, in TSV order. */
export const SPAN_INSERT_COLUMNS = [
  'Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'ServiceName',
  'ResourceAttributes', 'ScopeName', 'ScopeVersion', 'SpanAttributes', 'Duration', 'StatusCode', 'StatusMessage',
  'Events.Timestamp', 'Events.Name', 'Events.Attributes',
  'Links.TraceId', 'Links.SpanId', 'Links.TraceState', 'Links.Attributes',
  'OrderId', 'UserId', 'HttpStatus', 'HttpRoute', 'EventAction', 'ClientIp',
] as const

type KeyName = keyof BusinessKeys

/**
 * Business-key column name, ClickHouse type, and how the first non-empty configured attribute is
 * turned into it. The ingest path writes the value itself (encode.ts); the DEFAULT expression
 * fills the column for rows inserted without it (other writers of the OpenTelemetry schema).
 */
const BUSINESS_COLUMNS: Record<KeyName, { column: string; type: string; wrap: (e: string) => string }> = {
  orderId: { column: 'OrderId', type: 'String', wrap: (e) => e },
  userId: { column: 'UserId', type: 'String', wrap: (e) => e },
  httpStatus: { column: 'HttpStatus', type: 'UInt16', wrap: (e) => `toUInt16OrZero(${e})` },
  httpRoute: { column: 'HttpRoute', type: 'LowCardinality(String)', wrap: (e) => e },
  eventAction: { column: 'EventAction', type: 'LowCardinality(String)', wrap: (e) => e },
  clientIp: { column: 'ClientIp', type: 'String', wrap: (e) => e },
}

/** Quotes a configured attribute name as a ClickHouse string literal (config is trusted, but keep it exact). */
function literal(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** `multiIf(M['a'] != '', M['a'], M['b'] != '', M['b'], '')` — first non-empty attribute of the list. */
function firstNonEmpty(mapColumn: string, names: readonly string[]): string {
  const parts = names.flatMap((n) => [`${mapColumn}[${literal(n)}] != ''`, `${mapColumn}[${literal(n)}]`])
  return `multiIf(${parts.join(', ')}, '')`
}

export interface BusinessColumn { column: string; type: string; expression: string }

/** The business-key columns of a table whose attributes live in `mapColumn`, with their DEFAULT expressions. */
export function businessKeyColumns(keys: BusinessKeys, mapColumn: 'LogAttributes' | 'SpanAttributes'): BusinessColumn[] {
  return (Object.keys(BUSINESS_COLUMNS) as KeyName[]).map((k) => {
    const spec = BUSINESS_COLUMNS[k]
    return { column: spec.column, type: spec.type, expression: spec.wrap(firstNonEmpty(mapColumn, keys[k])) }
  })
}

/** Business-key column names usable in queries (same on logs and spans). */
export const BUSINESS_COLUMN_NAMES = Object.values(BUSINESS_COLUMNS).map((c) => c.column)

/**
 * Rows per granule of the logs table. A search that finds a few records (an order id, a trace id,
 * a rare word) decompresses, per hit, the columns it returns from the start of that hit's granule:
 * at 8,192 rows that was ~1 MB of Body and attributes per hit; at 1,024 it is an eighth (issue 13,
 * BENCHMARKS.md). The primary index, marks and bloom filters stay small (bits per row unchanged).
 * Migration 11 rebuilds an older table with it (the setting cannot be altered).
 */
export const LOGS_INDEX_GRANULARITY = 1024

/**
 * ObservedTimestamp (arrival time) is not monotonic in the table's order (service, time): Delta
 * made it larger, plain ZSTD stores it in ~2.7 bytes per record instead of ~5.8 (migration 10).
 *
 * Partitions are day × service, and there is no TTL: the retention enforcer (retention/enforcer.ts)
 * archives, then drops whole partitions per service and signal within a minute of a change, and for
 * size caps (a TTL would drop data before it is archived, and only on ClickHouse's merge timer).
 */
export function logsTableSql(keys: BusinessKeys): string {
  const business = businessKeyColumns(keys, 'LogAttributes')
    .map((c) => `  ${c.column} ${c.type} DEFAULT ${c.expression} CODEC(ZSTD(1)),`).join('\n')
  return `CREATE TABLE IF NOT EXISTS ${LOGS_TABLE} (
  Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
  TimestampTime DateTime DEFAULT toDateTime(Timestamp) CODEC(Delta(4), ZSTD(1)),
  ObservedTimestamp DateTime64(9) CODEC(ZSTD(1)),
  TraceId String CODEC(ZSTD(1)),
  SpanId String CODEC(ZSTD(1)),
  TraceFlags UInt8 CODEC(ZSTD(1)),
  SeverityText LowCardinality(String) CODEC(ZSTD(1)),
  SeverityNumber UInt8 CODEC(ZSTD(1)),
  ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  Body String CODEC(ZSTD(1)),
  ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
  ScopeName String CODEC(ZSTD(1)),
  ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  EventName String CODEC(ZSTD(1)),
${business}
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_order_id OrderId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_user_id UserId TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_keys mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_body lowerUTF8(Body) TYPE text(tokenizer = splitByNonAlpha)
) ENGINE = MergeTree
PARTITION BY (toDate(TimestampTime), ServiceName)
ORDER BY (ServiceName, TimestampTime, Timestamp)
SETTINGS index_granularity = ${LOGS_INDEX_GRANULARITY}, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000`
}

export function tracesTableSql(keys: BusinessKeys): string {
  const business = businessKeyColumns(keys, 'SpanAttributes')
    .map((c) => `  ${c.column} ${c.type} DEFAULT ${c.expression} CODEC(ZSTD(1)),`).join('\n')
  return `CREATE TABLE IF NOT EXISTS ${TRACES_TABLE} (
  Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
  TraceId String CODEC(ZSTD(1)),
  SpanId String CODEC(ZSTD(1)),
  ParentSpanId String CODEC(ZSTD(1)),
  TraceState String CODEC(ZSTD(1)),
  SpanName LowCardinality(String) CODEC(ZSTD(1)),
  SpanKind LowCardinality(String) CODEC(ZSTD(1)),
  ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeName String CODEC(ZSTD(1)),
  ScopeVersion String CODEC(ZSTD(1)),
  SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  Duration UInt64 CODEC(ZSTD(1)),
  StatusCode LowCardinality(String) CODEC(ZSTD(1)),
  StatusMessage String CODEC(ZSTD(1)),
  Events Nested (
    Timestamp DateTime64(9),
    Name LowCardinality(String),
    Attributes Map(LowCardinality(String), String)
  ) CODEC(ZSTD(1)),
  Links Nested (
    TraceId String,
    SpanId String,
    TraceState String,
    Attributes Map(LowCardinality(String), String)
  ) CODEC(ZSTD(1)),
${business}
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_order_id OrderId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_attr_keys mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_values mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY (toDate(Timestamp), ServiceName)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000`
}

/**
 * Trace id → first/last timestamp of its spans, so a trace lookup reads one or two days, not all of
 * them. Fed from spans only: one row per log record (random trace ids rarely repeat within an
 * insert) cost 15 % of the bytes on disk and an extra insert per batch; a trace without spans is
 * found through the logs' trace-id bloom filter instead (api/traces.ts).
 */
export function traceBoundsSql(ttlDays: number): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${TRACE_BOUNDS_TABLE} (
  TraceId String CODEC(ZSTD(1)),
  Start DateTime CODEC(Delta, ZSTD(1)),
  End DateTime CODEC(Delta, ZSTD(1))
) ENGINE = MergeTree
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
TTL Start + toIntervalDay(${ttlDays})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${TRACE_BOUNDS_TABLE}_mv TO ${TRACE_BOUNDS_TABLE} AS
SELECT TraceId, min(toDateTime(Timestamp)) AS Start, max(toDateTime(Timestamp)) AS End
FROM ${TRACES_TABLE} WHERE TraceId != '' GROUP BY TraceId`,
  ]
}
