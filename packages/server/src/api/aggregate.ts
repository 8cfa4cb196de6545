import type { FastifyInstance } from 'fastify'
import { fieldExpression, resolveField } from '@beacon/query'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { bucketSeconds, parseRange, isoRange } from './time-range.ts'
import { intParam, qs, type ApiDeps } from './deps.ts'
import { parseTarget, searchWhere, type Target } from './search.ts'
import { errors, ok, query as queryParams, stringParam, QUERY, TARGET, TIME_RANGE } from './openapi-schemas.ts'

/**
 * GET /api/aggregate?q=&from=&to=&target=logs|spans&metrics=count,p95(duration)&groupBy=service,level&interval=auto|1m&top=N
 * → { from, to, intervalMs?, metrics, groupBy, rows: [{ time?, key, values }], other?, truncated, warnings }
 *
 *   metrics  count | count_distinct(f) | sum/avg/min/max(f) | p50/p90/p95/p99(f)   (at most 10)
 *   groupBy  up to 3 fields; the `top` groups by count are returned, the rest summed into `other`
 *   interval time buckets (auto ≈ 60 buckets); at most MAX_ROWS rows in all
 *
 * Numbers: `duration` is in milliseconds; an attribute is read as a number where it is one.
 * Every field name and value reaches SQL as a parameter.
 */

const MAX_METRICS = 10
const MAX_GROUP_FIELDS = 3
const MAX_TOP = 100
const MAX_ROWS = 10_000
const MAX_BUCKETS = 2_000

const AGGREGATES: Record<string, (e: string) => string> = {
  sum: (e) => `sum(${e})`, avg: (e) => `avg(${e})`, min: (e) => `min(${e})`, max: (e) => `max(${e})`,
  p50: (e) => `quantile(0.5)(${e})`, p90: (e) => `quantile(0.9)(${e})`, p95: (e) => `quantile(0.95)(${e})`, p99: (e) => `quantile(0.99)(${e})`,
}

interface Compiled { sql: string; params: Record<string, unknown> }

/** A field as a number (Float64, NULL when not one): duration in ms, columns as they are, attributes parsed. */
function numericExpression(name: string, target: Target, prefix: string): Compiled {
  const r = resolveField(name, target)
  if (r.type === 'column') {
    if (r.column.kind === 'duration') return { sql: 'Duration / 1e6', params: {} }
    if (r.column.kind === 'number') return { sql: `toFloat64(${r.column.columns[0]})`, params: {} }
    if (r.column.kind === 'level') return { sql: 'toFloat64(SeverityNumber)', params: {} }
  }
  const f = fieldExpression(name, { target, paramPrefix: prefix })
  return { sql: `toFloat64OrNull(toString(${f.sql}))`, params: f.params }
}

interface Metric { name: string; sql: string; params: Record<string, unknown> }

export function parseMetrics(text: string, target: Target): Metric[] {
  const parts = (text || 'count').split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (parts.length === 0 || parts.length > MAX_METRICS) throw new BeaconError('bad_request', `metrics takes 1 to ${MAX_METRICS} metrics, e.g. count,p95(duration)`)
  return parts.map((p, i) => {
    if (p === 'count') return { name: 'count', sql: 'count()', params: {} }
    const m = /^([a-z_0-9]+)\((.{1,256})\)$/.exec(p)
    if (!m) throw new BeaconError('bad_request', `metric ${JSON.stringify(p.slice(0, 64))} is not one of count, count_distinct(f), sum/avg/min/max(f), p50/p90/p95/p99(f)`)
    const [, fn, field] = m
    if (fn === 'count_distinct') {
      const f = fieldExpression(field, { target, paramPrefix: `m${i}x` })
      return { name: p, sql: `uniqExact(${f.sql})`, params: f.params }
    }
    const agg = AGGREGATES[fn]
    if (!agg) throw new BeaconError('bad_request', `unknown metric function ${JSON.stringify(fn.slice(0, 32))}: use count, count_distinct, sum, avg, min, max, p50, p90, p95 or p99`)
    const e = numericExpression(field, target, `m${i}x`)
    return { name: p, sql: agg(e.sql), params: e.params }
  })
}

const INTERVAL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

export function parseInterval(text: string, fromMs: number, toMs: number): number | null {
  if (text === '') return null
  if (text === 'auto') return bucketSeconds({ fromMs, toMs }, 60)
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(text)
  if (!m || Number(m[1]) === 0) throw new BeaconError('bad_request', 'interval must be auto or a number with s, m, h or d, e.g. 30s, 5m, 1h')
  const seconds = Number(m[1]) * INTERVAL_UNITS[m[2]]
  if ((toMs - fromMs) / 1000 / seconds > MAX_BUCKETS) {
    throw new BeaconError('bad_request', `interval ${text} makes more than ${MAX_BUCKETS} buckets over this range; choose a larger one or auto`)
  }
  return seconds
}

/** NaN/inf from empty groups become null in JSON. */
function num(v: unknown): number | null {
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}

