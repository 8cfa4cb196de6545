import type { FastifyInstance } from 'fastify'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { LOG_SELECT_FULL, SPAN_SELECT_FULL, logView, spanView, type LogRow, type SpanRow } from './records.ts'
import { qs, type ApiDeps } from './deps.ts'

/**
 * GET /api/records/full?target=logs|spans&timeUnixNano=&service=[&spanId=]
 * One record with every value whole: lists (search, timelines) cut long values (read-limits.ts);
 * this is the "show all" behind them. Same permissions, audit and decryption as search.
 */
export function registerFullRecordRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/records/full', {
    config: { permission: ['logs:read', 'traces:read'], audit: 'record.read' },
    schema: {
      description: 'One record (or the few sharing its nanosecond time and service) with long values not cut',
      tags: ['search'],
      querystring: {
        type: 'object',
        required: ['timeUnixNano', 'service'],
        properties: {
          target: { type: 'string', enum: ['logs', 'spans'] },
          timeUnixNano: { type: 'string', pattern: '^[0-9]{1,19}$' },
          service: { type: 'string', maxLength: 512 },
          spanId: { type: 'string', pattern: '^[0-9a-f]{0,16}$' },
        },
      },
    },
  }, async (request) => {
    const target = qs(request.query, 'target') === 'spans' ? 'spans' : 'logs'
    const perm = target === 'logs' ? 'logs:read' : 'traces:read'
    if (request.principal && !request.principal.permissions.has(perm)) throw new BeaconError('forbidden', `You need ${perm}`)
    const spanId = qs(request.query, 'spanId')
    const where = `Timestamp = fromUnixTimestamp64Nano(toInt64({ts:String})) AND ServiceName = {service:String}${spanId ? ' AND SpanId = {spanId:String}' : ''}`
    const params = { ts: qs(request.query, 'timeUnixNano'), service: qs(request.query, 'service'), spanId }
    if (target === 'logs') {
      const rows = await deps.store.query<LogRow>(`SELECT ${LOG_SELECT_FULL} FROM ${LOGS_TABLE} WHERE ${where} LIMIT 10`, params)
      return { target, events: rows.map(logView) }
    }
    const rows = await deps.store.query<SpanRow>(`SELECT ${SPAN_SELECT_FULL} FROM ${TRACES_TABLE} WHERE ${where} LIMIT 10`, params)
    return { target, events: rows.map(spanView) }
  })
}
