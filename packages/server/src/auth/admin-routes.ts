import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BeaconError } from '../errors.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import { auditRequest } from '../audit/api-audit.ts'
import { keyView } from './api-keys.ts'
import type { Authenticator } from './authenticator.ts'
import { randomPassword } from './secrets.ts'
import { userView } from './users.ts'
import type { DutyCheck } from './duties.ts'

/**
 * Administration API (each change audited):
 *   GET    /api/admin/users                         users:manage
 *   POST   /api/admin/users          {username, roles, password?}  (no password: a random one, returned once)
 *   PUT    /api/admin/users/:username/roles     {roles}   (not one's own; beyond one's own permissions: 202
 *                                                      pending until a second admin sends the same change)
 *   PUT    /api/admin/users/:username/password  {password?}       (ends the user's sessions)
 *   POST   /api/admin/users/:username/disable | /enable
 *   GET    /api/admin/keys                          keys:manage
 *   POST   /api/admin/keys           {scope: ingest|read, name?, service?}  → the key, shown once
 *   DELETE /api/admin/keys/:id                      revokes
 */
function body(request: FastifyRequest): Record<string, unknown> {
  const b = request.body
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new BeaconError('bad_request', 'send a JSON object')
  return b as Record<string, unknown>
}

function stringList(v: unknown, name: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BeaconError('bad_request', `${name} must be a list of strings`)
  return v as string[]
}

function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new BeaconError('bad_request', `${name} must be a string`)
  return v
}

/** 202: the grant waits for a second admin to send the same change. */
function pendingReply(reply: FastifyReply, username: string, roles: string[]): Record<string, unknown> {
  reply.code(202)
  return { pending: true, username, roles, message: 'These roles grant permissions you do not hold: another admin must send the same change to apply it' }
}

export function registerAdminRoutes(app: FastifyInstance, auth: Authenticator, audit: AuditLog, duties: DutyCheck): void {
  const users = { config: { permission: 'users:manage' as const, audit: false as const } }
  const keys = { config: { permission: 'keys:manage' as const, audit: false as const } }

  /** Runs a change and audits it, allowed or not. */
  async function change<T>(request: FastifyRequest, action: string, target: string, fn: () => Promise<T>, targetOf?: (out: T) => string): Promise<T> {
    try {
      const out = await fn()
      auditRequest(audit, request, { action, target: targetOf ? targetOf(out) : target, result: 'allowed' })
      return out
    } catch (err) {
      auditRequest(audit, request, { action, target, result: 'error', detail: (err as Error).message.slice(0, 512) })
      throw err
    }
  }

  app.get('/api/admin/users', users, async () => ({ users: (await auth.users.list()).map(userView) }))

  app.post('/api/admin/users', users, async (request, reply) => {
    const b = body(request)
    const username = optionalString(b.username, 'username') ?? ''
    const roles = stringList(b.roles ?? [], 'roles')
    const given = optionalString(b.password, 'password')
    const password = given ?? randomPassword()
    const decision = await change(request, 'user.create.check', JSON.stringify({ username, roles }), async () => duties.roles(request.principal, username, roles, undefined))
    if (decision === 'pending') return pendingReply(reply, username, roles)
    const user = await change(request, 'user.create', JSON.stringify({ username, roles }), () => auth.users.create({ username, password, roles }))
    reply.code(201)
    return { user: userView(user), ...(given === undefined ? { password } : {}) }
  })

  app.put<{ Params: { username: string } }>('/api/admin/users/:username/roles', users, async (request, reply) => {
    const roles = stringList(body(request).roles, 'roles')
    const { username } = request.params
    const user = await change(request, 'user.roles', JSON.stringify({ username, roles }), async () => {
      const all = await auth.users.list()
      if (duties.roles(request.principal, username, roles, all.find((u) => u.username === username)) === 'pending') return undefined
      duties.keepsAManager(username, { roles }, all)
      return auth.users.update(username, { roles })
    })
    if (user === undefined) return pendingReply(reply, username, roles)
    return { user: userView(user) }
  })

  app.put<{ Params: { username: string } }>('/api/admin/users/:username/password', users, async (request) => {
    const given = optionalString(body(request).password, 'password')
    const password = given ?? randomPassword()
    const { username } = request.params
    const user = await change(request, 'user.password', JSON.stringify({ username }), () => auth.users.update(username, { password }))
    return { user: userView(user), ...(given === undefined ? { password } : {}) }
  })

  for (const [path, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post<{ Params: { username: string } }>(`/api/admin/users/:username/${path}`, users, async (request) => {
      const { username } = request.params
      const user = await change(request, `user.${path}`, JSON.stringify({ username }), async () => {
        duties.keepsAManager(username, { disabled }, await auth.users.list())
        return auth.users.update(username, { disabled })
      })
      return { user: userView(user) }
    })
  }

  app.get('/api/admin/keys', keys, async () => {
    await auth.keys.load()
    return { keys: auth.keys.list().map(keyView) }
  })

  app.post('/api/admin/keys', keys, async (request, reply) => {
    const b = body(request)
    const scope = optionalString(b.scope, 'scope') ?? ''
    const name = optionalString(b.name, 'name') ?? ''
    const service = optionalString(b.service, 'service') ?? ''
    const created = await change(request, 'key.create', JSON.stringify({ scope, name, service }),
      () => auth.keys.create({ scope, name, service, createdBy: request.principal?.id ?? 'anonymous' }),
      (out) => JSON.stringify({ id: out.key.id, scope, name, service }))
    reply.code(201)
    return { key: keyView(created.key), secret: created.secret }
  })

  app.delete<{ Params: { id: string } }>('/api/admin/keys/:id', keys, async (request) => {
    const { id } = request.params
    const key = await change(request, 'key.revoke', JSON.stringify({ id }), () => auth.keys.revoke(id))
    return { key: keyView(key) }
  })
}
