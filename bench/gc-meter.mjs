// Loaded into a bench child with `NODE_OPTIONS=--import <this file>` (bench/ingest-ab.ts): sums the
// main thread's GC pauses (wall time) by kind and writes them to GC_METER_FILE every 500 ms (the child is killed at the end, so no exit hook is relied on).
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { renameSync, writeFileSync } from 'node:fs'
import { setInterval } from 'node:timers'

const file = process.env.GC_METER_FILE
if (file) {
  // kind: constants.NODE_PERFORMANCE_GC_MINOR (scavenge) or another (mark-compact, incremental, weak callbacks)
  const m = { gcMs: 0, minor: 0, minorMs: 0, other: 0, otherMs: 0 }
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      m.gcMs += e.duration
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) { m.minor++; m.minorMs += e.duration } else { m.other++; m.otherMs += e.duration }
    }
  }).observe({ entryTypes: ['gc'] })
  // written aside and renamed: the reader never sees a half-written file
  setInterval(() => { writeFileSync(file + '.tmp', JSON.stringify(m)); renameSync(file + '.tmp', file) }, 500).unref()
}
