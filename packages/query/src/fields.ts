/**
 * Field names people type, and where each lives in the two tables (see
 * packages/server/src/store/schema.ts). Names are matched case-insensitively; any name that is not
 * here is an attribute key, looked up exactly in the event's attributes, then its resource's.
 */

export type Target = 'logs' | 'spans'

/**
 * How a field compiles:
 * - `string`   exact, case-sensitive equality on a String column
 * - `id`       like `string`, but the value is lower-cased first (trace and span ids are lowercase hex)
 * - `number`   an integer column (HttpStatus)
 * - `duration` span Duration: nanoseconds in the table, milliseconds (or `250ms`, `1.5s`) in the query
 * - `level`    log severity by name or OpenTelemetry severity number
 * - `spanLevel` span status seen as a level: ERROR when StatusCode = 'Error', otherwise INFO
 * - `text`     full-text: words and phrases, case-insensitive
 * - `time`     the event time: ISO 8601 dates and times (UTC unless a zone is given) or `now-15m`
 */
export type FieldKind = 'string' | 'id' | 'number' | 'duration' | 'level' | 'spanLevel' | 'text' | 'time'

export interface FieldColumn {
  /** Column(s) searched; `text` on spans searches two. */
  columns: readonly string[]
  /** ClickHouse type of the (first) column. */
  type: string
  kind: FieldKind
}

export interface FieldDef {
  /** The name shown in the UI and the docs. */
  name: string
  /** Every accepted spelling, including `name`. */
  aliases: readonly string[]
  description: string
  /** Where the field is on otel_logs; null: on logs the name is an ordinary attribute. */
  logs: FieldColumn | null
  spans: FieldColumn | null
}

const col = (column: string, type: string, kind: FieldKind): FieldColumn => ({ columns: [column], type, kind })
const both = (c: FieldColumn): { logs: FieldColumn; spans: FieldColumn } => ({ logs: c, spans: c })

/** The built-in fields. Business-key columns are materialized on both tables. */
export const FIELDS: readonly FieldDef[] = [
  { name: '@timestamp', aliases: ['@timestamp', 'timestamp'],
    description: 'Event time (span start): 2026-11-29, 2026-11-29T10:00:00Z, now-15m; ranges and comparisons',
    ...both(col('Timestamp', 'DateTime64(9)', 'time')) },
  { name: 'service', aliases: ['service', 'service.name'], description: 'Service that sent the event (exact)',
    ...both(col('ServiceName', 'LowCardinality(String)', 'string')) },
  { name: 'level', aliases: ['level', 'severity', 'log.level'],
    description: 'Log level: trace, debug, info, warn, error, fatal (or 1–24); on spans ERROR means status Error',
    logs: col('SeverityText', 'LowCardinality(String)', 'level'), spans: col('StatusCode', 'LowCardinality(String)', 'spanLevel') },
  { name: 'trace', aliases: ['trace', 'trace.id', 'trace_id', 'traceid'], description: 'Trace id (32 hex characters)',
    ...both(col('TraceId', 'String', 'id')) },
  { name: 'span.id', aliases: ['span.id', 'span_id', 'spanid'], description: 'Span id (16 hex characters)',
    ...both(col('SpanId', 'String', 'id')) },
  { name: 'body', aliases: ['body', 'message', 'msg'],
    description: 'Full-text search in the log message; on spans in the span name and status message',
    logs: col('Body', 'String', 'text'), spans: { columns: ['SpanName', 'StatusMessage'], type: 'String', kind: 'text' } },
  { name: 'name', aliases: ['name', 'span.name'], description: 'Span name (exact)',
    logs: null, spans: col('SpanName', 'LowCardinality(String)', 'string') },
  { name: 'duration', aliases: ['duration'], description: 'Span duration in milliseconds (or with a unit: 250ms, 1.5s)',
    logs: null, spans: col('Duration', 'UInt64', 'duration') },
  { name: 'span.kind', aliases: ['span.kind', 'kind'], description: 'Span kind (Server, Client, Internal, Producer, Consumer)',
    logs: null, spans: col('SpanKind', 'LowCardinality(String)', 'string') },
  { name: 'span.status', aliases: ['span.status', 'status.code'], description: 'Span status code (Unset, Ok, Error)',
    logs: null, spans: col('StatusCode', 'LowCardinality(String)', 'string') },
  { name: 'parent.id', aliases: ['parent.id', 'parent_span_id', 'parentspanid'], description: 'Parent span id (empty on root spans)',
    logs: null, spans: col('ParentSpanId', 'String', 'id') },
  { name: 'order', aliases: ['order', 'order.id', 'order_id', 'orderid', 'order.number'], description: 'Order id (exact)',
    ...both(col('OrderId', 'String', 'string')) },
  { name: 'user', aliases: ['user', 'user.id', 'user_id', 'userid', 'enduser.id'], description: 'User id (exact)',
    ...both(col('UserId', 'String', 'string')) },
  { name: 'http.status', aliases: ['http.status', 'status', 'http.status_code', 'http.response.status_code'],
    description: 'HTTP response status code (number)', ...both(col('HttpStatus', 'UInt16', 'number')) },
  { name: 'http.route', aliases: ['http.route', 'route'], description: 'HTTP route template (exact)',
    ...both(col('HttpRoute', 'LowCardinality(String)', 'string')) },
  { name: 'event.action', aliases: ['event.action'], description: 'Business event action (exact)',
    ...both(col('EventAction', 'LowCardinality(String)', 'string')) },
  { name: 'client.ip', aliases: ['client.ip', 'client.address'], description: 'Client IP address (exact)',
    ...both(col('ClientIp', 'String', 'string')) },
]

