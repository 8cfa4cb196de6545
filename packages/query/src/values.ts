/**
 * Interpreting typed values: numbers, durations, levels, LIKE patterns, and the tokens that
 * ClickHouse's `splitByNonAlpha` tokenizer would see.
 */

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** A finite number written in decimal (`500`, `-1.5`, `2e3`), or null. */
export function parseNumber(text: string): number | null {
  if (!NUMBER.test(text)) return null
  const n = Number(text)
  return Number.isFinite(n) ? n : null
}

const DURATION = /^(\d+\.?\d*|\.\d+)\s*(ns|us|µs|ms|s|m|h)?$/i
const NS_PER: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }

/** A duration in whole nanoseconds from `500` (ms), `250ms`, `1.5s`, `2m`…; null if not one or too large to be exact. */
export function parseDurationNs(text: string): number | null {
  const m = DURATION.exec(text.trim())
  if (!m) return null
  const ns = Math.round(Number(m[1]) * NS_PER[(m[2] ?? 'ms').toLowerCase()])
  return Number.isSafeInteger(ns) ? ns : null
}

/** Canonical levels with their OpenTelemetry severity-number ranges. */
export const LEVELS = [
  { name: 'TRACE', min: 1, max: 4 },
  { name: 'DEBUG', min: 5, max: 8 },
  { name: 'INFO', min: 9, max: 12 },
  { name: 'WARN', min: 13, max: 16 },
  { name: 'ERROR', min: 17, max: 20 },
  { name: 'FATAL', min: 21, max: 24 },
] as const

const LEVEL_ALIASES: Record<string, string> = {
  trace: 'TRACE', debug: 'DEBUG', info: 'INFO', information: 'INFO',
  warn: 'WARN', warning: 'WARN', error: 'ERROR', err: 'ERROR', fatal: 'FATAL', critical: 'FATAL', crit: 'FATAL',
}

/** A level as typed: a name (any case, common aliases) → its range; a severity number 1–24 → itself. */
export interface LevelValue { name: string | null; min: number; max: number }

export function parseLevel(text: string): LevelValue | null {
  const alias = LEVEL_ALIASES[text.trim().toLowerCase()]
  if (alias) {
    const l = LEVELS.find((x) => x.name === alias)!
    return { name: l.name, min: l.min, max: l.max }
  }
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text)
    if (n >= 1 && n <= 24) return { name: null, min: n, max: n }
  }
  return null
}

export const LEVEL_HINT = 'a level (trace, debug, info, warn, error, fatal) or a severity number 1–24'

/** Escapes LIKE's special characters so the text matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** LIKE pattern from wildcard parts (`['shop-', '']` → `shop-%`); `contains` adds `%` at both ends. */
export function likePattern(parts: readonly string[], contains = false): string {
  if (!contains) return parts.map(escapeLike).join('%')
  const inner = parts.slice(parts[0] === '' ? 1 : 0, parts[parts.length - 1] === '' ? -1 : undefined)
  return `%${inner.map(escapeLike).join('%')}%`
}

/**
 * The tokens of a text as the `splitByNonAlpha` tokenizer makes them: runs of ASCII letters and
 * digits and non-ASCII characters (UTF-8 bytes ≥ 0x80 are never separators), split at every other
 * ASCII character.
 */
export function textTokens(text: string): string[] {
  return text.split(/[^A-Za-z0-9\u0080-\uFFFF]+/).filter((t) => t !== '')
}

const NS_PER_MS = 1_000_000n
const RELATIVE = /^now(?:([+-])(\d{1,6})(s|m|h|d|w))?$/
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i

/**
 * A time as typed, as the span of time it names, in ns since the epoch [start, end): a date is its
 * whole day, `10:00` its minute, `10:00:05` its second, `10:00:05.123` its millisecond; `now-15m`
 * its millisecond. Without a zone, UTC. Null when it is not a time.
 *
 * @example
 * parseTimeValue('2026-11-29', Date.now()) // { start: 1795910400000000000n, end: 1795996800000000000n }
 */
export function parseTimeValue(text: string, nowMs: number): { start: bigint; end: bigint } | null {
  const t = text.trim()
  const rel = RELATIVE.exec(t)
  if (rel) {
    const ms = nowMs + (rel[1] ? (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNIT_MS[rel[3]] : 0)
    const start = BigInt(Math.floor(ms)) * NS_PER_MS
    return { start, end: start + NS_PER_MS }
  }
  const d = DATE.exec(t)
  if (d) {
    const ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]))
    if (!validDate(ms, d[1], d[2], d[3])) return null
    const start = BigInt(ms) * NS_PER_MS
    return { start, end: start + 86_400_000n * NS_PER_MS }
  }
  const m = DATE_TIME.exec(t)
  if (!m) return null
  const zone = m[6] ? (m[6].toUpperCase() === 'Z' ? 'Z' : m[6].length === 5 ? `${m[6].slice(0, 3)}:${m[6].slice(3)}` : m[6]) : 'Z'
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}${zone}`)
  if (!Number.isFinite(ms) || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59) return null
  const [y, mo, da] = m[1].split('-')
  if (!validDate(Date.UTC(Number(y), Number(mo) - 1, Number(da)), y, mo, da)) return null
  let start = BigInt(ms) * NS_PER_MS
  let width: bigint
  if (m[5]) {
    start += BigInt(m[5].padEnd(9, '0'))
    width = 10n ** BigInt(9 - m[5].length)
  } else {
    width = (m[4] === undefined ? 60_000n : 1000n) * NS_PER_MS
  }
  return { start, end: start + width }
}

function validDate(ms: number, y: string, m: string, d: string): boolean {
  const x = new Date(ms)
  return x.getUTCFullYear() === Number(y) && x.getUTCMonth() === Number(m) - 1 && x.getUTCDate() === Number(d)
}

/**
 * Where the time condition puts its limit, as Elasticsearch rounds date math: `>` and `<=` take
 * the end of the named span, `>=` and `<` its start (so `>= 2026-11-29` starts at midnight and
 * `<= 2026-11-29` includes the whole day).
 */
export function timeLimit(op: '>' | '>=' | '<' | '<=', span: { start: bigint; end: bigint }): { op: '>=' | '<'; ns: bigint } {
  return op === '>' || op === '>=' ? { op: '>=', ns: op === '>' ? span.end : span.start } : { op: '<', ns: op === '<' ? span.start : span.end }
}
