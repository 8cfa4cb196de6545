/**
 * Histogram buckets (per level counts) → stacked series for uPlot: x in seconds, and per level the
 * cumulative count (uPlot draws each series from 0, so the top of a stack is drawn first).
 */
export const LEVEL_ORDER = ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']

export function stackHistogram(buckets: { time: string; counts: Record<string, number> }[]): { x: number[]; levels: string[]; stacked: number[][]; raw: number[][] } {
  const present = new Set<string>()
  for (const b of buckets) for (const k of Object.keys(b.counts)) present.add(k.toUpperCase())
  const levels = [...present].sort((a, b) => rank(a) - rank(b))
  const x = buckets.map((b) => Date.parse(b.time) / 1000)
  const raw = levels.map((l) => buckets.map((b) => countOf(b.counts, l)))
  // Bottom of the stack = the least severe level; each series holds the sum of itself and those below.
  const stacked = levels.map((_, i) => buckets.map((__, j) => { let s = 0; for (let k = i; k < levels.length; k++) s += raw[k][j]; return s }))
  return { x, levels, stacked, raw }
}

function countOf(counts: Record<string, number>, level: string): number {
  let n = 0
  for (const [k, v] of Object.entries(counts)) if (k.toUpperCase() === level) n += v
  return n
}

function rank(level: string): number {
  const i = LEVEL_ORDER.indexOf(level)
  return i < 0 ? LEVEL_ORDER.length : i
}
