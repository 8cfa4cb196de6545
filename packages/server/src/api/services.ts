import type { FastifyInstance } from 'fastify'
import { servicesFromRollup } from '../store/rollups.ts'
import { parseRange, isoRange } from './time-range.ts'
import { qs, type ApiDeps } from './deps.ts'
import { isoFromNs } from './records.ts'
import { errors, ok, publicErrors, query, TIME_RANGE } from './openapi-schemas.ts'

/** GET /api/services?from=&to= → services seen in the range with event and error counts. */
export function registerServiceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/services', {
    config: { permission: ['logs:read', 'traces:read', 'aggregates:read'] },
    schema: {
      tags: ['services'],
      description: 'Services seen in the range (default the last 24 h): log, error, FATAL and span counts, span error count, p95 span duration (ms) and `lastSeen` (ISO 8601 UTC).',
      querystring: query(TIME_RANGE),
      response: { ...ok('`{ from, to, services: [{ name, logs, errors, fatals, spans, spanErrors, p95SpanMs, lastSeen }] }`'), ...errors(400) },
    },
  }, async (request) => {
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'), 'now-24h')
    // Per-minute rollups plus the records of the partial minutes at either end (store/rollups.ts).
    const { logs, spans } = await servicesFromRollup(deps.store, range.fromMs, range.toMs)
    const out = new Map<string, { name: string; logs: number; errors: number; fatals: number; spans: number; spanErrors: number; p95SpanMs: number | null; lastSeen: string }>()
    const get = (name: string) => {
      let s = out.get(name)
      if (!s) out.set(name, (s = { name, logs: 0, errors: 0, fatals: 0, spans: 0, spanErrors: 0, p95SpanMs: null, lastSeen: '' }))
      return s
    }
    for (const l of logs) Object.assign(get(l.name), { logs: Number(l.events), errors: Number(l.errors), fatals: Number(l.fatals), lastSeen: l.last })
    for (const s of spans) {
      const e = get(s.name)
      e.spans = Number(s.spans)
      e.spanErrors = Number(s.errors)
      e.p95SpanMs = Math.round(Number(s.p95) * 1000) / 1000
      if (e.lastSeen === '' || BigInt(s.last) > BigInt(e.lastSeen)) e.lastSeen = s.last
    }
    // Read as nanoseconds (exact, comparable), answered as ISO 8601 UTC like every time in the API.
    for (const e of out.values()) e.lastSeen = isoFromNs(e.lastSeen)
    return {
      ...isoRange(range),
      services: [...out.values()].sort((a, b) => a.name.localeCompare(b.name)),
    }
  })

  app.get('/api/health', {
    config: { permission: 'public' },
    schema: {
      tags: ['meta'],
      description: 'Readiness: store reachable, migrations applied, ingest backlog. 200 when ready, 503 when degraded (same body).',
      response: { ...ok('`{ status: ok|degraded, store, migrations, ingest, uptimeSeconds }` (without credentials: `{ status }` only)'), 503: { description: 'degraded: same body with status `degraded`', type: 'object', additionalProperties: true }, ...publicErrors() },
    },
  }, async (request, reply) => {
    const facts = await deps.health()
    if (facts.status !== 'ok') reply.status(503)
    // without credentials: the status only (no paths, versions or counts)
    return request.principal ? facts : { status: facts.status }
  })
}
