import type { FastifyInstance } from 'fastify'
import { compileMatcher, parseQuery } from '@beacon/query'
import { BeaconError } from '../errors.ts'
import type { Batch, LogRecord, SpanRecord } from '../pipeline/record.ts'
import { readerView } from '../auth/reader-decryption.ts'
import { firstOf, uint16OrZero } from '../store/encode.ts'
import { qs, type ApiDeps } from './deps.ts'
import { errors, query, QUERY, TARGET } from './openapi-schemas.ts'
import { logView, recordHash, spanView, type LogView, type SpanView } from './records.ts'
import { parseTarget } from './search.ts'

/**
 * GET /api/tail?q=&target=logs|spans — live tail as server-sent events.
 *
 *   LiveFeed (durable, redacted, encrypted batches) ──compiled predicate per record──▶ client queue
 *     ──▶ `event: record` (a hit, as search returns it) │ `event: dropped` {count} │ `: heartbeat`
 *
 * Matching runs on the ingest path, so it is only the in-memory evaluator (compileMatcher) — the
 * store is never polled. Each client may receive RATE_PER_SECOND records a second; the rest are
 * counted and reported as dropped. At most MAX_TAILS tails are open at once (429 beyond).
 */

export const MAX_TAILS = 32
export const RATE_PER_SECOND = 200
const HEARTBEAT_MS = 15_000

type Keys = ApiDeps['config']['businessKeys']


/** A live log record as search shows a stored one. */
export function liveLogView(r: LogRecord, keys: Keys): LogView {
  const a = r.attributes
  return logView({
    ts: r.timeUnixNano, rh: recordHash([r.serviceName, r.traceId, r.spanId, r.body]), TraceId: r.traceId, SpanId: r.spanId,
    SeverityText: r.severityText, SeverityNumber: r.severityNumber & 0xff, ServiceName: r.serviceName, Body: r.body,
    ResourceAttributes: { ...r.resource }, LogAttributes: { ...a }, EventName: r.eventName, OrderId: firstOf(a, keys.orderId),
    UserId: firstOf(a, keys.userId), HttpStatus: uint16OrZero(firstOf(a, keys.httpStatus)), HttpRoute: firstOf(a, keys.httpRoute),
    EventAction: firstOf(a, keys.eventAction),
  })
}

/** A live span as search shows a stored one. */
export function liveSpanView(s: SpanRecord, keys: Keys): SpanView {
  const a = s.attributes
  return spanView({
    ts: s.timeUnixNano, rh: recordHash([s.serviceName, s.traceId, s.spanId, s.name]), TraceId: s.traceId, SpanId: s.spanId,
    ParentSpanId: s.parentSpanId, SpanName: s.name, SpanKind: s.kind, ServiceName: s.serviceName, ResourceAttributes: { ...s.resource },
    SpanAttributes: { ...a }, DurationNs: s.durationNano, StatusCode: s.statusCode, StatusMessage: s.statusMessage,
    EventTimes: s.events.map((e) => e.timeUnixNano), EventNames: s.events.map((e) => e.name), EventAttributes: s.events.map((e) => ({ ...e.attributes })),
    OrderId: firstOf(a, keys.orderId), UserId: firstOf(a, keys.userId), HttpStatus: uint16OrZero(firstOf(a, keys.httpStatus)), HttpRoute: firstOf(a, keys.httpRoute),
  })
}

export function registerTailRoutes(app: FastifyInstance, deps: ApiDeps): void {
  let open = 0
  app.get('/api/tail', {
    schema: {
      description: 'Live tail (server-sent events): records matching q as they are acknowledged. Events: record (a search hit), dropped ({count}, over the per-client rate cap); a heartbeat comment every 15 s.',
      tags: ['search'],
      querystring: query({ q: QUERY, target: TARGET }),
      response: { 200: { description: 'text/event-stream: `event: record` / `event: dropped` / `: heartbeat` (docs/search-api.md)', type: 'string' }, ...errors(400, 429) },
    },
    config: { permission: ['logs:read', 'traces:read'], audit: false },
  }, async (request, reply) => {
    const target = parseTarget(request.query)
    const q = qs(request.query, 'q')
    const ast = parseQuery(q)
    const rewritten = deps.rewriteSearch ? deps.rewriteSearch(ast) : ast
    const keys = deps.config.businessKeys
    const matches = compileMatcher(rewritten, target, { businessKeys: keys }) as (r: LogRecord | SpanRecord) => boolean
    if (open >= MAX_TAILS) throw new BeaconError('overloaded', `${MAX_TAILS} live tails are open; close one or try again later`)
    const reader = readerView(deps.reader, request)
    open++

    reply.hijack()
    const res = reply.raw
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    res.write(': tail open\n\n')
    let sent = 0
    let budget = RATE_PER_SECOND
    let dropped = 0
    const listener = (batch: Readonly<Batch>): void => {
      const records = (target === 'logs' ? batch.logs : batch.spans) as readonly (LogRecord | SpanRecord)[]
      for (const r of records) {
        if (!matches(r)) continue
        if (budget <= 0) { dropped++; continue }
        budget--
        // Serialising is deferred off the ingest path's loop turn.
        queueMicrotask(() => {
          const hit = target === 'logs' ? liveLogView(r as LogRecord, keys) : liveSpanView(r as SpanRecord, keys)
          reader.apply(hit)
          sent++
          res.write(`event: record\ndata: ${JSON.stringify(hit)}\n\n`)
        })
      }
    }
    const unsubscribe = deps.live.subscribe(listener)
    const tick = setInterval(() => {
      if (dropped > 0) { res.write(`event: dropped\ndata: ${JSON.stringify({ count: dropped })}\n\n`); dropped = 0 }
      budget = RATE_PER_SECOND
      reader.finish()
    }, 1000)
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS)
    const openedAt = Date.now()
    let closed = false
    const close = (): void => {
      if (closed) return
      closed = true
      open--
      unsubscribe()
      clearInterval(tick)
      clearInterval(heartbeat)
      deps.log.debug({ sent, ms: Date.now() - openedAt }, 'live tail closed')
      reader.finish()
      reader.audit('tail.close', sent)
    }
    request.raw.on('close', close)
    res.on('close', close)
    res.on('error', close)
    reader.audit('tail.open', 0)
  })
}
