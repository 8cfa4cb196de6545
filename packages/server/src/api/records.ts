import { truncateColumns } from './read-limits.ts'

/**
 * Row shapes read from the store and the JSON shapes the API returns. Timestamps are read as
 * nanosecond integers (exact) and returned both as ISO time (ms) and as the ns string.
 */

/** Every value in full: one record on demand (`/api/records/full`). */
export const LOG_SELECT_FULL = `toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, SeverityText, SeverityNumber,
  ServiceName, Body, ResourceAttributes, LogAttributes, EventName, OrderId, UserId, HttpStatus, HttpRoute, EventAction`

export const SPAN_SELECT_FULL = `toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, ParentSpanId, SpanName, SpanKind,
  ServiceName, ResourceAttributes, SpanAttributes, toString(Duration) AS Duration, StatusCode, StatusMessage,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS EventTimes, Events.Name AS EventNames,
  Events.Attributes AS EventAttributes, OrderId, UserId, HttpStatus, HttpRoute`

/** Lists (search, timelines, traces): long values cut in the store (read-limits.ts), so a page stays small. */
export const LOG_SELECT = truncateColumns(LOG_SELECT_FULL, ['Body'], ['ResourceAttributes', 'LogAttributes'])
export const SPAN_SELECT = truncateColumns(SPAN_SELECT_FULL, ['StatusMessage'], ['ResourceAttributes', 'SpanAttributes'])

export interface LogRow {
  ts: string; TraceId: string; SpanId: string; SeverityText: string; SeverityNumber: number; ServiceName: string
  Body: string; ResourceAttributes: Record<string, string>; LogAttributes: Record<string, string>; EventName: string
  OrderId: string; UserId: string; HttpStatus: number; HttpRoute: string; EventAction: string
}

export interface SpanRow {
  ts: string; TraceId: string; SpanId: string; ParentSpanId: string; SpanName: string; SpanKind: string
  ServiceName: string; ResourceAttributes: Record<string, string>; SpanAttributes: Record<string, string>
  Duration: string; StatusCode: string; StatusMessage: string; EventTimes: string[]; EventNames: string[]
  EventAttributes: Record<string, string>[]; OrderId: string; UserId: string; HttpStatus: number; HttpRoute: string
}

export function isoFromNs(ns: string): string {
  return new Date(Number(ns.length > 6 ? ns.slice(0, -6) : '0')).toISOString()
}

export interface LogView {
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
    kind: 'span',
    time: isoFromNs(r.ts),
    timeUnixNano: r.ts,
    traceId: r.TraceId,
    spanId: r.SpanId,
    parentSpanId: r.ParentSpanId,
    name: r.SpanName,
    spanKind: r.SpanKind,
    service: r.ServiceName,
    durationNano: r.Duration,
    durationMs: Number(r.Duration) / 1e6,
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
