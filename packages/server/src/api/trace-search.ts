import type { FastifyInstance } from 'fastify'
import { BeaconError } from '../errors.ts'
import { TRACES_TABLE } from '../store/schema.ts'
import { chTime, parseRange, isoRange } from './time-range.ts'
import { intParam, qs, type ApiDeps } from './deps.ts'
import { searchWhere } from './search.ts'
import { isoFromNs } from './records.ts'
import { errors, ok, query, stringParam, LIMIT, TIME_RANGE } from './openapi-schemas.ts'

/**
 * GET /api/traces?service=&operation=&minDuration=&maxDuration=&q=&from=&to=&limit=
 * Jaeger's "find traces": traces that hold at least one span matching every filter, newest first.
 *
 *   1. spans matching service, operation, duration and `q` in the range → trace ids (newest first)
 *   2. those traces' spans (range widened by an hour each side, for traces that straddle it)
 *      → root service and operation, start, duration, span count, services, error count
 */
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }

/** `500ms`, `1.5s`, `2m`, `250us`, or a bare number of milliseconds → nanoseconds. */
export function parseDuration(text: string, name: string): bigint | null {
  const t = text.trim()
  if (t === '') return null
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)?$/.exec(t)
  if (!m) throw new BeaconError('bad_request', `${name}=${JSON.stringify(t.slice(0, 32))} is not a duration; use e.g. 500ms, 1.5s, 2m or a number of milliseconds`)
  return BigInt(Math.round(Number(m[1]) * UNIT_NS[m[2] ?? 'ms']))
}

interface TraceSummaryRow {
  TraceId: string; start: string; end: string; spans: string; services: string[]; errors: string
  rootService: string; rootOperation: string; firstService: string; firstOperation: string
}

export function registerTraceSearch(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/traces', {
    config: { permission: 'traces:read', audit: 'trace.search' },
    schema: {
      tags: ['traces'],
      description: 'Find traces (as in Jaeger): traces with at least one span matching every given filter, newest first. '
        + 'Each row: `traceId`, `rootService`, `rootOperation`, `start` (ISO 8601 UTC), `durationMs`, `spanCount`, `services`, `errorCount`.',
      querystring: query({
        service: stringParam('a span of this service'),
        operation: stringParam('a span with this name (operation), e.g. `POST /orders`'),
        minDuration: stringParam('that span lasted at least this long: 500ms, 1.5s, 2m or milliseconds'),
        maxDuration: stringParam('that span lasted at most this long'),
        q: stringParam('search over spans in the query language, e.g. `http.status:>=500`'),
        ...TIME_RANGE,
        limit: LIMIT(20, 500, 'traces'),
      }),
      response: { ...ok('`{ from, to, traces: [...] }`'), ...errors(400) },
    },
  }, async (request) => {
    const q = request.query
    const range = parseRange(qs(q, 'from'), qs(q, 'to'), 'now-1h')
    const limit = intParam(q, 'limit', 20, 1, 500)
    const minNs = parseDuration(qs(q, 'minDuration'), 'minDuration')
    const maxNs = parseDuration(qs(q, 'maxDuration'), 'maxDuration')
    if (minNs !== null && maxNs !== null && minNs > maxNs) throw new BeaconError('bad_request', 'minDuration is larger than maxDuration')
    const { where, params } = searchWhere(qs(q, 'q'), 'spans', range, deps.rewriteSearch)
    const filters: string[] = []
    const service = qs(q, 'service')
    const operation = qs(q, 'operation')
    if (service) { filters.push('ServiceName = {service:String}'); params.service = service }
    if (operation) { filters.push('SpanName = {operation:String}'); params.operation = operation }
    if (minNs !== null) { filters.push('Duration >= {minNs:UInt64}'); params.minNs = minNs.toString() }
    if (maxNs !== null) { filters.push('Duration <= {maxNs:UInt64}'); params.maxNs = maxNs.toString() }
    const extra = filters.map((f) => ` AND ${f}`).join('')

    const ids = await deps.store.query<{ TraceId: string }>(
      `SELECT TraceId FROM ${TRACES_TABLE} WHERE ${where}${extra} AND TraceId != ''
       GROUP BY TraceId ORDER BY max(Timestamp) DESC LIMIT {limit:UInt32}`, { ...params, limit })
    if (ids.length === 0) return { ...isoRange(range), traces: [] }

    const rows = await deps.store.query<TraceSummaryRow>(
      `SELECT TraceId,
         toString(min(toUnixTimestamp64Nano(Timestamp))) AS start,
         toString(max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration))) AS end,
         count() AS spans, arraySort(groupUniqArray(ServiceName)) AS services, countIf(StatusCode = 'Error') AS errors,
         argMinIf(ServiceName, Timestamp, ParentSpanId = '') AS rootService, argMinIf(SpanName, Timestamp, ParentSpanId = '') AS rootOperation,
         argMin(ServiceName, Timestamp) AS firstService, argMin(SpanName, Timestamp) AS firstOperation
       FROM ${TRACES_TABLE}
       WHERE TraceId IN {ids:Array(String)} AND Timestamp >= {wfrom:DateTime64(3)} AND Timestamp <= {wto:DateTime64(3)}
       GROUP BY TraceId`,
      { ids: ids.map((r) => r.TraceId), wfrom: chTime(range.fromMs - 3_600_000), wto: chTime(range.toMs + 3_600_000) })
    const byId = new Map(rows.map((r) => [r.TraceId, r]))
    const traces = ids.flatMap(({ TraceId }) => {
      const r = byId.get(TraceId)
      if (!r) return []
      // A trace whose root span is missing (not sent, or outside the widened range): its earliest span stands in.
      const rooted = r.rootService !== '' || r.rootOperation !== ''
      return [{
        traceId: TraceId,
        rootService: rooted ? r.rootService : r.firstService,
        rootOperation: rooted ? r.rootOperation : r.firstOperation,
        start: isoFromNs(r.start),
        durationMs: Number(BigInt(r.end) - BigInt(r.start)) / 1e6,
        spanCount: Number(r.spans),
        services: r.services,
        errorCount: Number(r.errors),
      }]
    })
    request.auditRows = traces.length
    return { ...isoRange(range), traces }
  })
}