/** Every accepted field spelling (lower-cased) → the canonical field name. */
export const FIELD_ALIASES: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(
  FIELDS.flatMap((f) => f.aliases.map((a) => [a.toLowerCase(), f.name])),
))

const BY_NAME = new Map(FIELDS.map((f) => [f.name, f]))

/** The attribute maps searched for a name that is not a built-in field, in order. */
export const ATTRIBUTE_MAPS: Readonly<Record<Target, readonly [string, string]>> = {
  logs: ['LogAttributes', 'ResourceAttributes'],
  spans: ['SpanAttributes', 'ResourceAttributes'],
}

export type ResolvedField =
  | { type: 'column'; field: FieldDef; column: FieldColumn }
  | { type: 'attribute'; key: string; maps: readonly [string, string] }

/** Where a field name points on a target: a built-in column, or an attribute key. */
export function resolveField(name: string, target: Target): ResolvedField {
  const canonical = FIELD_ALIASES[name.toLowerCase()]
  const field = canonical === undefined ? undefined : BY_NAME.get(canonical)
  const column = field?.[target]
  if (field && column) return { type: 'column', field, column }
  return { type: 'attribute', key: name, maps: ATTRIBUTE_MAPS[target] }
}

/** One built-in field as /api/fields lists it. */
export interface FieldInfo {
  name: string
  aliases: string[]
  /** Column(s), e.g. `HttpStatus`, `SpanName, StatusMessage`. */
  column: string
  /** ClickHouse type of the column. */
  type: string
  kind: FieldKind
  description: string
}

/**
 * The built-in fields available on a target, for /api/fields and autocompletion.
 *
 * @example
 * listFields('spans').find((f) => f.name === 'duration')
 * // { name: 'duration', aliases: ['duration'], column: 'Duration', type: 'UInt64', kind: 'duration', … }
 */
export function listFields(target: Target): FieldInfo[] {
  return FIELDS.flatMap((f) => {
    const c = f[target]
    if (!c) return []
    return [{ name: f.name, aliases: [...f.aliases], column: c.columns.join(', '), type: c.type, kind: c.kind, description: f.description }]
  })
}
