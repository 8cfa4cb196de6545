import type { Stage } from '../pipeline.ts'
import type { Batch, LogRecord } from '../record.ts'
import { nowUnixNano } from '../record.ts'

/**
 * Canonical severities, valid ids, sane timestamps and a service name on every record, so that
 * every later stage, the encoder and the queries can rely on them.
 */

/** The service name of records whose sender named none (OpenTelemetry's convention). Its one home. */
export const UNKNOWN_SERVICE = 'unknown_service'

/** `unknown_service` or OpenTelemetry SDKs' `unknown_service:<process>`. */
export function isUnknownService(name: string): boolean {
  return name === UNKNOWN_SERVICE || name.startsWith(`${UNKNOWN_SERVICE}:`)
}

const SEVERITY_ALIASES: Record<string, [string, number]> = {
  trace: ['TRACE', 1], finest: ['TRACE', 1], verbose: ['TRACE', 1],
  debug: ['DEBUG', 5], fine: ['DEBUG', 5], dbg: ['DEBUG', 5],
  info: ['INFO', 9], information: ['INFO', 9], informational: ['INFO', 9], notice: ['INFO', 10], log: ['INFO', 9], default: ['INFO', 9],
  warn: ['WARN', 13], warning: ['WARN', 13],
  error: ['ERROR', 17], err: ['ERROR', 17], severe: ['ERROR', 17],
  fatal: ['FATAL', 21], critical: ['FATAL', 21], crit: ['FATAL', 21], alert: ['FATAL', 22], emerg: ['FATAL', 23], emergency: ['FATAL', 23], panic: ['FATAL', 23],
}
/** pino's numeric levels, sent as text by some shippers. */
const PINO_LEVELS: Record<string, string> = { '10': 'trace', '20': 'debug', '30': 'info', '40': 'warn', '50': 'error', '60': 'fatal' }
/** Syslog severities 0–7. */
const SYSLOG_LEVELS = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug']
const BY_NUMBER = ['TRACE', 'TRACE', 'TRACE', 'TRACE', 'DEBUG', 'DEBUG', 'DEBUG', 'DEBUG', 'INFO', 'INFO', 'INFO', 'INFO', 'WARN', 'WARN', 'WARN', 'WARN', 'ERROR', 'ERROR', 'ERROR', 'ERROR', 'FATAL', 'FATAL', 'FATAL', 'FATAL']

const HEX32 = /^[0-9a-f]{32}$/
const HEX16 = /^[0-9a-f]{16}$/
const ZERO32 = '0'.repeat(32)
const ZERO16 = '0'.repeat(16)
const DIGITS = /^\d{1,22}$/

/** Canonical [text, number] for a log's severity text and number. */
export function canonicalSeverity(text: string, num: number): [string, number] {
  if (num >= 1 && num <= 24) {
    const canon = BY_NUMBER[num - 1]
    return [canon, num]
  }
  const t = text.trim().toLowerCase()
  if (t === '') return ['INFO', 9]
  const alias = SEVERITY_ALIASES[t] ?? SEVERITY_ALIASES[PINO_LEVELS[t] ?? ''] ?? SEVERITY_ALIASES[SYSLOG_LEVELS[Number(t)] ?? '']
  if (alias) return alias
  // e.g. "WARNING:", "Error", "E" → first matching prefix
  for (const key of ['fatal', 'crit', 'error', 'err', 'warn', 'info', 'debug', 'trace']) if (t.startsWith(key)) return SEVERITY_ALIASES[key]
  return ['INFO', 9]
}

function normalizeId(id: string, re: RegExp, zero: string): string {
  if (id === '') return id
  const lower = id.length === zero.length ? id.toLowerCase() : id
  return re.test(lower) && lower !== zero ? lower : ''
}

/** Keeps times in a range ClickHouse's DateTime64(9) holds (1970–2262); otherwise uses `fallback`. */
function sanitizeTime(t: string, fallback: string): string {
  return DIGITS.test(t) && t.length <= 19 && t !== '0' ? t : fallback
}

/** Records whose source gave no severity at all (the classify stage may derive one). */
export const unspecifiedSeverity = new WeakSet<LogRecord>()

function normalizeLog(r: LogRecord, now: string): void {
  if (r.severityNumber === 0 && r.severityText.trim() === '') unspecifiedSeverity.add(r)
  const [text, num] = canonicalSeverity(r.severityText, r.severityNumber)
  if (r.severityText !== text && r.severityText !== '') r.attributes['log.original_level'] ??= r.severityText
  r.severityText = text
  r.severityNumber = num
  r.observedTimeUnixNano = sanitizeTime(r.observedTimeUnixNano, now)
  r.timeUnixNano = sanitizeTime(r.timeUnixNano, r.observedTimeUnixNano)
  const tid = normalizeId(r.traceId, HEX32, ZERO32)
  if (tid === '' && r.traceId !== '') r.attributes['trace.id.invalid'] = r.traceId
  r.traceId = tid
  r.spanId = normalizeId(r.spanId, HEX16, ZERO16)
  if (r.serviceName === '') r.serviceName = UNKNOWN_SERVICE
}

export function createNormalizeStage(): Stage {
  return {
    name: 'normalize',
    process(batch: Batch) {
      const now = nowUnixNano()
      for (const r of batch.logs) normalizeLog(r, now)
      let kept = 0
      for (const s of batch.spans) {
        s.traceId = normalizeId(s.traceId, HEX32, ZERO32)
        s.spanId = normalizeId(s.spanId, HEX16, ZERO16)
        // A span without valid ids cannot be placed in any trace: reject it (counted in partial success).
        if (s.traceId === '' || s.spanId === '') { batch.rejected++; batch.rejectionMessage ??= 'span without a valid trace id or span id'; continue }
        s.parentSpanId = normalizeId(s.parentSpanId, HEX16, ZERO16)
        s.timeUnixNano = sanitizeTime(s.timeUnixNano, now)
        if (!DIGITS.test(s.durationNano)) s.durationNano = '0'
        if (s.serviceName === '') s.serviceName = UNKNOWN_SERVICE
        for (const e of s.events) e.timeUnixNano = sanitizeTime(e.timeUnixNano, s.timeUnixNano)
        for (const l of s.links) { l.traceId = normalizeId(l.traceId, HEX32, ZERO32); l.spanId = normalizeId(l.spanId, HEX16, ZERO16) }
        batch.spans[kept++] = s
      }
      batch.spans.length = kept
    },
  }
}
