/**
 * Splits TabSeparated rows of otel_logs / otel_traces (LOG_INSERT_COLUMNS / SPAN_INSERT_COLUMNS:
 * Timestamp first, ServiceName at the same place in both) into groups by UTC day × service — the tables' partitions —
 * so the store writer inserts one partition at a time. The engine's memory for an insert grows with
 * its rows (~5.5 KB per row, BENCHMARKS.md) and not with the partitions it touches, while the
 * parts written are one per partition either way: the same parts, a tenth of the memory.
 *
 * Rows are not reordered within a group, groups come in order of first appearance: the same input
 * always gives the same groups (the writer's deduplication tokens depend on it). Any split is
 * correct (the engine partitions each insert itself); a day in another time zone only means a
 * group may touch two partitions.
 */
import { LOG_INSERT_COLUMNS, SPAN_INSERT_COLUMNS } from './schema.ts'

const TAB = 9
const NL = 10
const DOT = 46
const SERVICE_COLUMN = LOG_INSERT_COLUMNS.indexOf('ServiceName')
if (LOG_INSERT_COLUMNS[0] !== 'Timestamp' || SPAN_INSERT_COLUMNS[0] !== 'Timestamp' || SPAN_INSERT_COLUMNS.indexOf('ServiceName') !== SERVICE_COLUMN) {
  throw new Error('partition-split: logs and spans must both start with Timestamp and have ServiceName at the same column')
}

/** Row groups by UTC day × service, each a list of slices of the inputs (no copy). */
export function splitByPartition(buffers: readonly Buffer[]): Buffer[][] {
  const groups = new Map<string, Buffer[]>()
  let lastKey = ''
  let last: Buffer[] | undefined
  for (const buf of buffers) {
    const len = buf.length
    let pos = 0
    // A run of rows with the same key becomes one slice.
    let runStart = 0
    let runKey = ''
    while (pos < len) {
      let end = buf.indexOf(NL, pos)
      if (end === -1) end = len - 1
      // Seconds of `sec.nanos` → UTC day.
      let sec = 0
      let i = pos
      for (; i < end; i++) {
        const c = buf[i]
        if (c === DOT || c === TAB) break
        sec = sec * 10 + (c - 48)
      }
      let t = buf.indexOf(TAB, i)
      for (let col = 1; col < SERVICE_COLUMN && t !== -1 && t < end; col++) t = buf.indexOf(TAB, t + 1)
      let key: string
      if (t === -1 || t >= end) key = ''
      else {
        let e = buf.indexOf(TAB, t + 1)
        if (e === -1 || e > end) e = end
        key = Math.floor(sec / 86400) + '\t' + buf.toString('latin1', t + 1, e)
      }
      if (key !== runKey) {
        if (pos > runStart) push(runKey, buf.subarray(runStart, pos))
        runStart = pos
        runKey = key
      }
      pos = end + 1
    }
    if (len > runStart) push(runKey, buf.subarray(runStart, len))
  }
  return [...groups.values()]

  function push(key: string, slice: Buffer): void {
    if (key !== lastKey || !last) {
      last = groups.get(key)
      if (!last) { last = []; groups.set(key, last) }
      lastKey = key
    }
    last.push(slice)
  }
}