export function registerAggregateRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/aggregate', {
    schema: {
      description: 'Counts, distinct counts, sums, averages, min/max and percentiles over a query, by up to three fields and/or time buckets; top-N groups with the rest as "other".',
      tags: ['aggregate'],
      querystring: queryParams({
        q: QUERY, ...TIME_RANGE, target: TARGET,
        metrics: stringParam('e.g. count,count_distinct(user.id),p95(duration)', { default: 'count' }),
        groupBy: stringParam('up to 3 comma-separated fields, e.g. service,level'),
        interval: stringParam('auto, or 10s, 1m, 1h, 1d; omit for no time buckets'),
        top: stringParam('groups returned, 1–100; the rest are summed into other', { default: '10' }),
      }),
      response: { ...ok('`rows` [{ time?, key, values }], `other`, `truncated`, `intervalMs`, `warnings` (docs/search-api.md)'), ...errors(400) },
    },
    config: { permission: ['aggregates:read', 'logs:read', 'traces:read'], audit: 'aggregate' },
  }, async (request) => {
    const query = request.query
    const target = parseTarget(query)
    const range = parseRange(qs(query, 'from'), qs(query, 'to'))
    const metrics = parseMetrics(qs(query, 'metrics'), target)
    const groupBy = qs(query, 'groupBy').split(',').map((s) => s.trim()).filter((s) => s !== '')
    if (groupBy.length > MAX_GROUP_FIELDS) throw new BeaconError('bad_request', `groupBy takes at most ${MAX_GROUP_FIELDS} fields`)
    // Analysts (aggregates:read without a reader permission) group only by the configured
    // dimensions, as facets give them values only of those (api/fields.ts).
    const principal = request.principal
    if (principal && !principal.permissions.has('logs:read') && !principal.permissions.has('traces:read')) {
      const hidden = groupBy.filter((g) => !deps.config.security.dimensions.includes(g))
      if (hidden.length > 0) {
        throw new BeaconError('forbidden', `with aggregates:read only, group by the configured dimensions (security.dimensions), not ${hidden.join(', ').slice(0, 200)}`)
      }
    }
    const top = intParam(query, 'top', 10, 1, MAX_TOP)
    const interval = parseInterval(qs(query, 'interval'), range.fromMs, range.toMs)
    const buckets = interval === null ? 1 : Math.ceil((range.toMs - range.fromMs) / 1000 / interval) + 1
    if (groupBy.length > 0 && buckets * top > MAX_ROWS) {
      throw new BeaconError('bad_request', `${buckets} buckets × top ${top} is more than ${MAX_ROWS} rows; choose a larger interval or a smaller top`)
    }
    const { where, params, warnings } = searchWhere(qs(query, 'q'), target, range, deps.rewriteSearch)
    const table = target === 'logs' ? LOGS_TABLE : TRACES_TABLE
    const groups = groupBy.map((g, i) => fieldExpression(g, { target, paramPrefix: `g${i}x` }))
    const allParams: Record<string, unknown> = { ...params, top, interval: interval ?? 1 }
    for (const x of [...metrics, ...groups]) Object.assign(allParams, x.params)

    const keys = groups.map((g, i) => `toString(${g.sql}) AS k${i}`)
    const keyNames = groups.map((_, i) => `k${i}`)
    const values = metrics.map((m, i) => `${m.sql} AS v${i}`).join(', ')
    const time = interval === null ? null : `toUnixTimestamp(toStartOfInterval(toDateTime(Timestamp), toIntervalSecond({interval:UInt32})))`

    // Top groups by count over the whole range; one more than asked tells whether there are others.
    let topKeys: string[][] = []
    let truncated = false
    let inTop = '1'
    if (groups.length > 0) {
      const ranked = await deps.store.query<Record<string, string>>(
        `SELECT ${keys.join(', ')}, count() AS c FROM ${table} WHERE ${where} GROUP BY ${keyNames.join(', ')} ORDER BY c DESC, ${keyNames.join(', ')} LIMIT {top1:UInt32}`,
        { ...allParams, top1: top + 1 })
      truncated = ranked.length > top
      topKeys = ranked.slice(0, top).map((r) => keyNames.map((k) => r[k]))
      allParams.topKeys = topKeys.map((k) => k.join('\u0000'))
      inTop = `arrayStringConcat([${groups.map((g) => `toString(${g.sql})`).join(', ')}], '\\0') IN {topKeys:Array(String)}`
    }

    const select = [time ? `${time} AS t` : null, ...keys, values].filter(Boolean).join(', ')
    const groupCols = [time ? 't' : null, ...keyNames].filter(Boolean)
    const rows = topKeys.length === 0 && groups.length > 0 ? [] : await deps.store.query<Record<string, unknown>>(
      `SELECT ${select} FROM ${table} WHERE ${where} AND ${inTop}${groupCols.length ? ` GROUP BY ${groupCols.join(', ')} ORDER BY ${groupCols.join(', ')}` : ''} LIMIT ${MAX_ROWS + 1}`,
      allParams)
    if (rows.length > MAX_ROWS) { rows.length = MAX_ROWS; truncated = true }

    let other: Record<string, number | null> | undefined
    if (truncated && groups.length > 0) {
      const [o] = await deps.store.query<Record<string, unknown>>(`SELECT ${values} FROM ${table} WHERE ${where} AND NOT (${inTop})`, allParams)
      other = Object.fromEntries(metrics.map((m, i) => [m.name, num(o?.[`v${i}`])]))
    }

    return {
      target,
      ...isoRange(range),
      ...(interval === null ? {} : { intervalMs: interval * 1000 }),
      metrics: metrics.map((m) => m.name),
      groupBy,
      rows: rows.map((r) => ({
        ...(time ? { time: new Date(Number(r.t) * 1000).toISOString() } : {}),
        key: Object.fromEntries(groupBy.map((g, i) => [g, String(r[`k${i}`])])),
        values: Object.fromEntries(metrics.map((m, i) => [m.name, num(r[`v${i}`])])),
      })),
      ...(other ? { other } : {}),
      truncated,
      warnings,
    }
  })
}
