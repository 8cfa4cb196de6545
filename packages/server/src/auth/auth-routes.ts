import type { FastifyInstance } from 'fastify'
import { errorBody } from '../errors.ts'
import type { Config } from '../config/schema.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import { auditRequest } from '../audit/api-audit.ts'
import type { Authenticator } from './authenticator.ts'
import { sessionCookie } from './credentials.ts'
import { LoginGuard } from './login-guard.ts'
import { csrfTokenFor, verifyPassword } from './secrets.ts'
import { ok, publicErrors, HANDLER_CHECKS_BODY } from '../api/openapi-schemas.ts'

/**
 * POST /api/auth/login  {username, password} → session cookie + {token, csrfToken, …}
 * POST /api/auth/logout → ends the session (cookie or bearer)
 * GET  /api/auth/me     → who the caller is, their permissions, the CSRF token of a cookie session
 *
 * A wrong password, an unknown user and a disabled user get the same answer after the same work
 * (a scrypt check against a decoy hash), so the answer does not reveal which names exist.
 */
const LOGIN_FAILED = 'Wrong user name or password'

export function registerAuthRoutes(app: FastifyInstance, config: Config, auth: Authenticator, audit: AuditLog): void {
  const sec = config.security
  const guard = new LoginGuard(sec.login)
  const secure = sec.tls.cert !== '' || sec.secureCookies
  const maxAgeSeconds = Math.round(sec.sessionHours * 3600)

  app.post('/api/auth/login', {
    config: { identity: 'none', audit: false },
    ...HANDLER_CHECKS_BODY,
    schema: {
      tags: ['auth'],
      description: 'Sign in. Answers a bearer `token` (send `Authorization: Bearer <token>`), a `csrfToken` for cookie sessions, roles, permissions and `expiresAt`; '
        + 'also sets the session cookie. Failed attempts are throttled per address and user.',
      body: {
        type: 'object',
        properties: { username: { type: 'string', description: 'user name' }, password: { type: 'string', description: 'password' } },
        required: ['username', 'password'],
      },
      response: { ...ok('`{ username, roles, permissions, token, csrfToken, expiresAt }`'), ...publicErrors(400, 401, 429) },
    },
  }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const username = typeof body.username === 'string' ? body.username : ''
    const password = typeof body.password === 'string' ? body.password : ''
    if (username === '' || password === '' || username.length > 256 || password.length > 1024) {
      return reply.code(400).send(errorBody('bad_request', 'Send JSON {"username": "…", "password": "…"}'))
    }
    const target = JSON.stringify({ username: username.slice(0, 256) })
    const decision = guard.check(request.ip, username)
    if (!decision.ok) {
      auditRequest(audit, request, { actor: `login:${username.slice(0, 128)}`, action: 'auth.login_failed', target, result: 'denied', detail: `throttled (${decision.reason})` })
      reply.header('retry-after', String(decision.retryAfterSeconds))
      return reply.code(429).send(errorBody('overloaded', `Too many login attempts; try again in ${Math.ceil(decision.retryAfterSeconds / 60)} minute(s)`))
    }
    const user = await auth.users.get(username)
    const usable = user && !user.disabled ? user : undefined
    const ok = await verifyPassword(password, usable?.passwordHash)
    if (!ok || !usable) {
      guard.failure(request.ip, username)
      auditRequest(audit, request, { actor: `login:${username.slice(0, 128)}`, action: 'auth.login_failed', target, result: 'denied', detail: 'wrong user name or password' })
      return reply.code(401).send(errorBody('unauthenticated', LOGIN_FAILED))
    }
    guard.success(request.ip, username)
    const { token, session } = await auth.sessions.create(usable.username, sec.sessionHours)
    auditRequest(audit, request, { actor: `user:${usable.username}`, action: 'auth.login', target, result: 'allowed' })
    reply.header('set-cookie', sessionCookie(token, { secure, maxAgeSeconds }))
    const principal = await auth.sessionPrincipal(token, 'bearer')
    return {
      username: usable.username,
      roles: usable.roles,
      permissions: [...(principal?.permissions ?? [])].sort(),
      token,
      csrfToken: csrfTokenFor(token),
      expiresAt: new Date(session.expiresAtMs).toISOString(),
    }
  })

  app.post('/api/auth/logout', {
    config: { identity: 'any', audit: false },
    schema: { tags: ['auth'], description: 'Ends the caller\'s session and clears the cookie.', response: { ...ok('`{ ok: true }`'), ...publicErrors(401) } },
  }, async (request, reply) => {
    const p = request.principal
    if (p?.sessionToken) await auth.sessions.revoke(p.sessionToken)
    auditRequest(audit, request, { action: 'auth.logout', target: '', result: 'allowed' })
    reply.header('set-cookie', sessionCookie('', { secure, maxAgeSeconds: 0 }))
    return { ok: true }
  })

  app.get('/api/auth/me', {
    config: { identity: 'any', audit: false },
    schema: {
      tags: ['auth'],
      description: 'Who the caller is: kind, id, roles, permissions (and the csrfToken for cookie sessions).',
      response: { ...ok('`{ kind, id, name, roles, permissions, authenticated, csrfToken? }`'), ...publicErrors(401) },
    },
  }, async (request) => {
    const p = request.principal
    return {
      kind: p?.kind, id: p?.id, name: p?.name, roles: p?.roles ?? [],
      permissions: [...(p?.permissions ?? [])].sort(),
      authenticated: sec.auth,
      ...(p?.via === 'cookie' && p.sessionToken ? { csrfToken: csrfTokenFor(p.sessionToken) } : {}),
    }
  })
}
