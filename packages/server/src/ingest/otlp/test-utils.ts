/**
 * Shared helpers for the OTLP receiver's tests and benchmark: real OpenTelemetry SDK records,
 * serialized by the official exporters' serializers, and a small protobuf writer for hand-made
 * (including malformed) payloads.
 */
import { context, trace, TraceFlags, SpanKind, SpanStatusCode, type Attributes as OtelAttributes } from '@opentelemetry/api'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { limitsSchema, type Config } from '../../config/schema.ts'
import type { OtlpFormat } from './decode.ts'

export const DEFAULT_LIMITS: Config['limits'] = limitsSchema.parse({})

export function limits(overrides: Partial<Config['limits']> = {}): Config['limits'] {
  return { ...DEFAULT_LIMITS, ...overrides }
}

export interface LogSpec {
  body?: unknown
  severityNumber?: number
  severityText?: string
  /** Attribute values as the logs API takes them (AnyValue: also arrays, maps, bytes). */
  attributes?: Record<string, unknown>
  eventName?: string
  traceId?: string
  spanId?: string
  /** ms since epoch */
  timestamp?: number
}

const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua '

/** A realistic log (≈300-byte body, HTTP/business attributes, trace context), deterministic by index. */
export function realisticLog(i: number): LogSpec {
  const order = `ORD-${100000 + ((i * 7919) % 2_000_000)}`
  const user = `u-${(i * 104729) % 50000}`
  const status = i % 31 === 0 ? 500 : 200
  return {
    body: `GET /orders/${order} ${status} in ${(i % 300) + 0.5} ms for user ${user} — order payment invoice ${FILLER}${FILLER}`.slice(0, 300),
    severityNumber: status >= 500 ? 17 : 9,
    severityText: status >= 500 ? 'ERROR' : 'INFO',
    attributes: {
      'order.id': order, 'user.id': user, 'http.request.method': 'GET', 'http.route': '/orders/:id',
      'http.response.status_code': status, 'client.address': `10.0.${i % 255}.${(i * 3) % 255}`,
    },
    traceId: (i.toString(16).padStart(8, '0') + 'abcdef0123456789abcdef01').slice(0, 32),
    spanId: ((i + 1).toString(16).padStart(8, '0') + '01234567').slice(0, 16),
  }
}

/** Real SDK log records (ReadableLogRecord), as an application's LoggerProvider produces them. */
export async function sdkLogs(specs: LogSpec[], service = 'shop-api', resourceAttributes: OtelAttributes = {}): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.name': 'node-1', ...resourceAttributes }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
    logRecordLimits: { attributeCountLimit: 100_000 },
  })
  const logger = provider.getLogger('beacon-test', '1.2.3')
  for (const s of specs) {
    const ctx = s.traceId
      ? trace.setSpanContext(context.active(), { traceId: s.traceId, spanId: s.spanId ?? '0123456789abcdef', traceFlags: TraceFlags.SAMPLED })
      : undefined
    logger.emit({
      body: s.body as never, severityNumber: s.severityNumber, severityText: s.severityText, attributes: s.attributes as never,
      eventName: s.eventName, timestamp: s.timestamp, context: ctx,
    })
  }
  await provider.forceFlush()
  const records = exporter.getFinishedLogRecords()
  await provider.shutdown()
  return records
}

/** Real SDK spans: a server span with a client child, an event and a link. */
export async function sdkSpans(count: number, service = 'shop-api'): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const tracer = provider.getTracer('beacon-test', '1.2.3')
  const t0 = Date.now()
  for (let i = 0; i < count; i += 2) {
    const root = tracer.startSpan('GET /orders/:id', {
      kind: SpanKind.SERVER, startTime: t0 - 50,
      attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'order.id': `ORD-${i}`, 'http.response.status_code': 200 },
    })
    const ctx = trace.setSpan(context.active(), root)
    const child = tracer.startSpan('SELECT orders', {
      kind: SpanKind.CLIENT, startTime: t0 - 40, attributes: { 'db.system': 'postgresql' },
      links: [{ context: root.spanContext(), attributes: { 'link.kind': 'self' } }],
    }, ctx)
    child.addEvent('rows fetched', { rows: 3 }, t0 - 35)
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' })
    child.end(t0 - 30)
    root.end(t0)
  }
  await provider.forceFlush()
  const spans = exporter.getFinishedSpans()
  await provider.shutdown()
  return spans
}

export function serializeLogs(format: OtlpFormat, records: ReadableLogRecord[]): Buffer {
  const bytes = format === 'json' ? JsonLogsSerializer.serializeRequest(records) : ProtobufLogsSerializer.serializeRequest(records)
  return Buffer.from(bytes!)
}

export function serializeSpans(format: OtlpFormat, spans: ReadableSpan[]): Buffer {
  const bytes = format === 'json' ? JsonTraceSerializer.serializeRequest(spans) : ProtobufTraceSerializer.serializeRequest(spans)
  return Buffer.from(bytes!)
}

/** A tiny protobuf writer for hand-made payloads: `pb.msg(1, pb.str(1, 'x'))`. */
export const pb = {
  varint(n: number | bigint): Buffer {
    let v = BigInt.asUintN(64, BigInt(n))
    const out: number[] = []
    while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n }
    out.push(Number(v))
    return Buffer.from(out)
  },
  tag(field: number, wire: number): Buffer { return pb.varint(field * 8 + wire) },
  bytes(field: number, b: Buffer | Uint8Array): Buffer { return Buffer.concat([pb.tag(field, 2), pb.varint(b.length), b]) },
  str(field: number, s: string): Buffer { return pb.bytes(field, Buffer.from(s, 'utf8')) },
  msg(field: number, ...parts: Buffer[]): Buffer { return pb.bytes(field, Buffer.concat(parts)) },
  int(field: number, n: number | bigint): Buffer { return Buffer.concat([pb.tag(field, 0), pb.varint(n)]) },
  fixed64(field: number, n: bigint): Buffer { const b = Buffer.alloc(8); b.writeBigUInt64LE(n); return Buffer.concat([pb.tag(field, 1), b]) },
  double(field: number, n: number): Buffer { const b = Buffer.alloc(8); b.writeDoubleLE(n); return Buffer.concat([pb.tag(field, 1), b]) },
  /** KeyValue { key = 1; value = 2 (AnyValue) } */
  kv(field: number, key: string, anyValue: Buffer): Buffer { return pb.msg(field, pb.str(1, key), pb.msg(2, anyValue)) },
  /** A logs request with one resource, one scope and the given LogRecord bodies (field contents). */
  logsRequest(resourceAttrs: Buffer[], ...records: Buffer[]): Buffer {
    return pb.msg(1, pb.msg(1, ...resourceAttrs), pb.msg(2, pb.msg(1, pb.str(1, 'scope'), pb.str(2, '9')), ...records.map((r) => pb.msg(2, r))))
  },
}
