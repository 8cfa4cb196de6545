import type { FastifyInstance } from 'fastify'
import { compileQuery, parseQuery, resolveField, type Ast } from '@beacon/query'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { histogramFromRollup } from '../store/rollups.ts'
import { bucketSeconds, chTime, parseRange, type TimeRange } from './time-range.ts'
import { intParam, qs, type ApiDeps } from './deps.ts'
import { LOG_SELECT, SPAN_SELECT, logView, spanView, type LogRow, type SpanRow } from './records.ts'
import { afterCursor, decodeCursor, encodeCursor, nextCursor, orderBy, parseSort, type Cursor } from './search-page.ts'
import { pickFields, parseFieldList } from './search-fields.ts'
import { errors, ok } from './openapi-schemas.ts'
import { POINT_LOOKUP_SETTINGS } from './read-limits.ts'
import { searchArchive } from './archive-search.ts'

/**
 * GET /api/search?q=&from=&to=&limit=&cursor=&target=logs|spans&sort=<field>:asc|desc&fields=a,b
 * → events (newest first unless `sort` says otherwise), the total count, a per-level histogram over
 * the range, a next-page cursor (exact: see search-page.ts) and warnings about the query.
 */

export type Target = 'logs' | 'spans'

export function parseTarget(query: unknown): Target {
  const t = qs(query, 'target') || 'logs'
  if (t !== 'logs' && t !== 'spans') throw new BeaconError('bad_request', `target must be logs or spans, not ${JSON.stringify(t.slice(0, 32))}`)
  return t
}

/** Columns whose value names one order, trace or span: an equality on one matches a handful of records. */
const POINT_COLUMNS = new Set(['OrderId', 'TraceId', 'SpanId'])

/**
 * Whether the query requires an exact order, trace or span id (`order.id:ORD-1`, also AND-ed
 * with other conditions): then it matches a handful of records, and the search reads them first
 * and counts them itself instead of running the histogram query (search route below).
 */
export function isPointLookup(ast: Ast, target: Target): boolean {
  const nodes = ast.kind === 'and' ? ast.children : [ast]
  return nodes.some((n) => {
    if (n.kind !== 'field' || n.match.op !== 'is' || n.match.value.type === 'pattern' || n.match.value.type === 'regex') return false
    try {
      const r = resolveField(n.field, target)
      return r.type === 'column' && r.column.columns.length === 1 && POINT_COLUMNS.has(r.column.columns[0])
    } catch {
      return false
    }
  })
}

/** WHERE clause for a search over a time range, with its parameters; `rewrite` is ApiDeps.rewriteSearch. */
export function searchWhere(q: string, target: Target, range: TimeRange, rewrite?: (ast: Ast) => Ast): { where: string; params: Record<string, unknown>; warnings: string[]; pointLookup: boolean } {
  const warnings: string[] = []
  const parsed = parseQuery(q, { warnings })
  const ast = rewrite ? rewrite(parsed) : parsed
  const compiled = compileQuery(ast, { target })
  const params: Record<string, unknown> = { ...compiled.params, from: chTime(range.fromMs), to: chTime(range.toMs) }
  const time = target === 'logs'
    ? 'TimestampTime >= toDateTime({from:DateTime64(3)}) AND TimestampTime <= toDateTime({to:DateTime64(3)}) AND Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}'
    : 'Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}'
  return { where: `${time} AND (${compiled.sql})`, params, warnings, pointLookup: isPointLookup(ast, target) }
}

/**
 * The histogram of a result that is complete in `rows` (fewer rows than the page limit, no
 * cursor): the same buckets and levels the histogram query would count. Buckets are whole
 * seconds since the epoch, as toStartOfInterval(…, toIntervalSecond(bucket)) makes them.
 */
