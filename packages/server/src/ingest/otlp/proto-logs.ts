import type { Attributes, LogRecord } from '../../pipeline/record.ts'
import { truncateUtf8, newAttributes } from './attributes.ts'
import { invalidId, isZeroId, type DecodeResult, type DecodeState } from './fields.ts'
import { anyValueText, readAttribute, readResource, readScope } from './proto-common.ts'
import { I32, I64, LEN, VARINT, WireError, WireReader, fieldMask, u64ToDecimal } from './wire.ts'

/**
 * ExportLogsServiceRequest (opentelemetry/proto/collector/logs/v1, logs/v1) → LogRecord[].
 *
 *   ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1 }
 *   ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3 }
 *   ScopeLogs    { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; schema_url = 3 }
 *   LogRecord    { fixed64 time_unix_nano = 1; fixed64 observed_time_unix_nano = 11;
 *                  SeverityNumber severity_number = 2; string severity_text = 3; AnyValue body = 5;
 *                  repeated KeyValue attributes = 6; uint32 dropped_attributes_count = 7;
 *                  fixed32 flags = 8; bytes trace_id = 9; bytes span_id = 10; string event_name = 12 }
 */

const T_RESOURCE = (1 << 3) | LEN
const T_SCOPE_LOGS = (2 << 3) | LEN
const T_SCOPE = (1 << 3) | LEN
const T_LOG_RECORD = (2 << 3) | LEN

const REQUEST_FIELDS = fieldMask(1)
const RESOURCE_LOGS_FIELDS = fieldMask(1, 2)
const SCOPE_LOGS_FIELDS = fieldMask(1, 2)
const LOG_FIELDS = fieldMask(1, 2, 3, 5, 6, 8, 9, 10, 11, 12)

export function decodeLogsProtobuf(body: Buffer, state: DecodeState): DecodeResult<LogRecord> {
  const r = new WireReader(body)
  const records: LogRecord[] = []
  const end = body.length
  try {
    while (r.pos < end) {
      const tag = r.varint32(end)
      if (tag === T_RESOURCE) readResourceLogs(r, r.lengthEnd(end), state, records)
      else r.skip(tag, end, 'ExportLogsServiceRequest', REQUEST_FIELDS)
    }
  } catch (err) {
    if (err instanceof WireError) return { ok: false, message: err.message }
    throw err
  }
  return state.result(records, 'log record')
}

function readResourceLogs(r: WireReader, end: number, state: DecodeState, records: LogRecord[]): void {
  const first = records.length
  let resource: Attributes = newAttributes()
  let serviceName = ''
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_SCOPE_LOGS) readScopeLogs(r, r.lengthEnd(end), state, records, resource, serviceName)
    else if (tag === T_RESOURCE) {
      resource = readResource(r, r.lengthEnd(end), state.sink)
      serviceName = resource['service.name'] || ''
      // The resource normally comes first; if it follows some records, they get it too.
      for (let i = first; i < records.length; i++) {
        records[i].resource = resource
        records[i].serviceName = serviceName
      }
    } else r.skip(tag, end, 'ResourceLogs', RESOURCE_LOGS_FIELDS)
  }
}

function readScopeLogs(r: WireReader, end: number, state: DecodeState, records: LogRecord[], resource: Attributes, serviceName: string): void {
  const first = records.length
  let scopeName = ''
  let scopeVersion = ''
  while (r.pos < end) {
    const tag = r.varint32(end)
    if (tag === T_LOG_RECORD) {
      records.push(readLogRecord(r, r.lengthEnd(end), state, resource, serviceName, scopeName, scopeVersion))
    } else if (tag === T_SCOPE) {
      const scope = readScope(r, r.lengthEnd(end))
      scopeName = scope.name
      scopeVersion = scope.version
      for (let i = first; i < records.length; i++) {
        records[i].scopeName = scopeName
        records[i].scopeVersion = scopeVersion
      }
    } else r.skip(tag, end, 'ScopeLogs', SCOPE_LOGS_FIELDS)
  }
}

function readLogRecord(
  r: WireReader, end: number, state: DecodeState,
  resource: Attributes, serviceName: string, scopeName: string, scopeVersion: string,
): LogRecord {
  const sink = state.sink
  const attributes = newAttributes()
  sink.reset(attributes)
  const rec: LogRecord = {
    timeUnixNano: '', observedTimeUnixNano: '', severityText: '', severityNumber: 0, serviceName,
    body: '', traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName, scopeVersion, resource, attributes,
  }
  while (r.pos < end) {
    const tag = r.varint32(end)
    switch (tag) {
      case (1 << 3) | I64:
        r.fixed64(end)
        rec.timeUnixNano = r.hi === 0 && r.lo === 0 ? '' : u64ToDecimal(r.hi, r.lo)
        break
      case (11 << 3) | I64:
        r.fixed64(end)
        rec.observedTimeUnixNano = r.hi === 0 && r.lo === 0 ? '' : u64ToDecimal(r.hi, r.lo)
        break
      case (2 << 3) | VARINT: {
        const n = r.varint32(end) | 0
        rec.severityNumber = n >= 0 && n <= 255 ? n : 0
        break
      }
      case (3 << 3) | LEN: rec.severityText = truncateUtf8(r.string(end), sink.maxValueBytes); break
      case (5 << 3) | LEN: rec.body = truncateUtf8(anyValueText(r, r.lengthEnd(end)), sink.maxBodyBytes); break
      case (6 << 3) | LEN: readAttribute(r, end, sink); break
      case (8 << 3) | I32: rec.traceFlags = r.fixed32(end) & 0xff; break
      case (9 << 3) | LEN: rec.traceId = r.hex(end); break
      case (10 << 3) | LEN: rec.spanId = r.hex(end); break
      case (12 << 3) | LEN: rec.eventName = truncateUtf8(r.string(end), sink.maxValueBytes); break
      default: r.skip(tag, end, 'LogRecord', LOG_FIELDS) // dropped_attributes_count, unknown fields
    }
  }
  // A malformed id on a log is dropped (its text kept as an attribute), not the log: ids are optional
  // on logs, and the normalize stage treats ids from other sources the same way.
  if (rec.traceId !== '' && rec.traceId.length !== 32) rec.traceId = invalidId(attributes, 'trace.id.invalid', rec.traceId, sink.maxValueBytes)
  else if (isZeroId(rec.traceId)) rec.traceId = ''
  if (rec.spanId !== '' && rec.spanId.length !== 16) rec.spanId = invalidId(attributes, 'span.id.invalid', rec.spanId, sink.maxValueBytes)
  else if (isZeroId(rec.spanId)) rec.spanId = ''
  if (rec.observedTimeUnixNano === '') rec.observedTimeUnixNano = state.nowNano
  if (rec.timeUnixNano === '') rec.timeUnixNano = rec.observedTimeUnixNano
  return rec
}
