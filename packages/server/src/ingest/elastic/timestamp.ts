/**
 * Event times as shippers send them → nanoseconds since the epoch as a decimal string (exact: no
 * float on the way, so `…T10:00:00.123456789Z` keeps its nanoseconds).
 *
 * Accepted, like an Elasticsearch `date` field (`strict_date_optional_time||epoch_millis`) plus
 * what shippers commonly put in `timestamp`/`time`:
 *  - ISO 8601 / RFC 3339: `2026-11-22T10:00:00Z`, `…T10:00:00.123456+01:00`, `2026-11-22 10:00:00`
 *    (no zone = UTC, as in Elasticsearch), `2026-11-22`;
 *  - epoch numbers (JSON numbers or numeric strings), unit chosen by magnitude, because Fluent Bit,
 *    Vector and Python loggers send seconds with a fraction where Beats send milliseconds:
 *    < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, else nanoseconds; numbers
 *    below 1e9 (before September 2001 as seconds) are rejected: in `time` they are durations;
 *  - anything else `Date.parse` understands (RFC 2822 `Sun, 22 Nov 2026 10:00:00 GMT`).
 * Dates before 1970 are not accepted (the store's range starts there).
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9})\d*)?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/
const NUMERIC = /^(\d{1,20})(?:\.(\d{0,12})\d*)?$/

/** ns-since-epoch decimal string, or undefined when `v` is not a time this accepts. */
export function parseTimestamp(v: string): string | undefined {
  const c = v.charCodeAt(0)
  if (c >= 48 && c <= 57) {
    if (v.length > 10 && v.charCodeAt(4) === 45 /* - */) return parseIso(v)
    const n = NUMERIC.exec(v)
    if (n) return epochToNanos(n[1], n[2] ?? '')
    if (v.charCodeAt(4) === 45) return parseIso(v)
  }
  const ms = Date.parse(v)
  return Number.isFinite(ms) && ms >= 0 ? String(ms) + '000000' : undefined
}

/** Two or four ASCII digits at `i` as a number, or -1. */
function digits(v: string, i: number, n: 2 | 4): number {
  let x = 0
  for (let k = i; k < i + n; k++) {
    const d = v.charCodeAt(k) - 48
    if (d < 0 || d > 9) return -1
    x = x * 10 + d
  }
  return x
}

const ZEROS = '000000'

/**
 * The shape nearly every shipper sends, `2026-11-22T10:00:00.123456Z` / `…+01:00`, parsed without
 * a regular expression (no match array per document); undefined for anything else.
 */
function parseRfc3339(v: string): string | undefined {
  if (v.length < 20 || v.charCodeAt(10) !== 84 /* T */ || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return undefined
  const year = digits(v, 0, 4)
  const month = digits(v, 5, 2)
  const day = digits(v, 8, 2)
  const hour = digits(v, 11, 2)
  const minute = digits(v, 14, 2)
  const second = digits(v, 17, 2)
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 24 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined
  let i = 19
  let ms = 0
  let sub = '' // digits 4–9 of the fraction (µs, ns)
  if (v.charCodeAt(i) === 46 /* . */) {
    i++
    const start = i
    while (i < v.length) {
      const d = v.charCodeAt(i) - 48
      if (d < 0 || d > 9) break
      if (i - start < 3) ms = ms * 10 + d
      i++
    }
    const n = i - start
    if (n === 0) return undefined
    if (n < 3) ms *= n === 1 ? 100 : 10
    else if (n > 3) sub = v.slice(start + 3, Math.min(i, start + 9))
  }
  let offset = 0
  const z = v.charCodeAt(i)
  if (z === 90 /* Z */ && i + 1 === v.length) {
    // UTC
  } else if ((z === 43 || z === 45) && i + 6 === v.length && v.charCodeAt(i + 3) === 58) {
    const oh = digits(v, i + 1, 2)
    const om = digits(v, i + 4, 2)
    if (oh < 0 || om < 0) return undefined
    offset = (oh * 60 + om) * 60_000 * (z === 43 ? -1 : 1)
  } else {
    return undefined
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second) + ms + offset
  if (!(t > 0)) return undefined
  return String(t) + (sub.length === 6 ? sub : sub + ZEROS.slice(sub.length))
}

function parseIso(v: string): string | undefined {
  const fast = parseRfc3339(v)
  if (fast !== undefined) return fast
  const m = ISO.exec(v)
  if (!m) {
    const ms = Date.parse(v)
    return Number.isFinite(ms) && ms >= 0 ? String(ms) + '000000' : undefined
  }
  const month = +m[2]
  const day = +m[3]
  const hour = m[4] ? +m[4] : 0
  const minute = m[5] ? +m[5] : 0
  const second = m[6] ? +m[6] : 0
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined
  let ms = Date.UTC(+m[1], month - 1, day, hour, minute, second)
  if (m[9]) {
    const offset = (+m[10] * 60 + (m[11] ? +m[11] : 0)) * 60_000
    ms += m[9] === '+' ? -offset : offset
  }
  const frac = m[7] ? (m[7].length === 9 ? m[7] : m[7].padEnd(9, '0')) : '000000000'
  ms += +frac.slice(0, 3)
  if (!Number.isFinite(ms) || ms < 0) return undefined
  return trimZeros(String(ms) + frac.slice(3))
}

function epochToNanos(int: string, frac: string): string | undefined {
  const digits = trimZeros(int).length
  // Small numbers in `time`/`timestamp` are durations or counters, not dates (before 2001).
  if (digits < 10) return undefined
  // Digits of the integer part → how many fractional digits reach nanoseconds.
  const scale = digits <= 11 ? 9 : digits <= 14 ? 6 : digits <= 17 ? 3 : 0
  const ns = trimZeros(int + frac.padEnd(scale, '0').slice(0, scale))
  return ns.length > 19 ? undefined : ns
}

function trimZeros(s: string): string {
  let i = 0
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++
  return i === 0 ? s : s.slice(i)
}
