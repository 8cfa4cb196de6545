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
