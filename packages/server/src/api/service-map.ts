import type { FastifyInstance } from 'fastify'
import { TRACES_TABLE } from '../store/schema.ts'
import { chTime, parseRange, isoRange } from './time-range.ts'
import { qs, type ApiDeps } from './deps.ts'
import { errors, ok, query, timeRange } from './openapi-schemas.ts'

/**
 * GET /api/service-map?from=&to= → services and RabbitMQ queues as nodes, edges from real spans:
 *
 *   HTTP/RPC   client span in service A  ──parent of──▶  server span in service B   ⇒  A → B
 *   messaging  producer span in A (messaging.destination.name = Q)                 ⇒  A → queue Q
 *              consumer span in B (same destination)                              ⇒  queue Q → B
 *
 * Per node and edge: requests, errors, error rate, p95 duration (of the receiving side's spans),
 * and the request rate per minute over the range.
 */
export interface MapNode { id: string; kind: 'service' | 'queue'; requests: number; errors: number; errorRate: number; p95Ms: number | null; ratePerMin: number }
export interface MapEdge { source: string; target: string; kind: 'http' | 'messaging'; requests: number; errors: number; errorRate: number; p95Ms: number | null; ratePerMin: number }

const DEST = "SpanAttributes['messaging.destination.name']"

/** Queue node id: kept apart from service names. */
export const queueId = (name: string): string => `queue:${name}`

export function registerServiceMapRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/service-map', {
    config: { permission: ['traces:read', 'aggregates:read'], audit: 'service_map.read' },
    schema: {
      description: 'Services and queues with request rate, error rate and p95, and the calls between them, from spans',
      tags: ['traces'],
      querystring: query(timeRange('now-1h')),
      response: { ...ok('`nodes` (services and queues) and `edges` (calls) with rates and p95'), ...errors(400) },
    },
  }, async (request) => {
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'), 'now-1h')
    const params = { from: chTime(range.fromMs), to: chTime(range.toMs) }
    const inRange = 'Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}'
    type Agg = { requests: string; errors: string; p95: number | null }
    const [services, http, messaging] = await Promise.all([
      // Work a service did when called: its server and consumer spans.
      deps.store.query<Agg & { service: string }>(
        `SELECT ServiceName AS service, count() AS requests, countIf(StatusCode = 'Error') AS errors, quantile(0.95)(Duration) / 1e6 AS p95
         FROM ${TRACES_TABLE} WHERE ${inRange} AND SpanKind IN ('Server', 'Consumer') GROUP BY service`, params),
      deps.store.query<Agg & { source: string; target: string }>(
        `SELECT p.ServiceName AS source, c.ServiceName AS target, count() AS requests, countIf(c.StatusCode = 'Error') AS errors,
                quantile(0.95)(c.Duration) / 1e6 AS p95
         FROM (SELECT TraceId, ParentSpanId, ServiceName, StatusCode, Duration FROM ${TRACES_TABLE}
               WHERE ${inRange} AND SpanKind = 'Server' AND ParentSpanId != '') AS c
         INNER JOIN (SELECT TraceId, SpanId, ServiceName FROM ${TRACES_TABLE}
               WHERE Timestamp >= {from:DateTime64(3)} - INTERVAL 1 HOUR AND Timestamp <= {to:DateTime64(3)} AND SpanKind = 'Client') AS p
           ON c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
         WHERE p.ServiceName != c.ServiceName
         GROUP BY source, target`, params),
      deps.store.query<Agg & { service: string; queue: string; kind: string }>(
        `SELECT ServiceName AS service, ${DEST} AS queue, SpanKind AS kind, count() AS requests, countIf(StatusCode = 'Error') AS errors,
                quantile(0.95)(Duration) / 1e6 AS p95
         FROM ${TRACES_TABLE} WHERE ${inRange} AND SpanKind IN ('Producer', 'Consumer') AND ${DEST} != ''
         GROUP BY service, queue, kind`, params),
    ])
    const minutes = Math.max(1 / 60, (range.toMs - range.fromMs) / 60_000)
    const stats = (a: Agg) => {
      const requests = Number(a.requests)
      const errors = Number(a.errors)
      const p95 = a.p95 === null || !Number.isFinite(Number(a.p95)) ? null : Math.round(Number(a.p95) * 1000) / 1000
      return { requests, errors, errorRate: requests ? errors / requests : 0, p95Ms: p95, ratePerMin: Math.round((requests / minutes) * 100) / 100 }
    }
    const nodes = new Map<string, MapNode>()
    const node = (id: string, kind: MapNode['kind']): MapNode => {
      let n = nodes.get(id)
      if (!n) nodes.set(id, (n = { id, kind, requests: 0, errors: 0, errorRate: 0, p95Ms: null, ratePerMin: 0 }))
      return n
    }
    for (const s of services) Object.assign(node(s.service, 'service'), stats(s))
    const edges: MapEdge[] = []
    for (const e of http) {
      node(e.source, 'service'); node(e.target, 'service')
      edges.push({ source: e.source, target: e.target, kind: 'http', ...stats(e) })
    }
    for (const m of messaging) {
      const q = node(queueId(m.queue), 'queue')
      node(m.service, 'service')
      const s = stats(m)
      if (m.kind === 'Producer') {
        edges.push({ source: m.service, target: q.id, kind: 'messaging', ...s })
        q.requests += s.requests
        q.ratePerMin = Math.round((q.requests / minutes) * 100) / 100
      } else {
        edges.push({ source: q.id, target: m.service, kind: 'messaging', ...s })
        q.errors += s.errors
        q.p95Ms = s.p95Ms
      }
    }
    for (const q of nodes.values()) if (q.kind === 'queue') q.errorRate = q.requests ? q.errors / q.requests : 0
    return {
      ...isoRange(range),
      nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
      edges,
    }
  })
}
