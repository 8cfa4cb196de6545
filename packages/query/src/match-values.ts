import type { Value } from './ast.ts'
import { compileRegex } from './regex.ts'
import { textTokens } from './values.ts'

/**
 * ClickHouse's value semantics, re-done in JavaScript for the in-memory evaluator (match.ts). Each
 * function names the SQL it mirrors; the contract test (packages/server/test/query-match.int.test.ts) holds them to the engine.
 */

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const FLOAT_WORDS = /^[+-]?(inf|infinity|nan)$/i

/** `toFloat64OrNull(s)`: decimal or exponent notation, `inf`/`nan`; no spaces, no hex. */
export function toFloat64OrNull(s: string): number | null {
  if (FLOAT.test(s)) return Number(s)
  if (FLOAT_WORDS.test(s)) {
    const neg = s[0] === '-'
    return /nan/i.test(s) ? NaN : neg ? -Infinity : Infinity
  }
  return null
}

/**
 * HttpStatus as the ingest path stores it (packages/server/src/store/encode.ts uint16OrZero):
 * 1–5 decimal digits up to 65535, otherwise 0. (ClickHouse's toUInt16OrZero would also take `+12`.)
 */
export function toUInt16OrZero(s: string): number {
  const len = s.length
  if (len === 0 || len > 5) return 0
  let n = 0
  for (let i = 0; i < len; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return 0
    n = n * 10 + d
  }
  return n <= 65535 ? n : 0
}

/** ClickHouse compares String bytewise (UTF-8); JavaScript compares UTF-16 units. They differ past U+FFFF. */
export function compareBytes(a: string, b: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g

/**
 * `s LIKE p` / `s ILIKE p` where p came from likePattern(parts): literal parts joined by `%`.
 * `%` matches any characters, newlines included (as in ClickHouse).
 */
export function likeRegex(parts: readonly string[], caseInsensitive: boolean, contains = false): RegExp {
  const body = parts.map((p) => p.replace(REGEX_SPECIAL, '\\$&')).join('[\\s\\S]*')
  return new RegExp(contains ? body : `^${body}$`, caseInsensitive ? 'iu' : 'u')
}

/** Lower-cased tokens of a text, as `hasAllTokens(lowerUTF8(col), …)` sees them. */
export function lowerTokens(text: string): Set<string> {
  return new Set(textTokens(text.toLowerCase()))
}

/**
 * Full-text condition of compile-text.ts on one string: a word must be a whole token, several
 * tokens must all be tokens and the text must also occur as a substring; text without tokens is a
 * substring search; a pattern is a case-insensitive LIKE anywhere. All case-insensitive.
 */
export function textPredicate(value: Value): (s: string) => boolean {
  if (value.type === 'regex') {
    const re = compileRegex(value.pattern)
    return (s) => re.test(s)
  }
  if (value.type === 'pattern') {
    const inner = value.parts.slice(value.parts[0] === '' ? 1 : 0, value.parts[value.parts.length - 1] === '' ? -1 : undefined)
    // `lowerUTF8(col) LIKE lowerUTF8(p)`: both sides lowered, then a case-sensitive LIKE.
    const re = likeRegex(inner.map((p) => p.toLowerCase()), false, true)
    return (s) => re.test(s.toLowerCase())
  }
  const text = value.text
  if (text === '') return () => true
  const lower = text.toLowerCase()
  const tokens = textTokens(lower)
  if (tokens.length === 0) return (s) => s.toLowerCase().includes(lower)
  const exact = tokens.length === 1 && textTokens(text)[0] === text
  return (s) => {
    const l = s.toLowerCase()
    for (const t of tokens) if (!hasToken(l, t)) return false
    return exact || l.includes(lower)
  }
}

/** Whether `c` (a UTF-16 unit) is part of a token: textTokens splits on `[^A-Za-z0-9\u0080-\uFFFF]`. */
function isTokenUnit(c: number): boolean {
  return c >= 0x80 || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)
}

/**
 * `textTokens(lowered).includes(token)` without splitting: an occurrence of the token bounded by
 * separators (or the ends) on both sides. `token` is one whole token, so it holds no separator.
 */
export function hasToken(lowered: string, token: string): boolean {
  for (let i = lowered.indexOf(token); i !== -1; i = lowered.indexOf(token, i + 1)) {
    const end = i + token.length
    if ((i === 0 || !isTokenUnit(lowered.charCodeAt(i - 1))) && (end === lowered.length || !isTokenUnit(lowered.charCodeAt(end)))) return true
  }
  return false
}
