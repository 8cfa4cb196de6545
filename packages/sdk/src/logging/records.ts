/**
 * How a pino JSON line maps to a log record — one rule set, used in two places:
 *  - the server's `POST /v1/pino-lines` receiver (the SDK's log path: the export worker sends pino's
 *    lines as they are, and Beacon maps them once, at ingest), through `@beacon/sdk/pino-lines`;
 *  - the SDK's fallback to OTLP/JSON `POST /v1/logs` (a collector or an older Beacon without that
 *    endpoint), and the SDK's tests.
 *
 *   logger.info(obj, msg) ─▶ pino's own serializer ─▶ one JSON line ─▶ stdout
 *                                                          └─▶ LogShipper buffer ─▶ (export worker)
 *       batch ─▶ resourceLine() + lines as they are ─▶ POST /v1/pino-lines ─▶ server: lineToRecord()
 *             └─ (404: no such endpoint) ─▶ linesToRecords() ─▶ encodeOtlpLogs() ─▶ POST /v1/logs
 *
 * A line's fields map as follows: `time` → timeUnixNano, `level` (label) → severity, `msg` → body,
 * `trace_id`/`span_id`/`trace_flags` → the record's trace context, `service`/`pid`/`hostname` →
 * dropped (they are resource attributes), `err`/`error` (pino's error serializer) →
 * `exception.type`/`exception.message`/`exception.stacktrace`; everything else is flattened into
 * dotted attribute keys (depth-limited, long strings cut, arrays as JSON text).
 */
import { redactString } from '../redact/redact.ts'

/** Longest string value kept in an attribute; longer ones are cut with a marker. */
export const MAX_ATTRIBUTE_LENGTH = 8192
const MAX_DEPTH = 4

export type AttributeValue = string | number | boolean
export type Attributes = Record<string, AttributeValue>

/** One log record as exported (the OTLP fields Beacon reads). */
export interface ShippedLog {
  timeUnixNano: string
  severityNumber: number
  severityText: string
  body: string
  attributes: Attributes
  traceId?: string
  spanId?: string
  traceFlags?: number
}

export interface Severity { number: number; text: string }

/** OpenTelemetry SeverityNumber of each pino level label. */
const SEVERITIES: Record<string, Severity> = {
  trace: { number: 1, text: 'TRACE' },
  debug: { number: 5, text: 'DEBUG' },
  info: { number: 9, text: 'INFO' },
  warn: { number: 13, text: 'WARN' },
  error: { number: 17, text: 'ERROR' },
  fatal: { number: 21, text: 'FATAL' },
}

/** pino level (label, or number for custom set-ups) → OpenTelemetry severity. */
export function severityOf(level: unknown): Severity {
  if (typeof level === 'string') return SEVERITIES[level] ?? { number: 9, text: level.toUpperCase() }
  if (typeof level === 'number') {
    const label = level >= 60 ? 'fatal' : level >= 50 ? 'error' : level >= 40 ? 'warn' : level >= 30 ? 'info' : level >= 20 ? 'debug' : 'trace'
    return SEVERITIES[label]
  }
  return SEVERITIES.info
}

function truncate(s: string): string {
  return s.length > MAX_ATTRIBUTE_LENGTH ? `${s.slice(0, MAX_ATTRIBUTE_LENGTH)}…[truncated ${s.length - MAX_ATTRIBUTE_LENGTH} chars]` : s
}

/** OpenTelemetry semantic-convention exception attributes for an error (an Error, or pino's serialized `{ type, message, stack }`). */
export function exceptionAttributes(err: Error | { type?: unknown; name?: unknown; message?: unknown; stack?: unknown; code?: unknown }, out: Attributes = {}): Attributes {
  const e = err as { type?: unknown; name?: unknown; message?: unknown; stack?: unknown; code?: unknown; constructor?: { name?: string } }
  const type = typeof e.type === 'string' ? e.type : typeof e.name === 'string' && e.name !== '' ? e.name : (e.constructor?.name ?? 'Error')
  out['exception.type'] = type === 'Object' ? 'Error' : type
  out['exception.message'] = redactString(truncate(String(e.message ?? '')))
  if (typeof e.stack === 'string' && e.stack !== '') out['exception.stacktrace'] = redactString(truncate(e.stack))
  if (typeof e.code === 'string' || typeof e.code === 'number') out['error.code'] = e.code
  return out
}

function looksLikeError(v: Record<string, unknown>): boolean {
  return typeof v.message === 'string' && (typeof v.stack === 'string' || typeof v.type === 'string')
}

/** Flattens an object into dotted attribute keys (depth-limited; strings truncated). `skip`: top-level keys left out. */
export function flattenInto(obj: Record<string, unknown>, prefix: string, out: Attributes, depth = MAX_DEPTH, skip?: ReadonlySet<string>): Attributes {
  for (const key in obj) {
    if (skip !== undefined && skip.has(key)) continue
    const v = obj[key]
    if (v === undefined || v === null || typeof v === 'function' || typeof v === 'symbol') continue
    const k = prefix === '' ? key : `${prefix}.${key}`
    switch (typeof v) {
      case 'string': out[k] = v.length > MAX_ATTRIBUTE_LENGTH ? truncate(v) : v; break
      case 'number': case 'boolean': out[k] = v; break
      case 'bigint': out[k] = v.toString(); break
      default: {
        if (v instanceof Error) {
          if (prefix === '' && (key === 'err' || key === 'error')) exceptionAttributes(v, out)
          else out[`${k}.message`] = redactString(v.message)
          break
        }
        if (v instanceof Date) { out[k] = v.toISOString(); break }
        if (Array.isArray(v)) { out[k] = truncate(safeJson(v)); break }
        const o = v as Record<string, unknown>
        if (prefix === '' && (key === 'err' || key === 'error') && looksLikeError(o)) { exceptionAttributes(o, out); break }
        if (o.type === 'Buffer' && Array.isArray(o.data)) { out[k] = `<Buffer ${o.data.length} bytes>`; break }
        if (depth > 0) flattenInto(o, k, out, depth - 1)
        else out[k] = truncate(safeJson(v))
      }
    }
  }
  return out
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? ''
  } catch {
    return '[unserializable]'
  }
}

