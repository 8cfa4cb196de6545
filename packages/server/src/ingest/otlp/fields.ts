import type { Config } from '../../config/schema.ts'
import type { Attributes, SpanKind, SpanStatus } from '../../pipeline/record.ts'
import { AttributeSink, truncateUtf8 } from './attributes.ts'

/** What a decoder returns: records plus per-record rejections, or why the payload is undecodable. */
export type DecodeResult<T> =
  | { ok: true; records: T[]; rejected: number; rejectionMessage?: string }
  | { ok: false; message: string }

/** Per-request decoding state shared by the protobuf and JSON decoders. */
export class DecodeState {
  readonly sink: AttributeSink
  /** For span events and links, read in the middle of a span's own attributes. */
  readonly nestedSink: AttributeSink
  /** Fallback observed time: when the request arrived (one clock read per request). */
  readonly nowNano: string
  rejected = 0
  private firstReason = ''

  constructor(limits: Config['limits'], nowNano: string) {
    this.sink = new AttributeSink(limits)
    this.nestedSink = new AttributeSink(limits)
    this.nowNano = nowNano
  }

  /** Counts one record as rejected (OTLP partial success); the first reason is reported. */
  reject(reason: string): void {
    if (this.rejected++ === 0) this.firstReason = reason
  }

  result<T>(records: T[], noun: string): DecodeResult<T> {
    if (this.rejected === 0) return { ok: true, records, rejected: 0 }
    const n = this.rejected
    const message = `${n} ${noun}${n === 1 ? '' : 's'} rejected: ${this.firstReason}${n > 1 ? ' (first of these errors)' : ''}`
    return { ok: true, records, rejected: n, rejectionMessage: message }
  }
}

// Enums by their OTLP number (trace.proto Span.SpanKind, Status.StatusCode).
const SPAN_KINDS: readonly SpanKind[] = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer']
const STATUS_CODES: readonly SpanStatus[] = ['Unset', 'Ok', 'Error']

export function spanKind(n: number): SpanKind {
  return SPAN_KINDS[n] ?? 'Unspecified'
}

export function statusCode(n: number): SpanStatus {
  return STATUS_CODES[n] ?? 'Unset'
}

const ZERO_TRACE_ID = '0'.repeat(32)
const ZERO_SPAN_ID = '0'.repeat(16)

/** An all-zero id means "no id" (OTLP: invalid / absent). */
export function isZeroId(hex: string): boolean {
  return hex === ZERO_TRACE_ID || hex === ZERO_SPAN_ID
}

/** Keeps a malformed log id's text as attribute `key` and returns '' (no id). */
export function invalidId(attributes: Attributes, key: string, text: string, maxBytes: number): string {
  attributes[key] = truncateUtf8(text, maxBytes)
  return ''
}

/**
 * end − start for ns-since-epoch decimal strings, as a decimal string, never negative
 * (an end before the start, or no end, gives 0).
 */
export function durationNano(start: string, end: string): string {
  const n = end.length
  if (n <= 15 && start.length <= 15) {
    const d = Number(end) - Number(start)
    return d > 0 ? String(d) : '0'
  }
  // Same length and same leading digits (the common case: both near now): subtract the tails.
  if (start.length === n && end.slice(0, n - 15) === start.slice(0, n - 15)) {
    const d = Number(end.slice(n - 15)) - Number(start.slice(n - 15))
    return d > 0 ? String(d) : '0'
  }
  const d = BigInt(end) - BigInt(start)
  return d > 0n ? d.toString() : '0'
}