export function histogramOfRows(rows: readonly { ts: string; SeverityText?: string; StatusCode?: string }[], target: Target, bucket: number): { t: number; level: string; c: string }[] {
  const counts = new Map<string, { t: number; level: string; c: number }>()
  for (const r of rows) {
    const sec = Number(r.ts.length > 9 ? r.ts.slice(0, -9) : '0')
    const t = Math.floor(sec / bucket) * bucket
    const level = target === 'logs' ? r.SeverityText ?? '' : r.StatusCode === 'Error' ? 'ERROR' : 'INFO'
    const key = `${t}\0${level}`
    const e = counts.get(key)
    if (e) e.c++
    else counts.set(key, { t, level, c: 1 })
  }
  return [...counts.values()].sort((a, b) => a.t - b.t).map((e) => ({ t: e.t, level: e.level, c: String(e.c) }))
}

/**
 * Start (Unix seconds) of the newest histogram buckets that together hold at least `need`
 * matches at or before the cursor, or null when the whole range is needed. The bucket holding the
 * cursor is included but not counted (some of its rows are after the cursor).
 */
export function newestWindowStart(hist: { t: number; c: string }[], bucket: number, need: number, cursor: Pick<Cursor, 'ts'> | null): number | null {
  const perBucket = new Map<number, number>()
  for (const h of hist) perBucket.set(Number(h.t), (perBucket.get(Number(h.t)) ?? 0) + Number(h.c))
  const cursorSec = cursor ? Number(cursor.ts.slice(0, -9) || '0') : Infinity
  let seen = 0
  for (const t of [...perBucket.keys()].sort((a, b) => b - a)) {
    if (t > cursorSec) continue
    if (t + bucket > cursorSec) continue
    seen += perBucket.get(t)!
    if (seen >= need) return t
  }
  return null
}


