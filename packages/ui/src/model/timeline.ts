import type { Hit } from '../api/types.ts'

/**
 * An order's timeline: entries grouped into stages between status changes, with the time spent in
 * each stage, and each entry classified (milestone, error, message hop, request, log).
 */
export type EntryKind = 'milestone' | 'error' | 'message' | 'request' | 'log'

export interface Stage { status: string; start: string; end: string | null; durationMs: number | null; failed: boolean; service: string }

export function entryKind(h: Hit): EntryKind {
  if (h.kind === 'log') {
    if (h.eventAction === 'order.status_changed' || h.attributes['order.status.to'] !== undefined) return 'milestone'
    if (h.severityNumber >= 17) return 'error'
    return 'log'
  }
  if (h.status === 'Error') return 'error'
  if (/producer|consumer/i.test(h.spanKind) || h.attributes['messaging.system']) return 'message'
  return 'request'
}

export function buildStages(changes: { time: string; service: string; to: string }[], endIso: string | null): Stage[] {
  return changes.map((c, i) => {
    const next = changes[i + 1]
    const end = next ? next.time : null
    const until = end ?? endIso
    return {
      status: c.to, start: c.time, end, service: c.service,
      durationMs: until ? Date.parse(until) - Date.parse(c.time) : null,
      failed: c.to.toLowerCase() === 'failed',
    }
  })
}
