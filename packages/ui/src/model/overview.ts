/**
 * The Overview's business figures, as pure transforms:
 * - order processing speed: from `order.status_changed` events, the time each order spent in each
 *   status (from entering it to the next change), and the median per status;
 * - customer complaints per calendar day in the browser's zone, from `/api/aggregate` time buckets
 *   (15-minute buckets: every zone's offset is a multiple of 15 minutes, so they fall inside one
 *   local day each).
 */

export interface StatusChange { orderId: string; timeMs: number; from: string; to: string }

export interface StageSpeed {
  stage: string
  /** Median time orders spent in the stage before their next status change. */
  medianMs: number
  /** Orders that left the stage in the range (the median's sample). */
  orders: number
}

export function stageMedians(changes: StatusChange[]): StageSpeed[] {
  const byOrder = new Map<string, StatusChange[]>()
  for (const c of changes) {
    if (!c.orderId || !c.to) continue
    const list = byOrder.get(c.orderId) ?? []
    list.push(c)
    byOrder.set(c.orderId, list)
  }
  const durations = new Map<string, number[]>()
  /** Where a stage sits in orders' sequences, to list stages in process order. */
  const positions = new Map<string, number[]>()
  for (const list of byOrder.values()) {
    list.sort((a, b) => a.timeMs - b.timeMs)
    list.forEach((c, i) => {
      const pos = positions.get(c.to) ?? []
      pos.push(i)
      positions.set(c.to, pos)
      const next = list[i + 1]
      if (!next) return
      const d = durations.get(c.to) ?? []
      d.push(next.timeMs - c.timeMs)
      durations.set(c.to, d)
    })
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  return [...durations].map(([stage, d]) => ({ stage, medianMs: median(d), orders: d.length }))
    .sort((a, b) => mean(positions.get(a.stage)!) - mean(positions.get(b.stage)!) || a.stage.localeCompare(b.stage))
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** `YYYY-MM-DD` of an instant in a time zone (default: the browser's). */
export function localDay(ms: number, timeZone?: string): string {
  const key = timeZone ?? ''
  let f = formats.get(key)
  if (!f) { f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }); formats.set(key, f) }
  return f.format(ms)
}
const formats = new Map<string, Intl.DateTimeFormat>()

/**
 * The start of the local calendar day `days - 1` days before `now`'s (so `days` calendar days up
 * to and including today), as epoch ms.
 */
export function startOfLocalDays(now: number, days: number, timeZone?: string): number {
  const target = localDay(now - (days - 1) * 86_400_000, timeZone)
  // Walk back in 15-minute steps from a point safely inside that day to its first quarter hour.
  let t = Math.floor((now - (days - 1) * 86_400_000) / 900_000) * 900_000
  while (localDay(t - 900_000, timeZone) === target) t -= 900_000
  while (localDay(t, timeZone) !== target) t += 900_000
  return t
}

export interface DayCount { day: string; count: number }

/**
 * Counts per local calendar day, every day of the window present (zeros included), oldest first.
 * `rows` are aggregate buckets (`time` = bucket start, ISO) with their count.
 */
export function perLocalDay(rows: { time?: string; count: number }[], now: number, days: number, timeZone?: string): DayCount[] {
  const out = new Map<string, number>()
  // Hour by hour from the first day's start (days are 23–25 hours around DST changes).
  for (let t = startOfLocalDays(now, days, timeZone); t < now; t += 3_600_000) out.set(localDay(t, timeZone), 0)
  out.set(localDay(now, timeZone), 0)
  for (const r of rows) {
    if (!r.time) continue
    const d = localDay(Date.parse(r.time), timeZone)
    if (out.has(d)) out.set(d, out.get(d)! + r.count)
  }
  return [...out].map(([day, count]) => ({ day, count }))
}

export interface Complaint { orderId: string; timeMs: number; reason: string }

/** Complaints grouped by local day, newest day first, newest complaint first within a day. */
export function complaintsByDay(list: Complaint[], timeZone?: string): { day: string; complaints: Complaint[] }[] {
  const by = new Map<string, Complaint[]>()
  for (const c of [...list].sort((a, b) => b.timeMs - a.timeMs)) {
    const d = localDay(c.timeMs, timeZone)
    by.set(d, [...(by.get(d) ?? []), c])
  }
  return [...by].map(([day, complaints]) => ({ day, complaints }))
}
