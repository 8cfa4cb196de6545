import type { FastifyInstance } from 'fastify'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { chTime, parseRange } from './time-range.ts'
import { qs, type ApiDeps } from './deps.ts'
import { LOG_SELECT, SPAN_SELECT, logView, spanView, type LogRow, type SpanRow, type LogView, type SpanView } from './records.ts'

/**
 * GET /api/orders/{orderId}/timeline?from=&to= → every log, span and business event that
 * mentions the order (the configured order-id attributes → OrderId column), across all services,
 * oldest first, with a summary support can read at a glance.
 */
export function registerOrderRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { orderId: string } }>('/api/orders/:orderId/timeline', { config: { permission: ['logs:read', 'traces:read'] } }, async (request) => {
    const orderId = request.params.orderId
    if (orderId.length === 0 || orderId.length > 256) throw new BeaconError('bad_request', 'order id must be 1 to 256 characters')
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'), `now-${deps.config.retention.days}d`)
    const params = { id: orderId, from: chTime(range.fromMs), to: chTime(range.toMs) }
    const [logs, spans] = await Promise.all([
      deps.store.query<LogRow>(`SELECT ${LOG_SELECT} FROM ${LOGS_TABLE}
        WHERE OrderId = {id:String} AND TimestampTime >= toDateTime({from:DateTime64(3)}) AND TimestampTime <= toDateTime({to:DateTime64(3)})
        ORDER BY Timestamp LIMIT 5000`, params),
      deps.store.query<SpanRow>(`SELECT ${SPAN_SELECT} FROM ${TRACES_TABLE}
        WHERE OrderId = {id:String} AND Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
        ORDER BY Timestamp LIMIT 5000`, params),
    ])
    const entries: (LogView | SpanView)[] = [...logs.map(logView), ...spans.map(spanView)]
    entries.sort((a, b) => (BigInt(a.timeUnixNano) < BigInt(b.timeUnixNano) ? -1 : BigInt(a.timeUnixNano) > BigInt(b.timeUnixNano) ? 1 : 0))

    const logViews = entries.filter((e): e is LogView => e.kind === 'log')
    const statusChanges = logViews
      .filter((l) => l.attributes['order.status.to'] !== undefined || l.eventAction === 'order.status_changed' || l.eventAction === 'order-status-changed')
      .map((l) => ({ time: l.time, service: l.service, from: l.attributes['order.status.from'] ?? '', to: l.attributes['order.status.to'] ?? l.attributes['order.status'] ?? '' }))
    return {
      orderId,
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
      summary: {
        services: [...new Set(entries.map((e) => e.service))],
        traceIds: [...new Set(entries.map((e) => e.traceId).filter(Boolean))],
        first: entries[0]?.time ?? null,
        last: entries.at(-1)?.time ?? null,
        errors: logViews.filter((l) => l.severityNumber >= 17).length + entries.filter((e) => e.kind === 'span' && e.status === 'Error').length,
        currentStatus: statusChanges.at(-1)?.to ?? null,
        statusChanges,
      },
      entries,
    }
  })
}
