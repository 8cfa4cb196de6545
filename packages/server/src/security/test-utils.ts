import { attrs, type Attributes, type Batch, type LogRecord, type SpanRecord } from '../pipeline/record.ts'

/** Test helpers for the security stages: records and batches with sensible defaults. */

export function attributes(values: Record<string, string> = {}): Attributes {
  return Object.assign(attrs(), values)
}

export function logRecord(over: Partial<Omit<LogRecord, 'attributes' | 'resource'>> & { attributes?: Record<string, string>; resource?: Record<string, string> } = {}): LogRecord {
  return {
    timeUnixNano: '1700000000000000000',
    observedTimeUnixNano: '1700000000000000000',
    severityText: 'INFO',
    severityNumber: 9,
    serviceName: 'checkout',
    body: '',
    traceId: '',
    spanId: '',
    traceFlags: 0,
    eventName: '',
    scopeName: '',
    scopeVersion: '',
    ...over,
    attributes: attributes(over.attributes),
    resource: attributes(over.resource ?? { 'service.name': over.serviceName ?? 'checkout' }),
  }
}

export function spanRecord(over: Partial<SpanRecord> = {}): SpanRecord {
  return {
    timeUnixNano: '1700000000000000000',
    durationNano: '1000000',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    parentSpanId: '',
    traceState: '',
    name: 'POST /api/orders',
    kind: 'Server',
    serviceName: 'checkout',
    scopeName: '',
    scopeVersion: '',
    resource: attributes({ 'service.name': over.serviceName ?? 'checkout' }),
    attributes: attributes(),
    statusCode: 'Unset',
    statusMessage: '',
    events: [],
    links: [],
    ...over,
  }
}

export function batch(logs: LogRecord[] = [], spans: SpanRecord[] = []): Batch {
  return { id: 'test', source: 'test', logs, spans, rejected: 0 }
}
