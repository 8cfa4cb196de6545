import { crc32 } from 'node:zlib'
import { truncateColumns } from './read-limits.ts'

/**
 * Row shapes read from the store and the JSON shapes the API returns. Timestamps are read as
 * nanosecond integers (exact) and returned both as ISO time (ms) and as the ns string.
 */

/**
 * A record's id within its nanosecond: CRC-32 of the fields that tell two records apart. The same
 * hash is computed in memory for live records (recordHash), so a tail hit has the id search gives.
 * Records with the same timestamp and hash are the same content: paging tells them apart by count.
 */
export const ROW_HASH = {
  logs: "CRC32(concat(ServiceName, '\\0', TraceId, '\\0', SpanId, '\\0', Body))",
  spans: "CRC32(concat(ServiceName, '\\0', TraceId, '\\0', SpanId, '\\0', SpanName))",
} as const

/** Every value in full: one record on demand (`/api/records/full`). */
export const LOG_SELECT_FULL = `toString(toUnixTimestamp64Nano(Timestamp)) AS ts, ${ROW_HASH.logs} AS rh, TraceId, SpanId, SeverityText, SeverityNumber,
  ServiceName, Body, ResourceAttributes, LogAttributes, EventName, OrderId, UserId, HttpStatus, HttpRoute, EventAction`

// Aliases never reuse a column name: ClickHouse applies select aliases inside WHERE, so
// `toString(Duration) AS Duration` turned `Duration > {q0:UInt64}` into a String comparison (issue 7).
// (The truncated list columns below do reuse names; the read store sets prefer_column_name_to_alias.)
export const SPAN_SELECT_FULL = `toString(toUnixTimestamp64Nano(Timestamp)) AS ts, ${ROW_HASH.spans} AS rh, TraceId, SpanId, ParentSpanId, SpanName, SpanKind,
  ServiceName, ResourceAttributes, SpanAttributes, toString(Duration) AS DurationNs, StatusCode, StatusMessage,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS EventTimes, Events.Name AS EventNames,
  Events.Attributes AS EventAttributes, OrderId, UserId, HttpStatus, HttpRoute`

/** Lists (search, timelines, traces): long values cut in the store (read-limits.ts), so a page stays small. */
export const LOG_SELECT = truncateColumns(LOG_SELECT_FULL, ['Body'], ['ResourceAttributes', 'LogAttributes'])
export const SPAN_SELECT = truncateColumns(SPAN_SELECT_FULL, ['StatusMessage'], ['ResourceAttributes', 'SpanAttributes'])

export interface LogRow {
  ts: string; rh: number; TraceId: string; SpanId: string; SeverityText: string; SeverityNumber: number; ServiceName: string
  Body: string; ResourceAttributes: Record<string, string>; LogAttributes: Record<string, string>; EventName: string
  OrderId: string; UserId: string; HttpStatus: number; HttpRoute: string; EventAction: string
}

export interface SpanRow {
  ts: string; rh: number; TraceId: string; SpanId: string; ParentSpanId: string; SpanName: string; SpanKind: string
  ServiceName: string; ResourceAttributes: Record<string, string>; SpanAttributes: Record<string, string>
  DurationNs: string; StatusCode: string; StatusMessage: string; EventTimes: string[]; EventNames: string[]
  EventAttributes: Record<string, string>[]; OrderId: string; UserId: string; HttpStatus: number; HttpRoute: string
}

export function isoFromNs(ns: string): string {
  return new Date(Number(ns.length > 6 ? ns.slice(0, -6) : '0')).toISOString()
}

export interface LogView {
  /** Stable record id (recordId): the context API and paging use it. */
  id: string
  kind: 'log'
  time: string
  timeUnixNano: string
  service: string
  level: string
  severityNumber: number
  body: string
  traceId: string
  spanId: string
  eventName: string
  orderId: string
  userId: string
  httpStatus: number | null
  httpRoute: string
  eventAction: string
  attributes: Record<string, string>
  resource: Record<string, string>
}

export function logView(r: LogRow): LogView {
  return {
    id: recordId('logs', r.ts, Number(r.rh)),
    kind: 'log',
    time: isoFromNs(r.ts),
    timeUnixNano: r.ts,
    service: r.ServiceName,
    level: r.SeverityText,
    severityNumber: Number(r.SeverityNumber),
    body: r.Body,
    traceId: r.TraceId,
    spanId: r.SpanId,
    eventName: r.EventName,
    orderId: r.OrderId,
    userId: r.UserId,
    httpStatus: Number(r.HttpStatus) || null,
    httpRoute: r.HttpRoute,
    eventAction: r.EventAction,
    attributes: r.LogAttributes,
    resource: r.ResourceAttributes,
  }
}

export interface SpanView {
  id: string
  kind: 'span'
  time: string
  timeUnixNano: string
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  spanKind: string
  service: string
  durationNano: string
  durationMs: number
  status: string
  statusMessage: string
  orderId: string
  userId: string
  httpStatus: number | null
  httpRoute: string
  attributes: Record<string, string>
  resource: Record<string, string>
  events: { time: string; timeUnixNano: string; name: string; attributes: Record<string, string> }[]
}

export function spanView(r: SpanRow): SpanView {
  return {
    id: recordId('spans', r.ts, Number(r.rh)),
    kind: 'span',
    time: isoFromNs(r.ts),
    timeUnixNano: r.ts,
    traceId: r.TraceId,
    spanId: r.SpanId,
    parentSpanId: r.ParentSpanId,
    name: r.SpanName,
    spanKind: r.SpanKind,
    service: r.ServiceName,
    durationNano: r.DurationNs,
    durationMs: Number(r.DurationNs) / 1e6,
    status: r.StatusCode,
    statusMessage: r.StatusMessage,
    orderId: r.OrderId,
    userId: r.UserId,
    httpStatus: Number(r.HttpStatus) || null,
    httpRoute: r.HttpRoute,
    attributes: r.SpanAttributes,
    resource: r.ResourceAttributes,
    events: r.EventNames.map((name, i) => ({ time: isoFromNs(r.EventTimes[i]), timeUnixNano: r.EventTimes[i], name, attributes: r.EventAttributes[i] ?? {} })),
  }
}

/**
 * A record's id: target, timestamp (ns) and ROW_HASH, e.g. `l1700000000123456789-9a3f01c2`.
 * Stable for as long as the record is stored; the context API looks records up by it.
 */
export function recordId(target: 'logs' | 'spans', ts: string, hash: number): string {
  return `${target === 'logs' ? 'l' : 's'}${ts}-${(hash >>> 0).toString(16).padStart(8, '0')}`
}

/** The parts of a record id, or null when it is not one. */
export function parseRecordId(id: string): { target: 'logs' | 'spans'; ts: string; hash: number } | null {
  const m = /^([ls])(\d{1,20})-([0-9a-f]{8})$/.exec(id)
  if (!m) return null
  return { target: m[1] === 'l' ? 'logs' : 'spans', ts: m[2], hash: parseInt(m[3], 16) }
}

/** ROW_HASH of a record in memory (live tail): CRC-32 of the same UTF-8 bytes ClickHouse hashes. */
export function recordHash(parts: readonly string[]): number {
  return crc32(Buffer.from(parts.join('\0'), 'utf8'))
}
