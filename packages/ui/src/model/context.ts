import type { Hit } from '../api/types.ts'

/**
 * "Show context": the records just before and after one, from the same service or the same trace.
 * Uses the API's /api/search/context when the server has it; otherwise two plain searches around
 * the record's time, which is what that route does too.
 */
export function contextQuery(hit: Hit, by: 'service' | 'trace'): string {
  if (by === 'trace' && hit.traceId) return `trace_id:${hit.traceId}`
  return `service:${JSON.stringify(hit.service)}`
}

/** Merges rows before (newest first from the API) and after into one oldest-first list around the anchor. */
export function mergeContext(before: Hit[], anchor: Hit, after: Hit[]): { rows: Hit[]; anchorIndex: number } {
  const key = (h: Hit) => h.id ?? `${h.timeUnixNano}|${h.service}|${h.kind === 'log' ? h.body : h.spanId}`
  const a = key(anchor)
  const older = before.filter((h) => key(h) !== a).sort(cmp)
  const newer = after.filter((h) => key(h) !== a).sort(cmp)
  return { rows: [...older, anchor, ...newer], anchorIndex: older.length }
}

function cmp(x: Hit, y: Hit): number {
  const a = BigInt(x.timeUnixNano)
  const b = BigInt(y.timeUnixNano)
  return a < b ? -1 : a > b ? 1 : 0
}
