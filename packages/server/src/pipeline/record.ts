/**
 * The normalized records every receiver produces and every stage transforms.
 *
 * Close to the OpenTelemetry data model (DESIGN §4). Attributes are flattened to dotted keys with
 * string values (`{ 'http.request.method': 'GET', 'order.id': 'A-1' }`); nested objects and arrays
 * from JSON or ECS documents are flattened by the receiver (`a.b.c`, arrays as JSON text).
 * Attribute maps are created with `Object.create(null)` (see `attrs()`), so `__proto__` and
 * `constructor` are plain keys, never prototype pollution.
 *
 * Timestamps are decimal strings of nanoseconds since the Unix epoch ("1700000000123456789"):
 * exact (no float rounding), cheap to produce from OTLP JSON and to encode for ClickHouse.
 */

export type Attributes = Record<string, string>

export const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const
export type Severity = (typeof SEVERITIES)[number]

export interface LogRecord {
  /** Event time, ns since epoch as a decimal string. */
  timeUnixNano: string
  /** When a receiver first saw it, ns since epoch. */
  observedTimeUnixNano: string
  /** One of SEVERITIES after the normalize stage; receivers may set the source's own text. */
  severityText: string
  /** OpenTelemetry severity number (1..24); 0 = unspecified. */
  severityNumber: number
  serviceName: string
  body: string
  /** 32 lowercase hex chars, or '' when absent. */
  traceId: string
  /** 16 lowercase hex chars, or '' when absent. */
  spanId: string
  traceFlags: number
  /** OpenTelemetry event name (`event.name`), '' when absent. */
  eventName: string
  scopeName: string
  scopeVersion: string
  resource: Attributes
  attributes: Attributes
}

export interface SpanEvent {
  timeUnixNano: string
  name: string
  attributes: Attributes
}

export interface SpanLink {
  traceId: string
  spanId: string
  traceState: string
  attributes: Attributes
}

export type SpanKind = 'Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer'
export type SpanStatus = 'Unset' | 'Ok' | 'Error'

export interface SpanRecord {
  /** Start time, ns since epoch. */
  timeUnixNano: string
  /** Duration in ns (decimal string; end - start). */
  durationNano: string
  traceId: string
  spanId: string
  parentSpanId: string
  traceState: string
  name: string
  kind: SpanKind
  serviceName: string
  scopeName: string
  scopeVersion: string
  resource: Attributes
  attributes: Attributes
  statusCode: SpanStatus
  statusMessage: string
  events: SpanEvent[]
  links: SpanLink[]
}

/**
 * What a receiver hands to the pipeline: the records of one request.
 * `id` identifies the request's content, so a replayed request is recognised and not stored twice.
 */
export interface Batch {
  id: string
  /** Which receiver produced it: 'otlp' | 'elastic' | … */
  source: string
  logs: LogRecord[]
  spans: SpanRecord[]
  /** Who sent it, when known (ingest key id / bound service); set by the receiver's auth. */
  principal?: { keyId?: string; service?: string }
  /** Records a stage dropped, with the reason (counted into OTLP partial_success / ES item errors). */
  rejected: number
  rejectionMessage?: string
}

/** An empty, frozen, prototype-less object: the prototype of every attribute map. */
const NO_KEYS: object = Object.freeze(Object.create(null))

/**
 * A fresh attribute map whose prototype has no keys (so `__proto__` and `constructor` are
 * ordinary keys). Inheriting from a shared empty object is several times cheaper for V8 to fill
 * than `Object.create(null)` dictionaries.
 */
export function attrs(): Attributes {
  return Object.create(NO_KEYS) as Attributes
}

/** Now as ns-since-epoch decimal string. */
export function nowUnixNano(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString()
}
