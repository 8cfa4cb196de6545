import type { FastifyInstance } from 'fastify'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { intParam, qs, type ApiDeps } from './deps.ts'
import { errors, ok, query, stringParam } from './openapi-schemas.ts'
import { LOG_SELECT, ROW_HASH, SPAN_SELECT, logView, parseRecordId, spanView, type LogRow, type SpanRow } from './records.ts'

/**
 * GET /api/search/context?id=<hit id>&by=service|trace&before=N&after=N
 * → { before: [...], anchor, after: [...] } — Kibana's "surrounding documents": the records just
 * before and after one search hit (in the search's total order: time, then record hash), from the
 * same service or the same trace, oldest first. Hits have the shape search returns.
 */

/** How far from the anchor context is looked for: keeps the scan to a day's partitions. */
const WINDOW_NS = 24n * 3600n * 1_000_000_000n

export function registerContextRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/search/context', {
    schema: {
      description: 'The records before and after one search hit (same service or same trace), oldest first.',
      tags: ['search'],
      querystring: query({
        id: stringParam('the id of a search hit'),
        by: stringParam('service or trace', { default: 'service' }),
        before: stringParam('records before, 0–500', { default: '10' }),
        after: stringParam('records after, 0–500', { default: '10' }),
      }),
      response: { ...ok('`before` (oldest first), `anchor`, `after`: hits as search returns them'), ...errors(400, 404) },
    },
    config: { permission: ['logs:read', 'traces:read'], audit: 'search.context' },
  }, async (request) => {
    const id = parseRecordId(qs(request.query, 'id'))
    if (!id) throw new BeaconError('bad_request', 'id must be the id of a search hit, e.g. l1700000000123456789-9a3f01c2')
    const by = qs(request.query, 'by') || 'service'
    if (by !== 'service' && by !== 'trace') throw new BeaconError('bad_request', 'by must be service or trace')
    const nBefore = intParam(request.query, 'before', 10, 0, 500)
    const nAfter = intParam(request.query, 'after', 10, 0, 500)
    const { target } = id
    const table = target === 'logs' ? LOGS_TABLE : TRACES_TABLE
    const select = target === 'logs' ? LOG_SELECT : SPAN_SELECT
    const hash = ROW_HASH[target]
    const view = (r: LogRow & SpanRow) => (target === 'logs' ? logView(r) : spanView(r))
    const ts = 'fromUnixTimestamp64Nano(toInt64({ts:String}))'
    const params = { ts: id.ts, h: id.hash, lo: String(BigInt(id.ts) - WINDOW_NS), hi: String(BigInt(id.ts) + WINDOW_NS) }

    const [anchor] = await deps.store.query<LogRow & SpanRow>(
      `SELECT ${select} FROM ${table} WHERE Timestamp = ${ts} AND ${hash} = {h:UInt32} LIMIT 1`, params)
    if (!anchor) throw new BeaconError('not_found', 'no record with this id (it may have expired); search again')
    const scope = by === 'service' ? 'ServiceName = {scope:String}' : 'TraceId = {scope:String}'
    const scopeValue = by === 'service' ? anchor.ServiceName : anchor.TraceId
    if (scopeValue === '') throw new BeaconError('bad_request', 'this record has no trace id; use by=service')
    const near = `${scope} AND Timestamp >= fromUnixTimestamp64Nano(toInt64({lo:String})) AND Timestamp <= fromUnixTimestamp64Nano(toInt64({hi:String}))`
    const [before, after] = await Promise.all([
      nBefore === 0 ? [] : deps.store.query<LogRow & SpanRow>(`SELECT ${select} FROM ${table} WHERE ${near}
        AND (Timestamp < ${ts} OR (Timestamp = ${ts} AND ${hash} < {h:UInt32})) ORDER BY Timestamp DESC, ${hash} DESC LIMIT {n:UInt32}`,
      { ...params, scope: scopeValue, n: nBefore }),
      nAfter === 0 ? [] : deps.store.query<LogRow & SpanRow>(`SELECT ${select} FROM ${table} WHERE ${near}
        AND (Timestamp > ${ts} OR (Timestamp = ${ts} AND ${hash} > {h:UInt32})) ORDER BY Timestamp ASC, ${hash} ASC LIMIT {n:UInt32}`,
      { ...params, scope: scopeValue, n: nAfter }),
    ])
    return { by, before: before.reverse().map(view), anchor: view(anchor), after: after.map(view) }
  })
}
