import type { FastifyInstance } from 'fastify'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { chTime, parseRange, isoRange } from './time-range.ts'
import { qs, type ApiDeps } from './deps.ts'
import { LOG_SELECT, SPAN_SELECT, logView, spanView, type LogRow, type SpanRow, type LogView, type SpanView } from './records.ts'
import { orderStory } from './order-story.ts'
import { errors, ok, query, stringParam, TIME_RANGE } from './openapi-schemas.ts'
import { POINT_LOOKUP_SETTINGS } from './read-limits.ts'

/**
 * GET /api/orders/{orderId}/timeline?from=&to=&kinds=logs,spans,events → the order's story first
 * (status changes and the time spent in each stage), then a summary, then every log, span and
 * business event that mentions the order (the configured order-id attributes → OrderId column),
 * across all services, oldest first. `kinds` only narrows `entries`: the story is always told.
 */
const KINDS = ['logs', 'spans', 'events'] as const
type Kind = (typeof KINDS)[number]

function parseKinds(text: string): Set<Kind> {
  if (text === '') return new Set(KINDS)
  const out = new Set<Kind>()
  for (const k of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(KINDS as readonly string[]).includes(k)) throw new BeaconError('bad_request', `kinds: ${JSON.stringify(k.slice(0, 32))} is not one of logs, spans, events (e.g. kinds=logs,events)`)
    out.add(k as Kind)
  }
  if (out.size === 0) throw new BeaconError('bad_request', 'kinds must name at least one of logs, spans, events')
  return out
}

/** A log record is a business event when it carries an event action or name (order.created, order.status_changed…). */
const isEvent = (l: LogView): boolean => l.eventAction !== '' || l.eventName !== ''

export function registerOrderRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { orderId: string } }>('/api/orders/:orderId/timeline', {
    config: { permission: ['logs:read', 'traces:read'] },
    schema: {
      tags: ['orders'],
      description: 'The order\'s story across every system: `story` first (`currentStatus`, `failed`, `stages`: each status with its start, end '
        + 'and duration in ms), then `summary` (services, trace ids, first/last time, error count, status changes) and `entries`: logs, spans '
        + 'and business events mentioning the order, oldest first. Default range: the retention period.',
      params: { type: 'object', properties: { orderId: stringParam('the order number, e.g. ORD-20261129-9C4E (1–256 characters)') }, required: ['orderId'] },
      querystring: query({
        ...TIME_RANGE,
        kinds: stringParam('which entries to list: any of logs, spans, events (comma-separated); the story is always computed from every record', { default: 'logs,spans,events' }),
      }),
      response: { ...ok('`{ orderId, from, to, story, summary, entries }`'), ...errors(400) },
    },
  }, async (request) => {
    const orderId = request.params.orderId
    if (orderId.length === 0 || orderId.length > 256) throw new BeaconError('bad_request', 'order id must be 1 to 256 characters')
    const kinds = parseKinds(qs(request.query, 'kinds'))
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'), `now-${deps.config.retention.days}d`)
    const params = { id: orderId, from: chTime(range.fromMs), to: chTime(range.toMs) }
    const [logs, spans] = await Promise.all([
      deps.store.query<LogRow>(`SELECT ${LOG_SELECT} FROM ${LOGS_TABLE}
        WHERE OrderId = {id:String} AND TimestampTime >= toDateTime({from:DateTime64(3)}) AND TimestampTime <= toDateTime({to:DateTime64(3)})
        ORDER BY Timestamp LIMIT 5000 ${POINT_LOOKUP_SETTINGS}`, params),
      deps.store.query<SpanRow>(`SELECT ${SPAN_SELECT} FROM ${TRACES_TABLE}
        WHERE OrderId = {id:String} AND Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
        ORDER BY Timestamp LIMIT 5000 ${POINT_LOOKUP_SETTINGS}`, params),
    ])
    const all: (LogView | SpanView)[] = [...logs.map(logView), ...spans.map(spanView)]
    all.sort((a, b) => (BigInt(a.timeUnixNano) < BigInt(b.timeUnixNano) ? -1 : BigInt(a.timeUnixNano) > BigInt(b.timeUnixNano) ? 1 : 0))
    const logViews = all.filter((e): e is LogView => e.kind === 'log')
    const story = orderStory(all)
    const entries = all.filter((e) => (e.kind === 'span' ? kinds.has('spans') : isEvent(e) ? kinds.has('events') : kinds.has('logs')))
    return {
      orderId,
      ...isoRange(range),
      story,
      summary: {
        services: [...new Set(all.map((e) => e.service))],
        traceIds: [...new Set(all.map((e) => e.traceId).filter(Boolean))],
        first: all[0]?.time ?? null,
        last: all.at(-1)?.time ?? null,
        errors: logViews.filter((l) => l.severityNumber >= 17).length + all.filter((e) => e.kind === 'span' && e.status === 'Error').length,
        currentStatus: story.currentStatus,
        statusChanges: story.changes,
      },
      kinds: [...kinds],
      entries,
    }
  })
}
