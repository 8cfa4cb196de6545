import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorBody } from '../errors.ts'
import type { Config } from '../config/schema.ts'
import { PERMISSIONS } from '../config/schema.ts'
import type { Permission } from '../api/deps.ts'
import type { Authenticator } from './authenticator.ts'
import { header } from './credentials.ts'
import { createNetworkAllowlist } from './networks.ts'
import { allows, type Grant, type Principal } from './principal.ts'
import { csrfTokenFor, safeEqual } from './secrets.ts'

/**
 * The API's gate, as Fastify hooks on the API instance:
 *
 *   onRequest: client network allowed? → route public / login? → credentials (cookie session,
 *              bearer session token, read API key) → CSRF header for cookie writes → the route's
 *              `config.permission` (any one listed suffices; none declared → 403 for everyone)
 *   preSerialization: aggregate-only views (analysts on /api/search: counts and histogram, no events)
 *   onSend: security headers on every response
 *
 * 401 = no or invalid credentials, 403 = known caller without the permission (or wrong network).
 */
export const CSRF_HEADER = 'x-beacon-csrf'

declare module 'fastify' {
  interface FastifyRequest {
    /** Why the gate refused the request (audited as `access.denied`). */
    accessDenied: string | null
    /** The caller has only `aggregates:read`: the route answers without raw records. */
    aggregatesOnly: boolean
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Routes that analysts (`aggregates:read` only) may call in aggregate form, with what to remove
 * from the answer. /api/search then returns the total and the histogram with `events: []`.
 */
const AGGREGATE_VIEWS: Record<string, (payload: Record<string, unknown>) => void> = {
  '/api/search': (p) => { p.events = []; p.nextCursor = null; p.eventsWithheld = 'aggregates:read only: counts and histogram without records' },
}

export const ANONYMOUS: Principal = {
  kind: 'anonymous', id: 'anonymous', name: 'anonymous', roles: [], via: 'none',
  permissions: new Set<Grant>(PERMISSIONS),
}

function needed(permission: Permission | Permission[] | undefined): Permission[] {
  if (permission === undefined) return []
  return Array.isArray(permission) ? permission : [permission]
}

export function securityHeaders(tls: boolean): Record<string, string> {
  return {
    'content-security-policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  }
}

export function installApiGuard(app: FastifyInstance, config: Config, auth: Authenticator): void {
  const sec = config.security
  const allowNetwork = createNetworkAllowlist(sec.allowedNetworks)
  const headers = securityHeaders(sec.tls.cert !== '')

  app.decorateRequest('principal', null)
  app.decorateRequest('accessDenied', null)
  app.decorateRequest('aggregatesOnly', false)

  const deny = (request: FastifyRequest, reply: FastifyReply, status: 401 | 403, message: string, reason: string): FastifyReply => {
    request.accessDenied = reason
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="beacon"')
    return reply.code(status).send(errorBody(status === 401 ? 'unauthenticated' : 'forbidden', message))
  }

  app.addHook('onRequest', async (request, reply) => {
    if (allowNetwork && !allowNetwork(request.ip)) {
      return deny(request, reply, 403, 'Your network may not reach this API', 'network not allowed')
    }
    if (request.is404) return
    const cfg = request.routeOptions.config
    const perms = needed(cfg.permission)
    if (perms.includes('public') || cfg.identity === 'none') {
      // public routes answer everyone; who is asking only decides how much (health details)
      if (!sec.auth) request.principal = ANONYMOUS
      else if (request.headers.authorization !== undefined || request.headers.cookie !== undefined) {
        const o = await auth.fromHeaders(request.headers)
        if (o.ok && o.principal.keyScope !== 'ingest') request.principal = o.principal
      }
      return
    }
    if (!sec.auth) { request.principal = ANONYMOUS; return }

    const outcome = await auth.fromHeaders(request.headers)
    if (!outcome.ok) return deny(request, reply, 401, outcome.message, 'no valid credentials')
    const principal = outcome.principal
    request.principal = principal

    if (principal.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      const sent = header(request.headers, CSRF_HEADER)
      if (!sent || !safeEqual(sent, csrfTokenFor(principal.sessionToken ?? ''))) {
        return deny(request, reply, 403, `Missing or wrong ${CSRF_HEADER} header (the csrfToken from login or /api/auth/me)`, 'csrf')
      }
    }
    if (principal.keyScope === 'ingest') return deny(request, reply, 403, 'Ingest keys may only write; reading needs a user or a read key', 'ingest key on the API')
    if (cfg.identity === 'any') return
    if (perms.length === 0) return deny(request, reply, 403, 'This route declares no permission, so nobody may call it', 'route without permission')
    if (allows(principal, perms as Grant[])) return
    const url = request.routeOptions.url ?? ''
    if (AGGREGATE_VIEWS[url] && principal.permissions.has('aggregates:read')) {
      request.aggregatesOnly = true
      const q = request.query as Record<string, unknown> | undefined
      if (q && typeof q === 'object') q.limit = '1'
      return
    }
    return deny(request, reply, 403, `You need one of: ${perms.join(', ')}`, `missing ${perms.join('|')}`)
  })

  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (!request.aggregatesOnly || payload === null || typeof payload !== 'object') return payload
    AGGREGATE_VIEWS[request.routeOptions.url ?? '']?.(payload as Record<string, unknown>)
    return payload
  })

  app.addHook('onSend', async (request, reply, payload) => {
    for (const [k, v] of Object.entries(headers)) reply.header(k, v)
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    return payload
  })
}
