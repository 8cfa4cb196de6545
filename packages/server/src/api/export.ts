import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { BeaconError } from '../errors.ts'
import { readerView } from '../auth/reader-decryption.ts'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { parseRange } from './time-range.ts'
import { qs, type ApiDeps } from './deps.ts'
import { parseTarget, searchWhere } from './search.ts'
import { logView, spanView, type LogRow, type SpanRow, LOG_SELECT_FULL, SPAN_SELECT_FULL } from './records.ts'
import { csvLine, pickFields, DEFAULT_CSV_FIELDS } from './export-format.ts'
import { errors, query, stringParam, QUERY, TARGET, TIME_RANGE } from './openapi-schemas.ts'

/**
 * GET /api/export?q=&from=&to=&target=logs|spans&format=ndjson|csv&fields=&limit=
 *
 *   parse + compile the search (400 before any byte is sent) ── count (x-beacon-total header)
 *     └─► pages of 5,000, newest first, keyset (timestamp + rows already sent at that timestamp)
 *           └─► reader view (decrypt or [encrypted], audited) ─► fields ─► NDJSON line | CSV row
 *
 * At most `export.maxRecords` (BEACON_EXPORT_MAX_RECORDS) records; `x-beacon-truncated: true`
 * says when the matches were more. The export is audited (`export`) with its parameters and the
 * number of records sent, like a search.
 */
const PAGE = 5000

/** A total order for paging: timestamp, then columns that tell records apart. */
const ORDER = { logs: 'Timestamp DESC, ServiceName, TraceId, SpanId, Body', spans: 'Timestamp DESC, TraceId, SpanId' }

export function registerExportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/export', {
    config: { permission: ['logs:read', 'traces:read'], audit: 'export' },
    schema: {
      tags: ['search'],
      description: 'Streams every record matching a search (newest first) as NDJSON or CSV, up to the configured cap '
        + '(`BEACON_EXPORT_MAX_RECORDS`). Headers: `x-beacon-total` (matches), `x-beacon-truncated` (more matched than were sent). '
        + 'CSV is RFC 4180 quoted; text cells that start with = + - @ or a control character get a leading `\'` so spreadsheets do not run them as formulas.',
      querystring: query({
        q: QUERY,
        ...TIME_RANGE,
        target: TARGET,
        format: stringParam('ndjson (one JSON record per line) or csv', { default: 'ndjson' }),
        fields: stringParam('comma-separated fields to keep, e.g. `time,service,level,body,order.id`; attribute names are looked up in the attributes, then the resource. Default: the whole record (NDJSON) or the common columns (CSV)'),
        limit: stringParam('most records to send (up to the configured cap)'),
      }),
      response: { 200: { description: 'the records, streamed (application/x-ndjson or text/csv)' }, ...errors(400) },
    },
  }, async (request, reply) => {
    const target = parseTarget(request.query)
    const format = qs(request.query, 'format') || 'ndjson'
    if (format !== 'ndjson' && format !== 'csv') throw new BeaconError('bad_request', `format must be ndjson or csv, not ${JSON.stringify(format.slice(0, 32))}`)
    const cap = deps.config.export.maxRecords
    const limitText = qs(request.query, 'limit')
    const limit = limitText === '' ? cap : Number(limitText)
    if (!Number.isInteger(limit) || limit < 1) throw new BeaconError('bad_request', `limit must be a whole number from 1 to ${cap}`)
    const wanted = Math.min(limit, cap)
    const fieldsText = qs(request.query, 'fields')
    const fields = fieldsText ? fieldsText.split(',').map((f) => f.trim()).filter(Boolean) : format === 'csv' ? DEFAULT_CSV_FIELDS[target] : null
    if (fields && fields.length > 200) throw new BeaconError('bad_request', 'at most 200 fields')
    const q = qs(request.query, 'q')
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'))
    const { where, params } = searchWhere(q, target, range, deps.rewriteSearch)
    const table = target === 'logs' ? LOGS_TABLE : TRACES_TABLE

    const [counted] = await deps.store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE ${where}`, params)
    const total = Number(counted?.n ?? 0)
    const reveal = readerView(deps.reader, request)
    request.auditRows = 0

    async function* lines(): AsyncGenerator<string> {
      if (format === 'csv') yield csvLine(fields!)
      let sent = 0
      let lastTs: string | null = null
      let atLastTs = 0
      try {
        while (sent < wanted) {
          const page: string = lastTs === null ? '' : ' AND Timestamp <= fromUnixTimestamp64Nano(toInt64({cts:String}))'
          const rows: (LogRow & SpanRow)[] = await deps.store.query<LogRow & SpanRow>(
            `SELECT ${target === 'logs' ? LOG_SELECT_FULL : SPAN_SELECT_FULL} FROM ${table} WHERE ${where}${page}
             ORDER BY ${ORDER[target]} LIMIT {n:UInt32} OFFSET {skip:UInt32}`,
            { ...params, cts: lastTs ?? '0', n: Math.min(PAGE, wanted - sent), skip: lastTs === null ? 0 : atLastTs })
          if (rows.length === 0) break
          let chunk = ''
          for (const r of rows) {
            const view = target === 'logs' ? logView(r) : spanView(r)
            reveal.apply(view)
            const out = fields ? pickFields(view as unknown as Record<string, unknown>, fields) : view
            chunk += format === 'csv' ? csvLine(fields!.map((f) => (out as Record<string, unknown>)[f])) : `${JSON.stringify(out)}\n`
            if (r.ts === lastTs) atLastTs++
            else { lastTs = r.ts; atLastTs = 1 }
          }
          sent += rows.length
          request.auditRows = sent
          yield chunk
          if (rows.length < Math.min(PAGE, wanted - sent + rows.length)) break
        }
      } finally {
        reveal.finish()
      }
    }

    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="beacon-${target}-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}"`)
      .header('x-beacon-total', String(total))
      .header('x-beacon-truncated', String(total > wanted))
    return reply.send(Readable.from(lines()))
  })
}
