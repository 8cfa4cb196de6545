/** Times in the browser's zone with the UTC offset visible; relative ranges as the API takes them. */

export const PRESETS: { label: string; from: string }[] = [
  { label: 'Last 5 minutes', from: 'now-5m' },
  { label: 'Last 15 minutes', from: 'now-15m' },
  { label: 'Last 1 hour', from: 'now-1h' },
  { label: 'Last 6 hours', from: 'now-6h' },
  { label: 'Last 24 hours', from: 'now-24h' },
  { label: 'Last 7 days', from: 'now-7d' },
]

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Milliseconds for `now`, `now-15m`, ISO or epoch ms (the API's forms); NaN when unreadable. */
export function resolveTime(text: string, now = Date.now()): number {
  const m = /^now(?:([+-])(\d+)([smhdw]))?$/.exec(text.trim())
  if (m) return m[1] ? now + (m[1] === '-' ? -1 : 1) * Number(m[2]) * UNIT_MS[m[3]] : now
  if (/^\d{10,16}$/.test(text.trim())) return Number(text.trim())
  return Date.parse(text)
}

/** "UTC+01:00" for an offset in minutes east of UTC (Date#getTimezoneOffset is west, negated). */
export function utcOffsetLabel(minutesEast: number): string {
  const sign = minutesEast >= 0 ? '+' : '-'
  const a = Math.abs(minutesEast)
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** Local wall-clock time "2026-11-29 19:04:06.123" (browser zone). */
export function formatLocal(iso: string | number, withMs = true): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  return withMs ? `${base}.${pad(d.getMilliseconds(), 3)}` : base
}

/** Exact timestamp for a tooltip: local time with offset, and UTC. */
export function exactTitle(iso: string): string {
  const d = new Date(iso)
  return `${formatLocal(iso)} ${utcOffsetLabel(-d.getTimezoneOffset())} · ${d.toISOString()} UTC`
}

/** Human description of a range, e.g. "Last 15 minutes" or "10:00 → 11:30". */
export function describeRange(from: string, to: string): string {
  const preset = PRESETS.find((p) => p.from === from)
  if (preset && to === 'now') return preset.label
  const f = resolveTime(from)
  const t = resolveTime(to)
  return `${formatLocal(f, false)} → ${formatLocal(t, false)}`
}

/** "1.2 s", "340 ms", "2 h 3 m" for a duration in milliseconds. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} m ${Math.round(s % 60)} s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${m % 60} m`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}
