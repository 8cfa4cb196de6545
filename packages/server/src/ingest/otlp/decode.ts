import type { Config } from '../../config/schema.ts'
import type { LogRecord, SpanRecord } from '../../pipeline/record.ts'
import { nowUnixNano } from '../../pipeline/record.ts'
import { DecodeState, type DecodeResult } from './fields.ts'
import { parseOtlpJson } from './json-common.ts'
import { decodeLogsJson } from './json-logs.ts'
import { scanLogsJson } from './json-scan.ts'
import { decodeTracesJson } from './json-traces.ts'
import { decodeLogsProtobuf } from './proto-logs.ts'
import { decodeTracesProtobuf } from './proto-traces.ts'

/**
 *   request body (decompressed)
 *     ├─ application/x-protobuf → wire reader (wire.ts) → proto-logs / proto-traces ─┐
 *     ├─ application/json, logs → one-pass scan (json-scan.ts) ──────────────────────┤
 *     │      outside the scanned shape ↓                                            │
 *     └─ application/json       → JSON.parse → json-logs / json-traces ─────────────┤
 *                                                                                    ▼
 *          LogRecord[] / SpanRecord[] (attributes flattened, limits applied) + per-record rejections
 *
 * Undecodable input gives `{ ok: false, message }` (a 400 naming what is wrong), never an exception.
 */

export type OtlpFormat = 'protobuf' | 'json'

export interface DecodeOptions {
  limits: Config['limits']
  /** Observed time for records that carry none (ns since epoch); default: now. */
  nowNano?: string
}

export type { DecodeResult }

export function decodeLogs(format: OtlpFormat, body: Buffer, opts: DecodeOptions): DecodeResult<LogRecord> {
  const state = new DecodeState(opts.limits, opts.nowNano ?? nowUnixNano())
  if (body.length === 0) return { ok: true, records: [], rejected: 0 }
  if (format === 'protobuf') return decodeLogsProtobuf(body, state)
  const scanned = scanLogsJson(body, state)
  if (scanned !== undefined) return scanned
  const doc = parseOtlpJson(body)
  return doc.ok ? decodeLogsJson(doc.value, state) : doc
}

export function decodeTraces(format: OtlpFormat, body: Buffer, opts: DecodeOptions): DecodeResult<SpanRecord> {
  const state = new DecodeState(opts.limits, opts.nowNano ?? nowUnixNano())
  if (body.length === 0) return { ok: true, records: [], rejected: 0 }
  if (format === 'protobuf') return decodeTracesProtobuf(body, state)
  const doc = parseOtlpJson(body)
  return doc.ok ? decodeTracesJson(doc.value, state) : doc
}