/** Fields of a line that are not attributes (see the module comment). */
const RESERVED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'trace_id', 'span_id', 'trace_flags'])
const HEX32 = /^[0-9a-f]{32}$/
const HEX16 = /^[0-9a-f]{16}$/

/** One parsed pino line → one record. */
export function lineToRecord(line: Record<string, unknown>): ShippedLog {
  const attributes: Attributes = {}
  flattenInto(line, '', attributes, MAX_DEPTH, RESERVED)
  const severity = severityOf(line.level)
  let body = typeof line.msg === 'string' ? line.msg : line.msg === undefined ? '' : String(line.msg)
  if (body === '' && typeof attributes['exception.message'] === 'string') body = attributes['exception.message']
  const time = typeof line.time === 'number' ? line.time : Date.now()
  const rec: ShippedLog = {
    timeUnixNano: Number.isInteger(time) ? `${time}000000` : `${Math.floor(time)}${String(Math.round((time % 1) * 1e6)).padStart(6, '0')}`,
    severityNumber: severity.number,
    severityText: severity.text,
    body,
    attributes,
  }
  if (typeof line.trace_id === 'string' && HEX32.test(line.trace_id) && typeof line.span_id === 'string' && HEX16.test(line.span_id)) {
    rec.traceId = line.trace_id
    rec.spanId = line.span_id
    rec.traceFlags = typeof line.trace_flags === 'number' ? line.trace_flags : 1
  }
  return rec
}

/** NDJSON text (pino lines) → records; a line that is not a JSON object is skipped. */
export function linesToRecords(ndjson: string): ShippedLog[] {
  const out: ShippedLog[] = []
  let parsed: unknown[] | undefined
  const body = ndjson.trimEnd()
  if (body === '') return out
  try {
    // One parse for the whole batch is much cheaper than one per line.
    parsed = JSON.parse(`[${body.replace(/\n/g, ',')}]`) as unknown[]
  } catch {
    parsed = []
    for (const l of body.split('\n')) {
      try { parsed.push(JSON.parse(l)) } catch { /* not JSON: skipped */ }
    }
  }
  for (const p of parsed) if (p !== null && typeof p === 'object' && !Array.isArray(p)) out.push(lineToRecord(p as Record<string, unknown>))
  return out
}

/** A scope: the instrumentation library that wrote the records. */
export interface Scope { name: string; version?: string }

/**
 * The first line of a `POST /v1/pino-lines` body: the resource (and scope) of every line after it,
 * given once per request. `{"resource":{"service.name":"shop-api",…},"scope":{"name":"@beacon/sdk"}}` + newline.
 */
export function resourceLine(resource: Attributes, scope?: Scope): string {
  return `${JSON.stringify(scope === undefined ? { resource } : { resource, scope })}\n`
}

// OTLP/JSON is written as text: building the request as objects and stringifying it costs twice as much.
const keyPrefixes = new Map<string, string>()

/** `{"key":"…","value":{` for an attribute key (keys repeat endlessly: cached, bounded). */
function keyPrefix(key: string): string {
  let p = keyPrefixes.get(key)
  if (p === undefined) {
    p = `{"key":${JSON.stringify(key)},"value":{`
    if (keyPrefixes.size < 10_000) keyPrefixes.set(key, p)
  }
  return p
}

/** Attributes → the text of an OTLP/JSON KeyValue list (without the brackets). */
export function keyValues(attrs: Attributes): string {
  let out = ''
  for (const key in attrs) {
    const v = attrs[key]
    const value = typeof v === 'string' ? `"stringValue":${JSON.stringify(v)}`
      : typeof v === 'boolean' ? `"boolValue":${v}`
      : Number.isInteger(v) ? `"intValue":${v}`
      : Number.isFinite(v) ? `"doubleValue":${v}` : `"stringValue":"${v}"`
    out += out === '' ? `${keyPrefix(key)}${value}}}` : `,${keyPrefix(key)}${value}}}`
  }
  return out
}

/** Records → an OTLP/JSON `ExportLogsServiceRequest` body. */
export function encodeOtlpLogs(records: ShippedLog[], resource: Attributes, scope: { name: string; version?: string }): string {
  let logRecords = ''
  for (let i = 0; i < records.length; i++) {
    const r = records[i]
    let o = `{"timeUnixNano":"${r.timeUnixNano}","observedTimeUnixNano":"${r.timeUnixNano}","severityNumber":${r.severityNumber},"severityText":${JSON.stringify(r.severityText)},"body":{"stringValue":${JSON.stringify(r.body)}},"attributes":[${keyValues(r.attributes)}]`
    if (r.traceId !== undefined) o += `,"traceId":"${r.traceId}","spanId":"${r.spanId}","flags":${r.traceFlags ?? 1}`
    logRecords += i === 0 ? `${o}}` : `,${o}}`
  }
  return `{"resourceLogs":[{"resource":{"attributes":[${keyValues(resource)}]},"scopeLogs":[{"scope":${JSON.stringify(scope)},"logRecords":[${logRecords}]}]}]}`
}
