import type { LogView, SpanView } from './records.ts'

/**
 * An order's story from its records: the status changes (`order.status_changed` events, or any
 * record with `order.status.to`) and the stages between them with the time spent in each, so
 * support reads "scheduled 12 min → in_production 3 min → failed" before any raw line.
 */
export interface StatusChange { time: string; timeUnixNano: string; service: string; from: string; to: string }

export interface Stage {
  status: string
  /** Service that reported entering the stage ('' for the stage before the first change). */
  service: string
  start: string
  /** null while the order is still in this stage. */
  end: string | null
  durationMs: number | null
  /** The stage is a failure (failed, error, cancelled, rejected…). */
  failed: boolean
}

export interface OrderStory {
  currentStatus: string | null
  failed: boolean
  stages: Stage[]
  changes: StatusChange[]
  /** The first error-level record (where to look first), or null. */
  firstError: { time: string; service: string; message: string; traceId: string } | null
}

const FAILED = /fail|error|cancel|reject|abort/i

const msBetween = (a: string, b: string): number => Number(BigInt(b) - BigInt(a)) / 1e6

/** Builds the story from entries sorted oldest first. */
export function orderStory(entries: readonly (LogView | SpanView)[]): OrderStory {
  const changes: StatusChange[] = []
  for (const e of entries) {
    if (e.kind !== 'log') continue
    const a = e.attributes
    if (a['order.status.to'] === undefined && e.eventAction !== 'order.status_changed' && e.eventAction !== 'order-status-changed') continue
    const to = a['order.status.to'] ?? a['order.status'] ?? ''
    if (to === '') continue
    changes.push({ time: e.time, timeUnixNano: e.timeUnixNano, service: e.service, from: a['order.status.from'] ?? '', to })
  }
  const stages: Stage[] = []
  const first = entries[0]
  if (changes.length && changes[0].from !== '' && first && BigInt(first.timeUnixNano) < BigInt(changes[0].timeUnixNano)) {
    stages.push({
      status: changes[0].from, service: first.service, start: first.time, end: changes[0].time,
      durationMs: msBetween(first.timeUnixNano, changes[0].timeUnixNano), failed: FAILED.test(changes[0].from),
    })
  }
  changes.forEach((c, i) => {
    const next = changes[i + 1]
    stages.push({
      status: c.to, service: c.service, start: c.time, end: next?.time ?? null,
      durationMs: next ? msBetween(c.timeUnixNano, next.timeUnixNano) : null, failed: FAILED.test(c.to),
    })
  })
  const err = entries.find((e) => (e.kind === 'log' ? e.severityNumber >= 17 : e.status === 'Error'))
  const current = changes.at(-1)?.to ?? null
  return {
    currentStatus: current,
    failed: current !== null && FAILED.test(current),
    stages,
    changes,
    firstError: err ? { time: err.time, service: err.service, message: err.kind === 'log' ? err.body : `${err.name}: ${err.statusMessage}`, traceId: err.traceId } : null,
  }
}
