import { compileQuery, fieldExpression, type Ast } from '@beacon/query'
import type { Store } from '../store/connection.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { INTERVAL_SECONDS, MAX_GROUPS } from './rollups.ts'
import { parseRuleQueries, type Rule } from './rule.ts'
import type { RuleRuntime } from './runtime.ts'
import { SEEN_TABLE } from './tables.ts'

/**
 * SQL reads done once per rule (at start or creation), never per evaluation: a window backfilled
 * into the live rollups, absence last-seen times, a new-value seen-set, anomaly seasonal points.
 * Also the preview (how often a rule would have fired over 24 h / 7 d).
 */

interface Compiled { where: string; params: Record<string, unknown>; table: string; groupCols: string[] }

function compiled(rule: Rule, ast: Ast, prefix: string): Compiled {
  const q = compileQuery(ast, { target: rule.target, paramPrefix: `${prefix}q` })
  const params: Record<string, unknown> = { ...q.params }
  const groupCols = rule.groupBy.map((g, i) => {
    const f = fieldExpression(g, { target: rule.target, paramPrefix: `${prefix}g${i}_` })
    Object.assign(params, f.params)
    return `toString(${f.sql})`
  })
  return { where: q.sql, params, table: rule.target === 'logs' ? LOGS_TABLE : TRACES_TABLE, groupCols }
}

const groupSelect = (cols: string[]): string => (cols.length ? `[${cols.join(', ')}]` : 'CAST([] AS Array(String))')

/** Fills a threshold/anomaly rule's rollups with the last `seconds` from the store (by record time). */
export async function backfillRollups(store: Store, rt: RuleRuntime, seconds: number): Promise<number> {
  const rule = rt.rule
  if (!rt.rollups) return 0
  const q = parseRuleQueries(rule)
  const num = compiled(rule, q.ast, 'n')
  const den = q.ratioAst ? compileQuery(q.ratioAst, { target: rule.target, paramPrefix: 'dq' }) : null
  const field = rule.field && rule.kind === 'threshold' && (rule.aggregate === 'sum' || rule.aggregate === 'distinct' || rule.aggregate === 'percentile')
    ? fieldExpression(rule.field, { target: rule.target, paramPrefix: 'fv' }) : null
  const filter = den ? `(${den.sql})` : `(${num.where})`
  const rows = await store.query<{ t: number; g: string[]; c: string; d: string; s: number; dv: string[]; sm: number[] }>(
    `SELECT toUnixTimestamp(toStartOfInterval(Timestamp, INTERVAL ${INTERVAL_SECONDS} SECOND)) AS t, ${groupSelect(num.groupCols)} AS g,
       countIf(${num.where}) AS c, count() AS d,
       ${field ? `sumIf(toFloat64OrZero(toString(${field.sql})), ${num.where})` : '0'} AS s,
       ${field && rule.aggregate === 'distinct' ? `groupUniqArrayIf(20000)(toString(${field.sql}), ${num.where})` : 'CAST([] AS Array(String))'} AS dv,
       ${field && rule.aggregate === 'percentile' ? `groupArraySampleIf(512)(toFloat64OrZero(toString(${field.sql})), ${num.where})` : 'CAST([] AS Array(Float64))'} AS sm
     FROM ${num.table}
     WHERE Timestamp >= now() - INTERVAL {secs:UInt32} SECOND AND ${filter}
     GROUP BY t, g`,
    { ...num.params, ...(den?.params ?? {}), ...(field?.params ?? {}), secs: seconds })
  for (const r of rows) {
    const labels: Record<string, string> = {}
    rule.groupBy.forEach((g, i) => { labels[g] = r.g[i] ?? '' })
    const key = r.g.join('\u0001')
    const t = Number(r.t)
    const iv = rt.rollups.intervals.get(t)?.get(key)
    if (iv) continue // already live
    rt.rollups.put(t, key, labels, { count: Number(r.c), denom: den ? Number(r.d) : 0, sum: Number(r.s), distinct: r.dv, samples: r.sm.map(Number) })
  }
  return rows.length
}

/** Absence: when each group was last seen in the last day. */
export async function backfillLastSeen(store: Store, rt: RuleRuntime): Promise<void> {
  const c = compiled(rt.rule, parseRuleQueries(rt.rule).ast, 'a')
  const rows = await store.query<{ g: string[]; ms: string; n: string }>(
    `SELECT ${groupSelect(c.groupCols)} AS g, toUnixTimestamp64Milli(max(Timestamp)) AS ms, count() AS n FROM ${c.table}
     WHERE Timestamp >= now() - INTERVAL 1 DAY AND (${c.where}) GROUP BY g ORDER BY n DESC LIMIT ${MAX_GROUPS}`, c.params)
  for (const r of rows) {
    const key = r.g.join('\u0001')
    if (rt.lastSeen!.has(key)) continue
    const labels: Record<string, string> = {}
    rt.rule.groupBy.forEach((g, i) => { labels[g] = r.g[i] ?? '' })
    rt.lastSeen!.set(key, { ms: Math.min(Number(r.ms), Date.now()), labels, n: Number(r.n) })
  }
}

/** New value: the seen-set from the seen table, or (first time) from the data of the last N days. */
export async function loadSeenValues(store: Store, rt: RuleRuntime): Promise<void> {
  const rule = rt.rule
  const stored = await store.query<{ value: string }>(
    `SELECT value FROM ${SEEN_TABLE} FINAL WHERE rule_id = {id:String} AND last_seen >= now() - INTERVAL {days:UInt16} DAY`, { id: rule.id, days: rule.newValueDays })
  let values = stored.map((r) => r.value)
  if (values.length === 0) {
    const c = compiled(rule, parseRuleQueries(rule).ast, 'v')
    const f = fieldExpression(rule.field!, { target: rule.target, paramPrefix: 'nv' })
    const rows = await store.query<{ v: string }>(
      `SELECT DISTINCT toString(${f.sql}) AS v FROM ${c.table} WHERE Timestamp >= now() - INTERVAL {days:UInt16} DAY AND (${c.where}) LIMIT 100000`,
      { ...c.params, ...f.params, days: rule.newValueDays })
    values = rows.map((r) => r.v).filter((v) => v !== '')
    rt.fresh!.push(...values)
  }
  for (const v of values) rt.seen!.add(v)
  rt.ready = true
}

/** Anomaly: per group, the count in the same window 1–4 weeks ago. */
export async function seasonalPoints(store: Store, rule: Rule): Promise<Map<string, number[]>> {
  const c = compiled(rule, parseRuleQueries(rule).ast, 's')
  const w = rule.windowSeconds
  const rows = await store.query<{ wk: number; g: string[]; c: string }>(
    `SELECT intDiv(toUInt32(now()) - toUInt32(toDateTime(Timestamp)), 604800) AS wk, ${groupSelect(c.groupCols)} AS g, count() AS c
     FROM ${c.table}
     WHERE Timestamp >= now() - INTERVAL 29 DAY AND (${c.where})
       AND (toUInt32(now()) - toUInt32(toDateTime(Timestamp))) % 604800 < {w:UInt32}
       AND (toUInt32(now()) - toUInt32(toDateTime(Timestamp))) >= 604800
     GROUP BY wk, g`, { ...c.params, w })
  const out = new Map<string, number[]>()
  for (const r of rows) {
    const key = r.g.join('\u0001')
    const list = out.get(key) ?? []
    list.push(Number(r.c))
    out.set(key, list)
  }
  // A week with no records at all for a group that exists counts as 0 only when other weeks have data.
  return out
}
