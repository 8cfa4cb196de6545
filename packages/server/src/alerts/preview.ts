import { compileQuery, fieldExpression } from '@beacon/query'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import type { AlertEngine } from './engine.ts'
import { crosses, parseRuleQueries, type Rule } from './rule.ts'

/**
 * Preview: how often a rule would have fired over the last 24 h or 7 d, from SQL aggregates over
 * tumbling windows of the rule's size (an approximation of the sliding window): the per-window
 * value (largest group), the windows over the threshold, and the number of firings (a window over
 * the threshold after one that was not). Instant rules count matching windows.
 */
export interface Preview {
  ruleId: string
  from: string
  to: string
  bucketSeconds: number
  threshold: number | null
  firings: number
  windowsOver: number
  series: { time: string; value: number; over: boolean }[]
  note?: string
}

export async function previewRule(engine: AlertEngine, rule: Rule, seconds: number): Promise<Preview> {
  const now = Date.now()
  const q = parseRuleQueries(rule)
  const table = rule.target === 'logs' ? LOGS_TABLE : TRACES_TABLE
  const num = compileQuery(q.ast, { target: rule.target, paramPrefix: 'pq' })
  const params: Record<string, unknown> = { ...num.params, secs: seconds }
  // Buckets: the rule's window, but at most ~2,000 points.
  const bucket = Math.max(rule.kind === 'instant' || rule.kind === 'new_value' || rule.kind === 'lost_messages' ? 300 : rule.windowSeconds, Math.ceil(seconds / 2000 / 10) * 10)
  const groups = rule.groupBy.map((g, i) => { const f = fieldExpression(g, { target: rule.target, paramPrefix: `pg${i}_` }); Object.assign(params, f.params); return `toString(${f.sql})` })
  let valueExpr = 'countIf(m)'
  let filter = num.sql
  if (rule.kind === 'threshold') {
    if (rule.aggregate === 'ratio' && q.ratioAst) {
      const den = compileQuery(q.ratioAst, { target: rule.target, paramPrefix: 'pd' })
      Object.assign(params, den.params)
      filter = den.sql
      valueExpr = `if(count() >= greatest({minc:UInt32}, 1), countIf(m) / count(), 0)`
    } else if (rule.field && rule.aggregate !== 'count' && rule.aggregate !== 'rate') {
      const f = fieldExpression(rule.field, { target: rule.target, paramPrefix: 'pf' })
      Object.assign(params, f.params)
      valueExpr = rule.aggregate === 'distinct' ? `uniqExactIf(toString(${f.sql}), m)`
        : rule.aggregate === 'sum' ? `sumIf(toFloat64OrZero(toString(${f.sql})), m)`
          : `quantileIf(${rule.percentile / 100})(toFloat64OrZero(toString(${f.sql})), m)`
    } else if (rule.aggregate === 'rate') valueExpr = `countIf(m) / ${rule.windowSeconds}`
  }
  params.minc = rule.minCount
  const rows = await engine.store.query<{ t: number; v: number; c: string }>(
    `SELECT t, max(v) AS v, max(c) AS c FROM (
       SELECT toUnixTimestamp(toStartOfInterval(Timestamp, INTERVAL ${bucket} SECOND)) AS t, ${groups.length ? `[${groups.join(', ')}]` : '[]'} AS g,
         ${valueExpr.replace(/\bm\b/g, `(${num.sql})`)} AS v, countIf(${num.sql}) AS c
       FROM ${table} WHERE Timestamp >= now() - INTERVAL {secs:UInt32} SECOND AND (${filter})
       GROUP BY t, g) GROUP BY t ORDER BY t`, params)
  const byTime = new Map(rows.map((r) => [Number(r.t), { v: Number(r.v), c: Number(r.c) }]))
  const series: Preview['series'] = []
  let firings = 0
  let windowsOver = 0
  let prev = false
  const start = Math.floor((now / 1000 - seconds) / bucket) * bucket
  for (let t = start; t * 1000 <= now; t += bucket) {
    const row = byTime.get(t)
    const value = row?.v ?? 0
    let over: boolean
    if (rule.kind === 'threshold') over = (row?.c ?? 0) >= rule.minCount && crosses(rule, value)
    else if (rule.kind === 'absence') over = value === 0
    else over = rule.kind === 'instant' && value > 0
    if (over) windowsOver++
    if (over && !prev) firings++
    prev = over
    series.push({ time: new Date(t * 1000).toISOString(), value, over })
  }
  const note = rule.kind === 'storage_cap' ? 'a storage_cap rule follows the retention enforcer\'s size-cap usage; the series shows records per bucket'
    : rule.kind === 'anomaly' || rule.kind === 'new_value' || rule.kind === 'lost_messages'
      ? `${rule.kind === 'anomaly' ? 'an' : 'a'} ${rule.kind} rule depends on live state; the series shows matching records per ${bucket} s` : undefined
  return {
    ruleId: rule.id, from: new Date(now - seconds * 1000).toISOString(), to: new Date(now).toISOString(), bucketSeconds: bucket,
    threshold: rule.kind === 'threshold' ? rule.threshold : null, firings, windowsOver, series, ...(note ? { note } : {}),
  }
}
