import type { LogRecord, SpanRecord } from '../pipeline/record.ts'
import { tsvMap, tsvMapArray, tsvQuoted, tsvString, tsvStringArray, tsvTime } from './tsv.ts'

/**
 * Records → TabSeparated rows for LOG_INSERT_COLUMNS / SPAN_INSERT_COLUMNS (schema.ts).
 * This runs once per record on the ingest path; the bytes go to the write-ahead log and then,
 * unchanged, to ClickHouse.
 */

export function encodeLogs(logs: readonly LogRecord[]): string {
  let out = ''
  for (const r of logs) {
    out += tsvTime(r.timeUnixNano) + '\t' + tsvTime(r.observedTimeUnixNano) + '\t' + r.traceId + '\t' + r.spanId + '\t'
      + (r.traceFlags & 0xff) + '\t' + tsvString(r.severityText) + '\t' + (r.severityNumber & 0xff) + '\t'
      + tsvString(r.serviceName) + '\t' + tsvString(r.body) + '\t' + tsvMap(r.resource) + '\t'
      + tsvString(r.scopeName) + '\t' + tsvString(r.scopeVersion) + '\t' + tsvMap(r.attributes) + '\t'
      + tsvString(r.eventName) + '\n'
  }
  return out
}

export function encodeSpans(spans: readonly SpanRecord[]): string {
  let out = ''
  for (const s of spans) {
    out += tsvTime(s.timeUnixNano) + '\t' + s.traceId + '\t' + s.spanId + '\t' + s.parentSpanId + '\t'
      + tsvString(s.traceState) + '\t' + tsvString(s.name) + '\t' + s.kind + '\t' + tsvString(s.serviceName) + '\t'
      + tsvMap(s.resource) + '\t' + tsvString(s.scopeName) + '\t' + tsvString(s.scopeVersion) + '\t'
      + tsvMap(s.attributes) + '\t' + s.durationNano + '\t' + s.statusCode + '\t' + tsvString(s.statusMessage) + '\t'
      + '[' + s.events.map((e) => tsvQuoted(tsvTime(e.timeUnixNano))).join(',') + ']\t'
      + tsvStringArray(s.events.map((e) => e.name)) + '\t'
      + tsvMapArray(s.events.map((e) => e.attributes)) + '\t'
      + tsvStringArray(s.links.map((l) => l.traceId)) + '\t'
      + tsvStringArray(s.links.map((l) => l.spanId)) + '\t'
      + tsvStringArray(s.links.map((l) => l.traceState)) + '\t'
      + tsvMapArray(s.links.map((l) => l.attributes)) + '\n'
  }
  return out
}
