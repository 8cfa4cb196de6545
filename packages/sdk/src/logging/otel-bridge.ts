/**
 * Turns one pino log call into one OpenTelemetry log record, without serializing or parsing JSON.
 *
 *   logger.info(obj, msg, ...args) ─▶ pino hooks.logMethod ─▶ toLogRecord() ─▶ logs API emit()
 *                                          └─▶ pino's own write to stdout
 *
 * The record takes the active context (so trace and span ids come from the active span), the
 * logger's bindings (cached per logger), the call's object flattened to dotted attributes, and
 * the business keys carried in baggage (order.id, user.id).
 */
import { format } from 'node:util'
import { SeverityNumber, type LogAttributes, type LogRecord } from '@opentelemetry/api-logs'
import { redactString } from '../redact/redact.ts'
import { currentBusinessKeys, ORDER_ID, USER_ID } from '../telemetry/business-keys.ts'

/** Longest string value kept in an attribute; longer ones are cut with a marker. */
export const MAX_ATTRIBUTE_LENGTH = 8192
const MAX_DEPTH = 4
const OMITTED_BINDINGS = new Set(['service', 'pid', 'hostname'])

export interface Severity {
  number: SeverityNumber
  text: string
}

const SEVERITIES: [number, Severity][] = [
  [60, { number: SeverityNumber.FATAL, text: 'FATAL' }],
  [50, { number: SeverityNumber.ERROR, text: 'ERROR' }],
  [40, { number: SeverityNumber.WARN, text: 'WARN' }],
  [30, { number: SeverityNumber.INFO, text: 'INFO' }],
  [20, { number: SeverityNumber.DEBUG, text: 'DEBUG' }],
  [0, { number: SeverityNumber.TRACE, text: 'TRACE' }],
]

/** pino level number → OpenTelemetry severity (custom levels fall into the band below them). */
export function severityOf(level: number): Severity {
  for (const [min, s] of SEVERITIES) if (level >= min) return s
  return SEVERITIES[SEVERITIES.length - 1][1]
}

function truncate(s: string): string {
  return s.length > MAX_ATTRIBUTE_LENGTH ? `${s.slice(0, MAX_ATTRIBUTE_LENGTH)}…[truncated ${s.length - MAX_ATTRIBUTE_LENGTH} chars]` : s
}

/** OpenTelemetry semantic-convention exception attributes for an error. */
export function exceptionAttributes(err: Error, out: LogAttributes = {}): LogAttributes {
  out['exception.type'] = err.name || err.constructor?.name || 'Error'
  out['exception.message'] = redactString(truncate(String(err.message)))
  if (err.stack) out['exception.stacktrace'] = redactString(truncate(err.stack))
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') out['error.code'] = code
  return out
}

/** Flattens an object into dotted attribute keys (depth-limited; strings truncated). */
export function flattenInto(obj: Record<string, unknown>, prefix: string, out: LogAttributes, depth = MAX_DEPTH): LogAttributes {
  for (const key in obj) {
    const v = obj[key]
    if (v === undefined || v === null || typeof v === 'function' || typeof v === 'symbol') continue
    const k = prefix === '' ? key : `${prefix}.${key}`
    switch (typeof v) {
      case 'string': out[k] = truncate(v); break
      case 'number': case 'boolean': out[k] = v; break
      case 'bigint': out[k] = v.toString(); break
      default:
        if (v instanceof Error) {
          if (key === 'err' || key === 'error') exceptionAttributes(v, out)
          else out[`${k}.message`] = redactString(v.message)
        } else if (v instanceof Date) out[k] = v.toISOString()
        else if (Buffer.isBuffer(v)) out[k] = `<Buffer ${v.length} bytes>`
        else if (Array.isArray(v)) out[k] = truncate(safeJson(v))
        else if (depth > 0) flattenInto(v as Record<string, unknown>, k, out, depth - 1)
        else out[k] = truncate(safeJson(v))
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

const bindingsCache = new WeakMap<object, LogAttributes>()

interface WithBindings { bindings(): Record<string, unknown> }

function bindingsOf(logger: WithBindings): LogAttributes {
  let attrs = bindingsCache.get(logger)
  if (attrs === undefined) {
    attrs = {}
    const b = logger.bindings()
    for (const key in b) if (!OMITTED_BINDINGS.has(key)) flattenInto({ [key]: b[key] }, '', attrs)
    bindingsCache.set(logger, attrs)
  }
  return attrs
}

/**
 * Builds the OpenTelemetry log record for a pino call's arguments (already redacted).
 * Returns undefined for nothing to log.
 */
export function toLogRecord(logger: WithBindings, args: unknown[], level: number, messageKey = 'msg'): LogRecord {
  const severity = severityOf(level)
  const attributes: LogAttributes = { ...bindingsOf(logger) }
  let body: string
  const first = args[0]
  if (first instanceof Error) {
    exceptionAttributes(first, attributes)
    body = args.length > 1 ? formatMessage(args, 1) : first.message
  } else if (first !== null && typeof first === 'object') {
    flattenInto(first as Record<string, unknown>, '', attributes)
    const inner = (first as Record<string, unknown>)[messageKey]
    if (inner !== undefined) delete attributes[messageKey]
    body = args.length > 1 ? formatMessage(args, 1) : typeof inner === 'string' ? inner : ''
    if (body === '' && (first as { err?: unknown }).err instanceof Error) body = ((first as { err: Error }).err).message
  } else {
    body = formatMessage(args, 0)
  }
  if (attributes[ORDER_ID] === undefined || attributes[USER_ID] === undefined) {
    const keys = currentBusinessKeys()
    if (keys.orderId !== undefined && attributes[ORDER_ID] === undefined) attributes[ORDER_ID] = keys.orderId
    if (keys.userId !== undefined && attributes[USER_ID] === undefined) attributes[USER_ID] = keys.userId
  }
  return { severityNumber: severity.number, severityText: severity.text, body, attributes }
}

function formatMessage(args: unknown[], from: number): string {
  if (args.length === from + 1) return typeof args[from] === 'string' ? (args[from] as string) : String(args[from])
  return format(...args.slice(from))
}
