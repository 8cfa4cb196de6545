import type { BusinessKeys } from '../src/config/schema.ts'
import type { LogRecord, SpanRecord } from '../src/pipeline/record.ts'
import { firstOf, uint16OrZero } from '../src/store/encode.ts'
import { tsvMap, tsvMapArray, tsvQuoted, tsvString, tsvStringArray, tsvTime } from '../src/store/tsv.ts'

/**
 * The TabSeparated rows of LOG_INSERT_COLUMNS / SPAN_INSERT_COLUMNS built as one string, field by
 * field, from tsv.ts's per-value functions: the reference that store/encode.ts's byte encoder
 * (`logsBytes`/`spansBytes`, the ingest path) is compared against, and the "A" side of
 * bench/encode-ab.ts. Not used by the server.
 */
export function referenceEncoder(keys: BusinessKeys): { logs(logs: readonly LogRecord[]): string; spans(spans: readonly SpanRecord[]): string } {
  const business = (a: Record<string, string>): string =>
    '\t' + tsvString(firstOf(a, keys.orderId)) + '\t' + tsvString(firstOf(a, keys.userId)) + '\t'
    + uint16OrZero(firstOf(a, keys.httpStatus)) + '\t' + tsvString(firstOf(a, keys.httpRoute)) + '\t'
    + tsvString(firstOf(a, keys.eventAction)) + '\t' + tsvString(firstOf(a, keys.clientIp))
  return {
    logs(logs) {
      let out = ''
      for (const r of logs) {
        out += tsvTime(r.timeUnixNano) + '\t' + tsvTime(r.observedTimeUnixNano) + '\t' + r.traceId + '\t' + r.spanId + '\t'
          + (r.traceFlags & 0xff) + '\t' + tsvString(r.severityText) + '\t' + (r.severityNumber & 0xff) + '\t'
          + tsvString(r.serviceName) + '\t' + tsvString(r.body) + '\t' + tsvMap(r.resource) + '\t'
          + tsvString(r.scopeName) + '\t' + tsvString(r.scopeVersion) + '\t' + tsvMap(r.attributes) + '\t'
          + tsvString(r.eventName) + business(r.attributes) + '\n'
      }
      return out
    },
    spans(spans) {
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
          + tsvMapArray(s.links.map((l) => l.attributes)) + business(s.attributes) + '\n'
      }
      return out
    },
  }
}
