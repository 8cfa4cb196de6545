import type { FastifyInstance } from 'fastify'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE, TRACES_TABLE, TRACE_BOUNDS_TABLE } from '../store/schema.ts'
import type { ApiDeps } from './deps.ts'
import { LOG_SELECT, SPAN_SELECT, logView, spanView, type LogRow, type SpanRow } from './records.ts'
import { layoutTrace } from './trace-tree.ts'
import { POINT_LOOKUP_SETTINGS } from './read-limits.ts'
import { registerTraceSearch } from './trace-search.ts'
import { errors, ok, stringParam } from './openapi-schemas.ts'

/**
 * GET /api/traces?service=&operation=&… → one row per matching trace (trace-search.ts).
 * GET /api/traces/{traceId} → the spans as a tree (parent before children, `depth`, the critical
 * path marked) and the logs carrying the trace id. The trace-bounds table gives the trace's first
 * and last second, so only those days are read (a trace without spans: its logs wherever they are).
 */
/**
 * The trace's bounds as a scalar (first second, last second, rows): without spans (no row) the
 * count is 0. Logs of the trace may come a little before or after its spans (clock skew,
 * queueing): the logs statement reads a minute either side of the bounds (± 1 s for rounding).
 */
const TRACE_BOUNDS = `(SELECT (toUnixTimestamp(min(Start)), toUnixTimestamp(max(End)), count()) FROM ${TRACE_BOUNDS_TABLE} WHERE TraceId = {id:String})`

export function registerTraceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  registerTraceSearch(app, deps)

  app.get<{ Params: { traceId: string } }>('/api/traces/:traceId', {
    config: { permission: 'traces:read' },
    schema: {
      tags: ['traces'],
      description: 'One trace: `spans` in tree order (each parent before its children, children by start time) with `depth`, `childCount` '
        + 'and `critical: true` on the spans of the critical path; `logs` carrying the trace id; `services`, `start`, `durationMs`, '
        + '`errors`, `rootService`, `rootOperation`, `criticalPath` (span ids, in tree order).',
      params: { type: 'object', properties: { traceId: stringParam('32 hexadecimal characters (W3C trace context)') }, required: ['traceId'] },
      response: { ...ok('the trace'), ...errors(400, 404) },
    },
  }, async (request) => {
    const traceId = request.params.traceId.toLowerCase()
    if (!/^[0-9a-f]{32}$/.test(traceId)) {
      throw new BeaconError('bad_request', 'trace id must be 32 hexadecimal characters (W3C trace context)')
    }
    // The trace-bounds table (fed from spans) gives the trace's first and last second. Its lookup is
    // folded into each statement as a scalar subquery: the engine computes it first and prunes
    // partitions and granules by its constants as it did by parameters (EXPLAIN indexes = 1). The
    // logs statement's rows carry the bounds' row count, so a trace whose logs came back with none
    // (a log-only trace) takes one statement; the spans are read when there are bounds, or when
    // there were no logs to tell.
    const logs = await deps.store.query<LogRow & { boundRows: string }>(`WITH ${TRACE_BOUNDS} AS b
      SELECT ${LOG_SELECT}, b.3 AS boundRows FROM ${LOGS_TABLE}
      WHERE TraceId = {id:String} AND (b.3 = 0 OR (TimestampTime >= toDateTime(b.1 - 61) AND TimestampTime <= toDateTime(b.2 + 61)))
      ORDER BY Timestamp LIMIT 10000 ${POINT_LOOKUP_SETTINGS}`, { id: traceId })
    const spans = logs.length > 0 && Number(logs[0].boundRows) === 0 ? [] : await deps.store.query<SpanRow>(`WITH ${TRACE_BOUNDS} AS b
      SELECT ${SPAN_SELECT} FROM ${TRACES_TABLE}
      WHERE b.3 > 0 AND TraceId = {id:String} AND Timestamp >= toDateTime(b.1 - 1) AND Timestamp <= toDateTime(b.2 + 1)
      ORDER BY Timestamp LIMIT 10000 ${POINT_LOOKUP_SETTINGS}`, { id: traceId })
    if (spans.length === 0 && logs.length === 0) throw new BeaconError('not_found', `No trace ${traceId} in the store (it may be older than the retention, or not sent yet)`)
    const tree = layoutTrace(spans.map(spanView))
    const services = [...new Set(tree.map((s) => s.service).concat(logs.map((l) => l.ServiceName)))]
    const startNs = tree.length ? tree.reduce((m, s) => (BigInt(s.timeUnixNano) < m ? BigInt(s.timeUnixNano) : m), BigInt(tree[0].timeUnixNano)) : 0n
    const endNs = tree.reduce((m, s) => { const e = BigInt(s.timeUnixNano) + BigInt(s.durationNano); return e > m ? e : m }, startNs)
    const root = tree.find((s) => s.critical && s.depth === 0) ?? tree[0]
    return {
      traceId,
      services,
      start: tree.length ? new Date(Number(startNs / 1_000_000n)).toISOString() : logs.length ? logView(logs[0]).time : null,
      durationMs: Number(endNs - startNs) / 1e6,
      errors: tree.filter((s) => s.status === 'Error').length + logs.filter((l) => Number(l.SeverityNumber) >= 17).length,
      rootService: root?.service ?? null,
      rootOperation: root?.name ?? null,
      criticalPath: tree.filter((s) => s.critical).map((s) => s.spanId),
      spans: tree,
      logs: logs.map(logView),
    }
  })
}
