import type { BusinessKeys } from '../config/schema.ts'
import type { Attributes, LogRecord, SpanRecord } from '../pipeline/record.ts'
import { TsvWriter, tsvTime } from './tsv.ts'

/**
 * Records → TabSeparated rows for LOG_INSERT_COLUMNS / SPAN_INSERT_COLUMNS (schema.ts).
 * This runs once per record on the ingest path; the bytes go to the write-ahead log and then,
 * unchanged, to ClickHouse.
 *
 * The business keys (OrderId, UserId, HttpStatus, HttpRoute, EventAction, ClientIp) are taken from
 * the attributes here, with the configured attribute lists, and written as plain columns: the
 * pipeline already holds the attributes, while a MATERIALIZED expression made the engine look
 * every map up again on insert (and on every merge of a column rewrite).
 */
export interface RowEncoder {
  /**
   * The rows as UTF-8 bytes, written straight into a scratch buffer (tsv.ts TsvWriter): no string
   * per field. The view is valid until the next call of the same method; copy it first (the
   * write-ahead log entry does). test/tsv-reference.ts builds the same rows as one string, field
   * by field, as the reference the tests compare these bytes against.
   */
  logsBytes(logs: readonly LogRecord[]): Buffer
  spansBytes(spans: readonly SpanRecord[]): Buffer
}

/** First non-empty attribute of the list, or ''. */
export function firstOf(a: Attributes, names: readonly string[]): string {
  for (let i = 0; i < names.length; i++) {
    const v = a[names[i]]
    if (v !== undefined && v !== '') return v
  }
  return ''
}

/** ClickHouse's toUInt16OrZero: decimal digits only, ≤ 65535, otherwise 0. */
export function uint16OrZero(s: string): number {
  if (s.length === 0 || s.length > 5) return 0
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) return 0
    n = n * 10 + c
  }
  return n > 65535 ? 0 : n
}

/** The business-key columns, in BUSINESS_COLUMN_NAMES order, each preceded by a tab. */
function writeBusiness(w: TsvWriter, a: Attributes, k: BusinessKeys): void {
  w.byte(TAB); w.string(firstOf(a, k.orderId))
  w.byte(TAB); w.string(firstOf(a, k.userId))
  w.byte(TAB); w.uint(uint16OrZero(firstOf(a, k.httpStatus)))
  w.byte(TAB); w.string(firstOf(a, k.httpRoute))
  w.byte(TAB); w.string(firstOf(a, k.eventAction))
  w.byte(TAB); w.string(firstOf(a, k.clientIp))
}
const TAB = 9
const NL = 10

/** An encoder for the configured business keys (config.businessKeys). */
export function createRowEncoder(keys: BusinessKeys): RowEncoder {
  const logWriter = new TsvWriter()
  const spanWriter = new TsvWriter(16 * 1024)
  return {
    logsBytes(logs) {
      const w = logWriter
      w.reset()
      for (let i = 0; i < logs.length; i++) {
        const r = logs[i]
        w.time(r.timeUnixNano); w.byte(TAB)
        w.time(r.observedTimeUnixNano); w.byte(TAB)
        w.raw(r.traceId); w.byte(TAB)
        w.raw(r.spanId); w.byte(TAB)
        w.uint(r.traceFlags & 0xff); w.byte(TAB)
        w.string(r.severityText); w.byte(TAB)
        w.uint(r.severityNumber & 0xff); w.byte(TAB)
        w.string(r.serviceName); w.byte(TAB)
        w.string(r.body); w.byte(TAB)
        w.map(r.resource); w.byte(TAB)
        w.string(r.scopeName); w.byte(TAB)
        w.string(r.scopeVersion); w.byte(TAB)
        w.map(r.attributes); w.byte(TAB)
        w.string(r.eventName)
        writeBusiness(w, r.attributes, keys)
        w.byte(NL)
      }
      return w.take()
    },
    spansBytes(spans) {
      const w = spanWriter
      w.reset()
      for (let i = 0; i < spans.length; i++) {
        const s = spans[i]
        w.time(s.timeUnixNano); w.byte(TAB)
        w.raw(s.traceId); w.byte(TAB)
        w.raw(s.spanId); w.byte(TAB)
        w.raw(s.parentSpanId); w.byte(TAB)
        w.string(s.traceState); w.byte(TAB)
        w.string(s.name); w.byte(TAB)
        w.raw(s.kind); w.byte(TAB)
        w.string(s.serviceName); w.byte(TAB)
        w.map(s.resource); w.byte(TAB)
        w.string(s.scopeName); w.byte(TAB)
        w.string(s.scopeVersion); w.byte(TAB)
        w.map(s.attributes); w.byte(TAB)
        w.raw(s.durationNano); w.byte(TAB)
        w.raw(s.statusCode); w.byte(TAB)
        w.string(s.statusMessage); w.byte(TAB)
        w.byte(91)
        for (let j = 0; j < s.events.length; j++) {
          if (j) w.byte(44)
          w.quoted(tsvTime(s.events[j].timeUnixNano))
        }
        w.byte(93); w.byte(TAB)
        w.stringArray(s.events.map((e) => e.name)); w.byte(TAB)
        w.mapArray(s.events.map((e) => e.attributes)); w.byte(TAB)
        w.stringArray(s.links.map((l) => l.traceId)); w.byte(TAB)
        w.stringArray(s.links.map((l) => l.spanId)); w.byte(TAB)
        w.stringArray(s.links.map((l) => l.traceState)); w.byte(TAB)
        w.mapArray(s.links.map((l) => l.attributes))
        writeBusiness(w, s.attributes, keys)
        w.byte(NL)
      }
      return w.take()
    },
  }
}
