import { BeaconError } from '../errors.ts'

/**
 * Times people type: ISO 8601 (`2026-11-22T10:00:00Z`), epoch milliseconds, `now`, and relative
 * `now-15m` / `now-2h` / `now-7d` / `now+1h` (units s, m, h, d, w).
 */
const RELATIVE = /^now(?:([+-])(\d+)(s|m|h|d|w))?$/
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

export function parseTime(text: string, now: number, name: string): number {
  const t = text.trim()
  const rel = RELATIVE.exec(t)
  if (rel) {
    if (!rel[1]) return now
    const delta = Number(rel[2]) * UNIT_MS[rel[3]]
    const ms = rel[1] === '-' ? now - delta : now + delta
    // Beyond what DateTime64 holds (1900–2299) the range cannot be queried; refuse rather than fail later.
    if (!(ms >= -2_208_988_800_000 && ms <= 10_413_792_000_000)) throw new BeaconError('invalid_time', `${name}=${JSON.stringify(t.slice(0, 64))} is too far from now`)
    return ms
  }
  if (/^\d{10,16}$/.test(t)) return Number(t)
  const ms = Date.parse(t)
  if (Number.isNaN(ms)) {
    throw new BeaconError('invalid_time', `${name}=${JSON.stringify(t.slice(0, 64))} is not a time; use ISO 8601 (2026-11-22T10:00:00Z), epoch milliseconds, or now-15m / now-2h / now-7d`)
  }
  return ms
}

export interface TimeRange { fromMs: number; toMs: number }

export function parseRange(from: string | undefined, to: string | undefined, defaultFrom = 'now-15m', now = Date.now()): TimeRange {
  const fromMs = parseTime(from || defaultFrom, now, 'from')
  const toMs = parseTime(to || 'now', now, 'to')
  if (fromMs > toMs) throw new BeaconError('invalid_time', `from (${new Date(fromMs).toISOString()}) is after to (${new Date(toMs).toISOString()})`)
  return { fromMs, toMs }
}

/** The range as answers state it: `{ from, to }` in ISO 8601 UTC. */
export function isoRange(range: TimeRange): { from: string; to: string } {
  return { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString() }
}

/** A ClickHouse DateTime64(3) parameter value ("2026-11-22 10:00:00.000", UTC). */
export function chTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

const STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800]

/** Histogram bucket size giving at most ~`target` buckets over the range. */
export function bucketSeconds(range: TimeRange, target = 60): number {
  const span = (range.toMs - range.fromMs) / 1000
  // past the steps (ranges of years): whole days, still at most ~`target` buckets
  return STEPS_S.find((s) => span / s <= target) ?? Math.ceil(span / target / 86400) * 86400
}
