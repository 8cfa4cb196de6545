import type { GenRecord } from './generate.ts'

/**
 * Minimal protobuf writer for OTLP ExportLogsServiceRequest (opentelemetry-proto
 * logs/v1/logs.proto), enough for the benchmark's load generator. Field numbers:
 * Request.resource_logs=1; ResourceLogs.resource=1, scope_logs=2; Resource.attributes=1;
 * ScopeLogs.scope=1, log_records=2; Scope.name=1; LogRecord.time_unix_nano=1 (fixed64),
 * severity_number=2, severity_text=3, body=5, attributes=6, trace_id=9, span_id=10;
 * KeyValue.key=1, value=2; AnyValue.string_value=1.
 */
class Writer {
  private parts: Buffer[] = []
  private len = 0
  raw(b: Buffer): this { this.parts.push(b); this.len += b.length; return this }
  varint(n: number): this {
    const bytes: number[] = []
    while (n > 127) { bytes.push((n & 127) | 128); n = Math.floor(n / 128) }
    bytes.push(n)
    return this.raw(Buffer.from(bytes))
  }
  tag(field: number, wire: number): this { return this.varint(field * 8 + wire) }
  bytes(field: number, b: Buffer): this { return this.tag(field, 2).varint(b.length).raw(b) }
  string(field: number, s: string): this { return this.bytes(field, Buffer.from(s, 'utf8')) }
  message(field: number, w: Writer): this { return this.bytes(field, w.finish()) }
  fixed64(field: number, decimal: string): this {
    const b = Buffer.allocUnsafe(8)
    b.writeBigUInt64LE(BigInt(decimal))
    return this.tag(field, 1).raw(b)
  }
  uint(field: number, n: number): this { return this.tag(field, 0).varint(n) }
  finish(): Buffer { return Buffer.concat(this.parts, this.len) }
}

const kv = (k: string, v: string): Writer => new Writer().string(1, k).message(2, new Writer().string(1, v))

export function protobufBatch(records: GenRecord[]): Buffer {
  const byService = new Map<string, GenRecord[]>()
  for (const r of records) { const l = byService.get(r.service); if (l) l.push(r); else byService.set(r.service, [r]) }
  const req = new Writer()
  for (const [service, recs] of byService) {
    const scope = new Writer().message(1, new Writer().string(1, 'bench'))
    for (const r of recs) {
      const lr = new Writer().fixed64(1, r.tsNs).uint(2, r.sev).string(3, r.level).message(5, new Writer().string(1, r.body))
      for (const [k, v] of r.attrs) lr.message(6, kv(k, v))
      lr.bytes(9, Buffer.from(r.traceId, 'hex')).bytes(10, Buffer.from(r.spanId, 'hex'))
      scope.message(2, lr)
    }
    const resource = new Writer().message(1, kv('service.name', service)).message(1, kv('host.name', `node-${service}-1`))
    req.message(1, new Writer().message(1, resource).message(2, scope))
  }
  return req.finish()
}
