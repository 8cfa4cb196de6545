import type { OtlpFormat } from './decode.ts'

/**
 * OTLP/HTTP response bodies (https://opentelemetry.io/docs/specs/otlp/#otlphttp-response), in the
 * request's encoding:
 *   success: Export{Logs,Trace,Metrics}ServiceResponse { partial_success = 1 { rejected_* = 1 (int64);
 *            string error_message = 2 } }
 *   failure: google.rpc.Status { int32 code = 1; string message = 2 }
 */

export type OtlpSignal = 'logs' | 'traces' | 'metrics'

export const CONTENT_TYPES: Record<OtlpFormat, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
}

/** The partial_success counter's JSON name per signal. */
const REJECTED_FIELD: Record<OtlpSignal, string> = {
  logs: 'rejectedLogRecords',
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
}

/** An Export*ServiceResponse; without rejections or message it is the empty message. */
export function exportResponse(format: OtlpFormat, signal: OtlpSignal, rejected: number, errorMessage = ''): Buffer | string {
  const partial = rejected > 0 || errorMessage !== ''
  if (format === 'json') {
    if (!partial) return '{}'
    // proto3 JSON writes int64 as a string.
    const body: Record<string, string> = {}
    if (rejected > 0) body[REJECTED_FIELD[signal]] = String(rejected)
    if (errorMessage !== '') body.errorMessage = errorMessage
    return JSON.stringify({ partialSuccess: body })
  }
  if (!partial) return Buffer.alloc(0)
  const inner = new ProtoWriter()
  if (rejected > 0) inner.varintField(1, rejected)
  if (errorMessage !== '') inner.stringField(2, errorMessage)
  const out = new ProtoWriter()
  out.bytesField(1, inner.finish())
  return out.finish()
}

/** google.rpc.Code for an HTTP status (https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto). */
export function rpcCode(httpStatus: number): number {
  switch (httpStatus) {
    case 400: case 413: case 415: return 3 // INVALID_ARGUMENT
    case 401: return 16 // UNAUTHENTICATED
    case 403: return 7 // PERMISSION_DENIED
    case 404: case 405: return 5 // NOT_FOUND
    case 429: return 8 // RESOURCE_EXHAUSTED
    case 503: return 14 // UNAVAILABLE
    default: return 13 // INTERNAL
  }
}

/** A google.rpc.Status for an HTTP error status. */
export function statusBody(format: OtlpFormat, httpStatus: number, message: string): Buffer | string {
  const code = rpcCode(httpStatus)
  if (format === 'json') return JSON.stringify({ code, message })
  const w = new ProtoWriter()
  w.varintField(1, code)
  w.stringField(2, message)
  return w.finish()
}

/** Just enough of a protobuf writer for the small response messages (also gRPC status details). */
export class ProtoWriter {
  private readonly parts: Buffer[] = []

  varintField(field: number, value: number): void {
    this.parts.push(varint((field << 3) | 0), varint(value))
  }

  stringField(field: number, value: string): void {
    this.bytesField(field, Buffer.from(value, 'utf8'))
  }

  bytesField(field: number, value: Buffer): void {
    this.parts.push(varint((field << 3) | 2), varint(value.length), value)
  }

  finish(): Buffer {
    return Buffer.concat(this.parts)
  }
}

function varint(n: number): Buffer {
  const bytes: number[] = []
  let v = n
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  bytes.push(v)
  return Buffer.from(bytes)
}
