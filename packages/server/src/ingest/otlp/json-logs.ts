import type { Attributes, LogRecord } from '../../pipeline/record.ts'
import { truncateUtf8, newAttributes } from './attributes.ts'
import { invalidId, type DecodeResult, type DecodeState } from './fields.ts'
import {
  anyValueText, enumNames, enumValue, field, hexId, isObject, list, nanoTime, putKeyValues, resourceAttributes,
  show, str, type Json,
} from './json-common.ts'

/**
 * OTLP/JSON ExportLogsServiceRequest → LogRecord[]:
 *   { "resourceLogs": [ { "resource": { "attributes": [KeyValue] },
 *       "scopeLogs": [ { "scope": { "name", "version" },
 *         "logRecords": [ { "timeUnixNano", "observedTimeUnixNano", "severityNumber", "severityText",
 *           "body": AnyValue, "attributes": [KeyValue], "flags", "traceId", "spanId", "eventName" } ] } ] } ] }
 * A document of the wrong shape (not an object, a list that is not an array) is undecodable (400);
 * a log record that is not an object or has an unreadable timestamp is rejected on its own.
 */

const SEVERITY_NAMES = enumNames('SEVERITY_NUMBER_', [
  'UNSPECIFIED', 'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4',
  'INFO', 'INFO2', 'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4',
  'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4',
])

export function decodeLogsJson(doc: Json, state: DecodeState): DecodeResult<LogRecord> {
  if (!isObject(doc)) return { ok: false, message: 'JSON: the body must be an object like {"resourceLogs":[…]}' }
  const resourceLogs = list(doc, 'resourceLogs', 'resource_logs')
  if (resourceLogs === undefined) return { ok: false, message: 'JSON: resourceLogs must be an array' }
  const records: LogRecord[] = []
  for (let i = 0; i < resourceLogs.length; i++) {
    const rl = resourceLogs[i]
    if (!isObject(rl)) return { ok: false, message: `JSON: resourceLogs[${i}] must be an object` }
    const resource = resourceAttributes(rl.resource, state.sink)
    const serviceName = resource['service.name'] || ''
    const scopeLogs = list(rl, 'scopeLogs', 'scope_logs')
    if (scopeLogs === undefined) return { ok: false, message: `JSON: resourceLogs[${i}].scopeLogs must be an array` }
    for (let j = 0; j < scopeLogs.length; j++) {
      const sl = scopeLogs[j]
      if (!isObject(sl)) return { ok: false, message: `JSON: resourceLogs[${i}].scopeLogs[${j}] must be an object` }
      const scope = isObject(sl.scope) ? sl.scope : {}
      const scopeName = typeof scope.name === 'string' ? str(scope.name) : ''
      const scopeVersion = typeof scope.version === 'string' ? str(scope.version) : ''
      const logRecords = list(sl, 'logRecords', 'log_records')
      if (logRecords === undefined) return { ok: false, message: `JSON: resourceLogs[${i}].scopeLogs[${j}].logRecords must be an array` }
      for (let k = 0; k < logRecords.length; k++) {
        const rec = toLogRecord(logRecords[k], state, resource, serviceName, scopeName, scopeVersion)
        if (typeof rec === 'string') state.reject(`resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}]: ${rec}`)
        else records.push(rec)
      }
    }
  }
  return state.result(records, 'log record')
}

/** The record, or why it is rejected. */
function toLogRecord(
  o: Json, state: DecodeState, resource: Attributes, serviceName: string, scopeName: string, scopeVersion: string,
): LogRecord | string {
  if (!isObject(o)) return 'a log record must be an object'
  const attributes = newAttributes()
  state.sink.reset(attributes)
  putKeyValues(o.attributes, state.sink, '', 1)
  const body = o.body
  return buildLogRecord(
    state, resource, serviceName, scopeName, scopeVersion, attributes,
    field(o, 'timeUnixNano', 'time_unix_nano'), field(o, 'observedTimeUnixNano', 'observed_time_unix_nano'),
    field(o, 'severityText', 'severity_text'), field(o, 'severityNumber', 'severity_number'), field(o, 'eventName', 'event_name'),
    field(o, 'traceId', 'trace_id'), field(o, 'spanId', 'span_id'), body === undefined ? '' : anyValueText(body), o.flags,
  )
}

/**
 * A log record from its fields as JSON.parse gives them (strings already text, see `str()`),
 * its attributes already written to `attributes`, and its body as text; or why it is rejected.
 * Shared by this decoder and the one-pass scanner (json-scan.ts), so the two agree.
 */
export function buildLogRecord(
  state: DecodeState, resource: Attributes, serviceName: string, scopeName: string, scopeVersion: string, attributes: Attributes,
  rawTime: Json, rawObserved: Json, severityText: Json, rawSeverityNumber: Json, eventName: Json, rawTraceId: Json, rawSpanId: Json,
  bodyText: string, flags: Json,
): LogRecord | string {
  const sink = state.sink
  const time = nanoTime(rawTime)
  if (time === null) return `timeUnixNano ${show(rawTime)} is not a count of nanoseconds`
  const observed = nanoTime(rawObserved)
  if (observed === null) return `observedTimeUnixNano ${show(rawObserved)} is not a count of nanoseconds`
  let traceId = hexId(rawTraceId, 32)
  if (traceId === null) traceId = invalidId(attributes, 'trace.id.invalid', str(String(rawTraceId)), sink.maxValueBytes)
  let spanId = hexId(rawSpanId, 16)
  if (spanId === null) spanId = invalidId(attributes, 'span.id.invalid', str(String(rawSpanId)), sink.maxValueBytes)
  const severityNumber = enumValue(rawSeverityNumber, SEVERITY_NAMES)
  const observedTimeUnixNano = observed || state.nowNano
  return {
    timeUnixNano: time || observedTimeUnixNano,
    observedTimeUnixNano,
    severityText: typeof severityText === 'string' ? truncateUtf8(str(severityText), sink.maxValueBytes) : '',
    severityNumber: severityNumber >= 0 && severityNumber <= 255 ? severityNumber : 0,
    serviceName,
    body: truncateUtf8(bodyText, sink.maxBodyBytes),
    traceId,
    spanId,
    traceFlags: Number(flags) & 0xff,
    eventName: typeof eventName === 'string' ? truncateUtf8(str(eventName), sink.maxValueBytes) : '',
    scopeName,
    scopeVersion,
    resource,
    attributes,
  }
}
