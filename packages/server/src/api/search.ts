import type { FastifyInstance } from 'fastify'
import { compileQuery, parseQuery, type Ast } from '@beacon/query'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { bucketSeconds, chTime, parseRange, type TimeRange } from './time-range.ts'
import { intParam, qs, type ApiDeps } from './deps.ts'
import { LOG_SELECT, SPAN_SELECT, logView, spanView, type LogRow, type SpanRow } from './records.ts'
import { searchArchive } from './archive-search.ts'

/**
 * GET /api/search?q=&from=&to=&limit=&cursor=&target=logs|spans
 * → newest-first events, the total count, a per-level histogram over the range, a next-page cursor.
 */

interface Cursor { ts: string; skip: number }

function decodeCursor(text: string): Cursor | null {
  if (!text) return null
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor
    if (typeof c.ts === 'string' && /^\d{1,20}$/.test(c.ts) && Number.isInteger(c.skip) && c.skip >= 0) return c
  } catch { /* fall through */ }
  throw new BeaconError('bad_request', 'cursor is not one this server issued; start again without it')
}

const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url')

export type Target = 'logs' | 'spans'

export function parseTarget(query: unknown): Target {
  const t = qs(query, 'target') || 'logs'
  if (t !== 'logs' && t !== 'spans') throw new BeaconError('bad_request', `target must be logs or spans, not ${JSON.stringify(t.slice(0, 32))}`)
  return t
}

/** WHERE clause for a search over a time range, with its parameters; `rewrite` is ApiDeps.rewriteSearch. */
export function searchWhere(q: string, target: Target, range: TimeRange, rewrite?: (ast: Ast) => Ast): { where: string; params: Record<string, unknown> } {
  const ast = parseQuery(q)
  const compiled = compileQuery(rewrite ? rewrite(ast) : ast, { target })
  const params: Record<string, unknown> = { ...compiled.params, from: chTime(range.fromMs), to: chTime(range.toMs) }
  const time = target === 'logs'
    ? 'TimestampTime >= toDateTime({from:DateTime64(3)}) AND TimestampTime <= toDateTime({to:DateTime64(3)}) AND Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}'
    : 'Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}'
  return { where: `${time} AND (${compiled.sql})`, params }
}

/**
 * Start (Unix seconds) of the newest histogram buckets that together hold at least `need`
 * matches at or before the cursor, or null when the whole range is needed. The bucket holding the
 * cursor is included but not counted (some of its rows are after the cursor).
 */
export function newestWindowStart(hist: { t: number; c: string }[], bucket: number, need: number, cursor: Cursor | null): number | null {
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
  app.get('/api/search', { config: { permission: ['logs:read', 'traces:read'] } }, async (request) => {
    const scope = qs(request.query, 'scope') || 'hot'
    if (scope !== 'hot') return searchArchive(deps, request.query, scope)
    const target = parseTarget(request.query)
    const q = qs(request.query, 'q')
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'))
    const limit = intParam(request.query, 'limit', 100, 1, 1000)
    const cursor = decodeCursor(qs(request.query, 'cursor'))
    const { where, params } = searchWhere(q, target, range, deps.rewriteSearch)
    const table = target === 'logs' ? LOGS_TABLE : TRACES_TABLE
    const bucket = bucketSeconds(range)

    const page = cursor ? ' AND Timestamp <= fromUnixTimestamp64Nano(toInt64({cts:String}))' : ''
    const rowsSql = `SELECT ${target === 'logs' ? LOG_SELECT : SPAN_SELECT} FROM ${table} WHERE ${where}${page}/*window*/
ORDER BY Timestamp DESC LIMIT {limit:UInt32} OFFSET {skip:UInt32}`
    const levelExpr = target === 'logs' ? 'SeverityText' : "if(StatusCode = 'Error', 'ERROR', 'INFO')"
    const timeCol = target === 'logs' ? 'TimestampTime' : 'toDateTime(Timestamp)'
    const histSql = `SELECT toUnixTimestamp(toStartOfInterval(${timeCol}, toIntervalSecond({bucket:UInt32}))) AS t, ${levelExpr} AS level, count() AS c
FROM ${table} WHERE ${where} GROUP BY t, level ORDER BY t`

    // The histogram first: its counts tell how far back the newest `limit` matches reach, so the
    // rows query reads only that window instead of sorting every match in the range.
    const hist = await deps.store.query<{ t: number; level: string; c: string }>(histSql, { ...params, bucket })
    const lowerBound = newestWindowStart(hist, bucket, limit + (cursor?.skip ?? 0), cursor)
    const window = lowerBound === null ? '' : ` AND ${timeCol} >= toDateTime({lb:UInt32})`
    const rows = await deps.store.query<LogRow & SpanRow>(rowsSql.replace('/*window*/', window), { ...params, limit, skip: cursor?.skip ?? 0, cts: cursor?.ts ?? '0', lb: lowerBound ?? 0 })
    const events = target === 'logs' ? rows.map((r) => logView(r)) : rows.map((r) => spanView(r))

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

    let nextCursor: string | null = null
    if (rows.length === limit) {
      const lastTs = rows[rows.length - 1].ts
      let same = 0
      for (const r of rows) if (r.ts === lastTs) same++
      const skip = cursor && cursor.ts === lastTs ? cursor.skip + same : same
      nextCursor = encodeCursor({ ts: lastTs, skip })
    }
    return {
      target,
      query: q,
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
      total,
      events,
      histogram: { bucketSeconds: bucket, buckets },
      nextCursor,
    }
  })
}
