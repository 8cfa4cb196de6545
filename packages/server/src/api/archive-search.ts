import { parseQuery, type Ast } from '@beacon/query'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { bucketSeconds, parseRange, isoRange } from './time-range.ts'
import { intParam, qs, type ApiDeps } from './deps.ts'
import { LOG_SELECT, SPAN_SELECT, logView, spanView, type LogRow, type SpanRow } from './records.ts'
import { parseTarget, searchWhere, type Target } from './search.ts'

/**
 * `/api/search?scope=archive|all`: the same query language over the archived Parquet objects,
 * read in place through ClickHouse's file()/s3() table functions. Only the objects whose day
 * (and, when the query pins `service:`, whose service) can match are named in the read.
 * `scope=all` adds hot storage; a day that is both hot and archived (restored) is read from hot
 * storage only. Pages by `limit` only (no cursor).
 */
export interface ArchiveReader {
  /** Archived objects of a signal from `fromDay` to `toDay` (YYYY-MM-DD), restricted to `services` when given. */
  objects(target: Target, fromDay: string, toDay: string, services: string[] | null): Promise<{ key: string; service: string; day: string }[]>
  /** `signal|service|day` of every hot partition. */
  hotDays(): Promise<Set<string>>
  tableFunction(keys: string[]): { sql: string; params: Record<string, string> }
}

/** Services the query pins (`service:a`, `service:a OR service:b` at the top level of an AND), or null for any. */
export function pinnedServices(ast: Ast): string[] | null {
  const one = (n: Ast): string[] | null => {
    if (n.kind === 'field' && (n.field === 'service' || n.field === 'service.name') && n.match.op === 'is' && (n.match.value.type === 'word' || n.match.value.type === 'phrase')) return [n.match.value.text]
    if (n.kind === 'or') {
      const all = n.children.map(one)
      return all.every((x) => x !== null) ? all.flat() : null
    }
    return null
  }
  if (ast.kind === 'and') {
    for (const c of ast.children) { const s = one(c); if (s) return s }
    return null
  }
  return one(ast)
}

const day = (ms: number, shift: number): string => new Date(ms + shift * 86_400_000).toISOString().slice(0, 10)

export async function searchArchive(deps: ApiDeps, query: unknown, scope: string): Promise<Record<string, unknown>> {
  if (scope !== 'archive' && scope !== 'all') throw new BeaconError('bad_request', `scope must be hot, archive or all, not ${JSON.stringify(scope.slice(0, 32))}`)
  const reader = deps.archive
  if (!reader) throw new BeaconError('bad_request', 'the archive is off (set BEACON_ARCHIVE_URL); search with scope=hot')
  const target = parseTarget(query)
  const q = qs(query, 'q')
  const range = parseRange(qs(query, 'from'), qs(query, 'to'))
  const limit = intParam(query, 'limit', 100, 1, 1000)
  const { where, params } = searchWhere(q, target, range, deps.rewriteSearch)
  const bucket = bucketSeconds(range)
  const signal = target === 'logs' ? 'logs' : 'spans'

  // Partition days follow the store's clock; a day either side covers any time zone.
  let objects = await reader.objects(target, day(range.fromMs, -1), day(range.toMs, 1), pinnedServices(parseQuery(q)))
  if (scope === 'all') {
    const hot = await reader.hotDays()
    objects = objects.filter((o) => !hot.has(`${signal}|${o.service}|${o.day}`))
  }
  const sources: { from: string; params: Record<string, unknown> }[] = []
  if (scope === 'all') sources.push({ from: target === 'logs' ? LOGS_TABLE : TRACES_TABLE, params: {} })
  if (objects.length > 0) {
    const tf = reader.tableFunction(objects.map((o) => o.key))
    sources.push({ from: tf.sql, params: tf.params })
  }
  const levelExpr = target === 'logs' ? 'SeverityText' : "if(StatusCode = 'Error', 'ERROR', 'INFO')"
  const timeCol = target === 'logs' ? 'TimestampTime' : 'toDateTime(Timestamp)'
  const select = target === 'logs' ? LOG_SELECT : SPAN_SELECT
  const results = await Promise.all(sources.map(async (s) => {
    const p = { ...params, ...s.params, bucket, limit }
    const [hist, rows] = await Promise.all([
      deps.store.query<{ t: number; level: string; c: string }>(
        `SELECT toUnixTimestamp(toStartOfInterval(${timeCol}, toIntervalSecond({bucket:UInt32}))) AS t, ${levelExpr} AS level, count() AS c
         FROM ${s.from} WHERE ${where} GROUP BY t, level`, p),
      deps.store.query<LogRow & SpanRow>(`SELECT ${select} FROM ${s.from} WHERE ${where} ORDER BY Timestamp DESC LIMIT {limit:UInt32}`, p),
    ])
    return { hist, rows }
  }))

  const rows = results.flatMap((r) => r.rows).sort((a, b) => (BigInt(b.ts) > BigInt(a.ts) ? 1 : BigInt(b.ts) < BigInt(a.ts) ? -1 : 0)).slice(0, limit)
  const byBucket = new Map<number, Record<string, number>>()
  let total = 0
  for (const h of results.flatMap((r) => r.hist)) {
    const c = Number(h.c)
    total += c
    const counts = byBucket.get(Number(h.t)) ?? {}
    counts[h.level] = (counts[h.level] ?? 0) + c
    byBucket.set(Number(h.t), counts)
  }
  const buckets: { time: string; counts: Record<string, number> }[] = []
  for (let t = Math.floor(range.fromMs / 1000 / bucket) * bucket; t * 1000 <= range.toMs; t += bucket) {
    buckets.push({ time: new Date(t * 1000).toISOString(), counts: byBucket.get(t) ?? {} })
  }
  return {
    target, scope, query: q,
    ...isoRange(range),
    total,
    events: target === 'logs' ? rows.map((r) => logView(r)) : rows.map((r) => spanView(r)),
    histogram: { bucketSeconds: bucket, buckets },
    nextCursor: null,
    archive: { objectsRead: objects.length, days: [...new Set(objects.map((o) => o.day))].sort() },
  }
}
