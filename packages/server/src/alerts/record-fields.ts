import { FIELD_ALIASES } from '@beacon/query'
import type { BusinessKeys } from '../config/schema.ts'
import type { LogRecord, SpanRecord } from '../pipeline/record.ts'

/** A live record with its kind, as alert rules see it. */
export type LiveRecord = LogRecord | SpanRecord

/** Reads one field of a live record by the names people type in queries (`service`, `http.status`, `client.ip`, any attribute). */
export type FieldGetter = (record: LiveRecord) => string | undefined

/**
 * Builds a getter for a field name: built-in fields read the record's own properties, business keys
 * (order, user, http.status, http.route, event.action, client.ip) the first configured attribute
 * present, anything else the attribute, then the resource attribute, of that exact name.
 */
export function fieldGetter(name: string, target: 'logs' | 'spans', keys: BusinessKeys): FieldGetter {
  const canonical = FIELD_ALIASES[name.toLowerCase()]
  const fromKeys = (list: readonly string[]): FieldGetter => (r) => {
    for (const k of list) {
      const v = r.attributes[k] ?? r.resource[k]
      if (v !== undefined && v !== '') return v
    }
    return undefined
  }
  switch (canonical) {
    case 'service': return (r) => r.serviceName
    case 'level': return target === 'logs'
      ? (r) => (r as LogRecord).severityText
      : (r) => ((r as SpanRecord).statusCode === 'Error' ? 'ERROR' : 'INFO')
    case 'trace': return (r) => r.traceId || undefined
    case 'span.id': return (r) => r.spanId || undefined
    case 'body': return target === 'logs' ? (r) => (r as LogRecord).body : (r) => (r as SpanRecord).name
    case 'name': return (r) => (r as SpanRecord).name
    case 'duration': return (r) => ('durationNano' in r ? String(Number(r.durationNano) / 1e6) : undefined)
    case 'span.kind': return (r) => (r as SpanRecord).kind
    case 'span.status': return (r) => (r as SpanRecord).statusCode
    case 'parent.id': return (r) => (r as SpanRecord).parentSpanId || undefined
    case 'order': return fromKeys(keys.orderId)
    case 'user': return fromKeys(keys.userId)
    case 'http.status': return fromKeys(keys.httpStatus)
    case 'http.route': return fromKeys(keys.httpRoute)
    case 'event.action': return fromKeys(keys.eventAction)
    case 'client.ip': return fromKeys(keys.clientIp)
    default: return (r) => r.attributes[name] ?? r.resource[name]
  }
}

/** Record time in ms since epoch. */
export function recordTimeMs(r: LiveRecord): number {
  const ns = r.timeUnixNano
  return ns.length > 6 ? Number(ns.slice(0, -6)) : 0
}
