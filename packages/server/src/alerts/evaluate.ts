import { crosses } from './rule.ts'
import { INTERVAL_SECONDS, quantile, type Merged, type Sample } from './rollups.ts'
import { ewmaUpdate, expectedBand, isAnomalous, type Band } from './anomaly.ts'
import { sampleOf, type RuleRuntime } from './runtime.ts'
import type { AlertStates } from './state.ts'

/**
 * One evaluation of a windowed rule (threshold, absence, anomaly, lost messages) from its live
 * state: what each group's value is and whether the condition holds.
 */
export interface Observation {
  groupKey: string
  labels: Record<string, string>
  active: boolean
  value: number
  sample?: Sample
  expected?: { low: number; high: number; center: number }
}

export interface RuleStatus {
  /** anomaly: groups still warming up (no baseline yet). */
  warmingUp?: number
  /** anomaly: last band per group. */
  bands?: Record<string, Band>
}

/** Value of a merged window for a threshold rule, or null when there is too little data to decide. */
export function windowValue(rt: RuleRuntime, m: Merged): number | null {
  const r = rt.rule
  switch (r.aggregate) {
    case 'count': return m.count < r.minCount ? null : m.count
    case 'rate': return m.count < r.minCount ? null : m.count / r.windowSeconds
    case 'ratio': return m.denom === 0 || m.denom < r.minCount ? null : m.count / m.denom
    case 'distinct': return m.count < r.minCount ? null : m.distinct?.size ?? 0
    case 'sum': return m.count < r.minCount ? null : m.sum
    case 'percentile': { if (m.count < Math.max(1, r.minCount)) return null; const q = quantile(m.samples ?? [], r.percentile); return Number.isNaN(q) ? null : q }
  }
}

export function evaluateRule(rt: RuleRuntime, states: AlertStates, nowMs: number, status: RuleStatus): Observation[] {
  const r = rt.rule
  const nowSec = Math.floor(nowMs / 1000)
  const out: Observation[] = []
  const sample = (m: Merged): Sample | undefined => {
    const last = m.last
    if (!last) return undefined
    return { ...(last.sample ?? sampleOf(last.record!, rt.orderGet)), timeMs: last.ms }
  }

  if (r.kind === 'threshold' && rt.rollups) {
    const merged = rt.rollups.merge(nowSec - r.windowSeconds, nowSec + 1)
    const seen = new Set<string>()
    for (const [key, m] of merged) {
      seen.add(key)
      const v = windowValue(rt, m)
      out.push({ groupKey: key, labels: m.labels, active: v !== null && crosses(r, v), value: v ?? 0, sample: sample(m) })
    }
    // An ungrouped rule always has a value (0 when nothing matched: `count < 1` can fire).
    if (r.groupBy.length === 0 && !seen.has('') && r.minCount === 0 && (r.aggregate === 'count' || r.aggregate === 'rate')) {
      out.push({ groupKey: '', labels: {}, active: crosses(r, 0), value: 0 })
      seen.add('')
    }
    for (const s of states.ofRule(r.id)) if (!seen.has(s.groupKey)) out.push({ groupKey: s.groupKey, labels: s.labels, active: false, value: 0 })
    rt.rollups.prune(nowSec - r.windowSeconds - INTERVAL_SECONDS)
    return out
  }

  if (r.kind === 'absence' && rt.lastSeen) {
    for (const [key, seen] of rt.lastSeen) {
      const silentFor = nowMs - seen.ms
      // Groups silent for more than a day are forgotten (a decommissioned service is not an outage forever).
      if (silentFor > 86_400_000) { rt.lastSeen.delete(key); continue }
      out.push({ groupKey: key, labels: seen.labels, active: silentFor >= r.windowSeconds * 1000, value: Math.round(silentFor / 1000) })
    }
    for (const s of states.ofRule(r.id)) if (!rt.lastSeen.has(s.groupKey)) out.push({ groupKey: s.groupKey, labels: s.labels, active: false, value: 0 })
    return out
  }

  if (r.kind === 'anomaly' && rt.rollups && rt.ewma) {
    const w = r.windowSeconds
    const bucket = Math.floor(nowSec / w) * w
    const merged = rt.rollups.merge(nowSec - w, nowSec + 1)
    // Fold the window that just closed into each group's EWMA, once per window.
    const closed = rt.rollups.merge(bucket - w, bucket)
    for (const [key, m] of closed) {
      const e = rt.ewma.get(key) ?? { mean: 0, variance: 0, n: 0, lastBucket: 0 }
      if (e.lastBucket !== bucket) { ewmaUpdate(e, m.count, bucket); rt.ewma.set(key, e) }
    }
    for (const [key, e] of rt.ewma) if (e.lastBucket !== bucket && !closed.has(key)) ewmaUpdate(e, 0, bucket)
    let warming = 0
    const bands: Record<string, Band> = {}
    const keys = new Set([...merged.keys(), ...rt.ewma.keys()])
    for (const key of keys) {
      const m = merged.get(key)
      const band = expectedBand(rt.seasonal?.byGroup.get(key) ?? [], rt.ewma.get(key), r.anomaly.sensitivity, r.anomaly.warmupIntervals)
      const labels = m?.labels ?? states.get(r.id, key)?.labels ?? labelsFromKey(rt, key)
      if (!band) { warming++; continue }
      bands[key] = band
      const value = m?.count ?? 0
      out.push({ groupKey: key, labels, active: isAnomalous(value, band, r.anomaly.direction, r.minCount), value, sample: m ? sample(m) : undefined, expected: { low: band.low, high: band.high, center: band.center } })
    }
    status.warmingUp = warming
    status.bands = bands
    rt.rollups.prune(nowSec - 2 * w - INTERVAL_SECONDS)
    return out
  }

  if (r.kind === 'lost_messages' && rt.published && rt.consumed) {
    const limit = r.windowSeconds * 1000
    for (const [traceId, p] of rt.published) {
      if (nowMs - p.ms < limit) continue
      rt.published.delete(traceId)
      rt.pendingDone?.push(traceId)
      rt.hits.push({ groupKey: p.labels.destination ?? '', labels: p.labels, sample: p.sample })
    }
    for (const [traceId, at] of rt.consumed) if (nowMs - at > 2 * limit) rt.consumed.delete(traceId)
  }
  return out
}

function labelsFromKey(rt: RuleRuntime, key: string): Record<string, string> {
  const vals = key.split('\u0001')
  const labels: Record<string, string> = {}
  rt.groups.forEach(([name], i) => { labels[name] = vals[i] ?? '' })
  return labels
}
