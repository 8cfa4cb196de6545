import type { FastifyInstance } from 'fastify'
import { servicesFromRollup } from '../store/rollups.ts'
import { parseRange } from './time-range.ts'
import { qs, type ApiDeps } from './deps.ts'

/** GET /api/services?from=&to= → services seen in the range with event and error counts. */
export function registerServiceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/services', { config: { permission: ['logs:read', 'traces:read', 'aggregates:read'] } }, async (request) => {
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
      if (s.last > e.lastSeen) e.lastSeen = s.last
    }
    return {
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
      services: [...out.values()].sort((a, b) => a.name.localeCompare(b.name)),
    }
  })

  app.get('/api/health', { config: { permission: 'public' } }, async (_request, reply) => {
    const facts = await deps.health()
    if (facts.status !== 'ok') reply.status(503)
    return facts
  })
}