export function registerSearchRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/search', {
    schema: {
      description: 'Search logs or spans with the query language (docs/query-language.md): matching records, total, histogram by level, cursor.',
      tags: ['search'],
      querystring: {
        type: 'object',
        properties: {
          q: { type: 'string', description: 'Query, e.g. service:shop-api level:>=warn "payment failed"' },
          target: { type: 'string', description: 'logs (default) or spans' },
          from: { type: 'string', description: 'ISO 8601 time or now-15m (default now-15m)' },
          to: { type: 'string', description: 'ISO 8601 time or now (default now)' },
          limit: { type: 'string', description: 'Records per page, 1–1000 (default 100)' },
          cursor: { type: 'string', description: 'nextCursor of the previous page' },
          sort: { type: 'string', description: 'field:asc or field:desc (default @timestamp:desc)' },
          fields: { type: 'string', description: 'Comma-separated fields to return (default all)' },
          scope: { type: 'string', description: 'hot (default), archive (the Parquet archive, read in place) or all' },
        },
      },
      response: { ...ok('`events` (hits with `id`), `total`, `histogram`, `nextCursor`, `warnings` (docs/search-api.md)'), ...errors(400) },
    },
    config: { permission: ['logs:read', 'traces:read'] },
  }, async (request) => {
    const scope = qs(request.query, 'scope') || 'hot'
    if (scope !== 'hot') return searchArchive(deps, request.query, scope)
    const target = parseTarget(request.query)
    const q = qs(request.query, 'q')
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'))
    const limit = intParam(request.query, 'limit', 100, 1, 1000)
    const cursor = decodeCursor(qs(request.query, 'cursor'))
    const order = parseSort(qs(request.query, 'sort'), target)
    const fields = parseFieldList(qs(request.query, 'fields'))
    const { where, params, warnings, pointLookup } = searchWhere(q, target, range, deps.rewriteSearch)
    const table = target === 'logs' ? LOGS_TABLE : TRACES_TABLE
    const bucket = bucketSeconds(range)

    const page = cursor ? afterCursor(order, target, cursor) : { sql: '1', params: {} }
    const sortValue = order.field ? `, toString(${order.field.sql}) AS sv` : ''
    // An exact id's statements prune by its bloom filter before reading (POINT_LOOKUP_SETTINGS).
    const own = pointLookup ? ` ${POINT_LOOKUP_SETTINGS}` : ''
    const rowsSql = `SELECT ${target === 'logs' ? LOG_SELECT : SPAN_SELECT}${sortValue} FROM ${table} WHERE ${where} AND ${page.sql}/*window*/
ORDER BY ${orderBy(order, target)} LIMIT {limit:UInt32} OFFSET {skip:UInt32}${own}`
    const levelExpr = target === 'logs' ? 'SeverityText' : "if(StatusCode = 'Error', 'ERROR', 'INFO')"
    const timeCol = target === 'logs' ? 'TimestampTime' : 'toDateTime(Timestamp)'
    const histSql = `SELECT toUnixTimestamp(toStartOfInterval(${timeCol}, toIntervalSecond({bucket:UInt32}))) AS t, ${levelExpr} AS level, count() AS c
FROM ${table} WHERE ${where} GROUP BY t, level ORDER BY t${own}`

    const rowParams = { ...params, ...page.params, ...(order.field?.params ?? {}), limit, skip: cursor?.skip ?? 0 }
    let hist: { t: number; level: string; c: string }[] | null = null
    let rows: (LogRow & SpanRow & { sv?: string })[] | null = null
    // An exact order, trace or span id matches a handful of records: read them first (one
    // statement instead of two); when they are fewer than a page they are every match, and the
    // histogram is counted from them. Otherwise the usual two statements below.
    if (pointLookup && !cursor) {
      rows = await deps.store.query<LogRow & SpanRow & { sv?: string }>(rowsSql.replace('/*window*/', ''), { ...rowParams, lb: 0 })
      if (rows.length < limit) hist = histogramOfRows(rows, target, bucket)
    }
    // The histogram first: its counts tell how far back the newest `limit` matches reach, so the
    // rows query reads only that window instead of sorting every match in the range.
    // An empty query's histogram comes from the per-minute rollup (store/rollups.ts) when it can answer exactly.
    hist ??= await histogramFromRollup(deps.store, { q, target, fromMs: range.fromMs, toMs: range.toMs, bucket, where, params })
      ?? await deps.store.query<{ t: number; level: string; c: string }>(histSql, { ...params, bucket })
    if (rows === null) {
      const lowerBound = order.newestFirst ? newestWindowStart(hist, bucket, limit + (cursor?.skip ?? 0), cursor) : null
      const window = lowerBound === null ? '' : ` AND ${timeCol} >= toDateTime({lb:UInt32})`
      rows = await deps.store.query<LogRow & SpanRow & { sv?: string }>(rowsSql.replace('/*window*/', window), { ...rowParams, lb: lowerBound ?? 0 })
    }
    const views = target === 'logs' ? rows.map((r) => logView(r)) : rows.map((r) => spanView(r))
    const events = fields ? views.map((v) => pickFields(v, fields)) : views

    let total = 0
    const byBucket = new Map<number, Record<string, number>>()
    for (const h of hist) {
      const c = Number(h.c)
      total += c
      const t = Number(h.t)
      const counts = byBucket.get(t) ?? {}
      counts[h.level] = (counts[h.level] ?? 0) + c
      byBucket.set(t, counts)
    }
    const firstBucket = Math.floor(range.fromMs / 1000 / bucket) * bucket
    const buckets: { time: string; counts: Record<string, number> }[] = []
    for (let t = firstBucket; t * 1000 <= range.toMs; t += bucket) {
      buckets.push({ time: new Date(t * 1000).toISOString(), counts: byBucket.get(t) ?? {} })
    }

    return {
      target,
      query: q,
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
      total,
      events,
      histogram: { bucketSeconds: bucket, buckets },
      nextCursor: rows.length === limit ? encodeCursor(nextCursor(rows, cursor)) : null,
      warnings,
    }
  })
}
