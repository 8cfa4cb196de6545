import type { FastifyInstance, FastifyRequest } from 'fastify'
import { parseRange, isoRange } from '../api/time-range.ts'
import { intParam, qs } from '../api/deps.ts'
import { errors, ok, query, stringParam, LIMIT, TIME_RANGE } from '../api/openapi-schemas.ts'
import type { AuditLog } from './audit-log.ts'
import type { AuditEvent, AuditResult } from './chain.ts'

/**
 * Auditing of API access. Every read route is audited after the response (onResponse) with its
 * parameters (query text, time range, trace id, order id…), the status and the number of records
 * returned; every request refused by the gate is audited as `access.denied`. Routes that write
 * their own, richer entries (login, admin changes) set `config.audit: false`.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Audit action name for this route (default: from AUDITED_ROUTES or, for read routes, `read <url>`); false = the route audits itself. */
    audit?: string | false
  }
  interface FastifyRequest {
    /** Records returned, when a route wants to say it itself (otherwise counted from the answer). */
    auditRows: number | null
  }
}

/** The core read routes: audit action name and the answer's arrays that hold the records returned. */
export const AUDITED_ROUTES: Record<string, { action: string; rows: string[] }> = {
  '/api/search': { action: 'search', rows: ['events'] },
  '/api/traces/:traceId': { action: 'trace.read', rows: ['spans', 'logs'] },
  '/api/orders/:orderId/timeline': { action: 'order.timeline', rows: ['entries'] },
  '/api/services': { action: 'services.read', rows: ['services'] },
  '/api/fields': { action: 'facets.read', rows: ['attributes'] },
  '/api/fields/:name/values': { action: 'facets.read', rows: ['values'] },
  '/api/audit': { action: 'audit.read', rows: ['entries'] },
}

const READ_PERMISSIONS = new Set(['logs:read', 'traces:read', 'aggregates:read', 'audit:read', 'sensitive:decrypt'])
/** Other read routes (export, live tail…) without `request.auditRows`: these top-level arrays are counted. */
const DEFAULT_ROW_FIELDS = ['events', 'entries', 'records', 'rows', 'hits', 'items']

/** The audit action for a route, or undefined when it is not audited by these hooks. */
function actionFor(request: FastifyRequest): string | undefined {
  const cfg = request.routeOptions.config
  if (cfg.audit === false) return undefined
  if (typeof cfg.audit === 'string') return cfg.audit
  const url = request.routeOptions.url ?? ''
  if (AUDITED_ROUTES[url]) return AUDITED_ROUTES[url].action
  const perms = cfg.permission === undefined ? [] : Array.isArray(cfg.permission) ? cfg.permission : [cfg.permission]
  return perms.some((p) => READ_PERMISSIONS.has(p)) ? `read ${url}` : undefined
}

function countRows(payload: unknown, fields: readonly string[]): number {
  if (payload === null || typeof payload !== 'object') return 0
  let n = 0
  for (const f of fields) {
    const v = (payload as Record<string, unknown>)[f]
    if (Array.isArray(v)) n += v.length
  }
  return n
}

/** Path and query parameters, as sent (truncated), for the audit `target`. */
export function requestTarget(request: FastifyRequest): string {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries((request.params ?? {}) as Record<string, unknown>)) out[k] = String(v).slice(0, 2048)
  for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) out[k] = (Array.isArray(v) ? v.map(String).join(',') : String(v)).slice(0, 4096)
  return JSON.stringify(out)
}

export function resultOf(status: number): AuditResult {
  return status < 400 ? 'allowed' : status === 401 || status === 403 ? 'denied' : 'error'
}

/** Appends an entry for a request (who and from where are taken from it). */
export function auditRequest(audit: AuditLog, request: FastifyRequest, event: Omit<AuditEvent, 'actor' | 'client'> & { actor?: string }): void {
  audit.append({ actor: event.actor ?? request.principal?.id ?? 'anonymous', client: request.ip, ...event })
}

export function installApiAudit(app: FastifyInstance, audit: AuditLog): void {
  app.decorateRequest('auditRows', null)

  // Registered after the gate's own preSerialization hook, so aggregate-only answers are counted as sent.
  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (request.auditRows === null && actionFor(request) !== undefined) {
      request.auditRows = countRows(payload, AUDITED_ROUTES[request.routeOptions.url ?? '']?.rows ?? DEFAULT_ROW_FIELDS)
    }
    return payload
  })

  app.addHook('onResponse', async (request, reply) => {
    if (request.accessDenied) {
      auditRequest(audit, request, {
        action: 'access.denied', result: 'denied', rows: 0,
        target: JSON.stringify({ method: request.method, path: request.url.split('?')[0].slice(0, 2048) }),
        detail: `${reply.statusCode} ${request.accessDenied}`,
      })
      return
    }
    if (request.is404) return
    const action = actionFor(request)
    if (!action) return
    auditRequest(audit, request, {
      action, target: requestTarget(request), result: resultOf(reply.statusCode),
      rows: reply.statusCode < 400 ? request.auditRows ?? 0 : 0, detail: String(reply.statusCode),
    })
  })

  app.addHook('onClose', async () => {
    await audit.flush().catch(() => {})
  })
}

/** GET /api/audit?user=&action=&from=&to=&limit= (newest first) for `audit:read`. */
export function registerAuditRoutes(app: FastifyInstance, audit: AuditLog): void {
  app.get('/api/audit', {
    config: { permission: 'audit:read' },
    schema: {
      tags: ['audit'],
      description: 'The tamper-evident access audit, newest first (default the last 30 days): who read, searched, exported, decrypted or changed what.',
      querystring: query({
        user: stringParam('user name (or `cli:<os user>`, `anonymous`)'),
        action: stringParam('e.g. search, export, trace.read, sensitive.decrypt, auth.login_failed'),
        ...TIME_RANGE,
        limit: LIMIT(100, 10000, 'entries'),
      }),
      response: { ...ok('`{ from, to, entries: [{ seq, time, actor, action, target, client, result, rows, detail, hash }] }`'), ...errors(400) },
    },
  }, async (request) => {
    const q = request.query
    const range = parseRange(qs(q, 'from'), qs(q, 'to'), 'now-30d')
    const user = qs(q, 'user')
    const entries = await audit.query({
      actor: user === '' ? undefined : user.includes(':') || user === 'anonymous' ? user : `user:${user}`,
      action: qs(q, 'action') || undefined,
      fromMs: range.fromMs,
      toMs: range.toMs,
      limit: intParam(q, 'limit', 100, 1, 10_000),
    })
    return {
      ...isoRange(range),
      entries: entries.map((e) => ({ ...e, time: new Date(e.timeMs).toISOString() })),
    }
  })
}
