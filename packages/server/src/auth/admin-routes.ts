import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BeaconError } from '../errors.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import { auditRequest } from '../audit/api-audit.ts'
import { keyView } from './api-keys.ts'
import type { Authenticator } from './authenticator.ts'
import { randomPassword } from './secrets.ts'
import { userView } from './users.ts'
import type { DutyCheck } from './duties.ts'
import { errors, stringParam, HANDLER_CHECKS_BODY } from '../api/openapi-schemas.ts'

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

/** Thrown inside a change that waits for a second admin (audited as such, answered 202). */
class PendingApproval extends Error {}

/** 202: the grant waits for a second admin to send the same change. */
function pendingReply(reply: FastifyReply, username: string, roles: string[]): Record<string, unknown> {
  reply.code(202)
  return { pending: true, username, roles, message: 'These roles grant permissions you do not hold: another admin must send the same change to apply it' }
}

/** `fn()`, or undefined when it waits for a second admin. */
async function pendingOr<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof PendingApproval) return undefined
    throw err
  }
}

const USERNAME = { type: 'object', properties: { username: stringParam('user name') }, required: ['username'] }
const ROLES = { type: 'array', items: { type: 'string' }, description: 'e.g. support, developer, analyst, admin, auditor' }
const jsonBody = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required })
const TIME = (description: string, nullable = false) => ({ type: nullable ? ['string', 'null'] : 'string', format: 'date-time', description: `${description} (ISO 8601 UTC)` })
/** A user as the admin API answers it (auth/users.ts userView). */
const USER = {
  type: 'object',
  properties: {
    username: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, disabled: { type: 'boolean' },
    createdAt: TIME('created'), updatedAt: TIME('last changed'), sessionsAfter: TIME('sessions created before this are not valid (last password change or disabling)'),
  },
  required: ['username', 'roles', 'disabled', 'createdAt', 'updatedAt', 'sessionsAfter'],
}
/** An API key as the admin API answers it (auth/api-keys.ts keyView): never the secret. */
const KEY = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string', enum: ['ingest', 'read'] }, service: { type: 'string', description: 'ingest keys: the only service it may send as (\'\' = any)' },
    createdBy: { type: 'string' }, createdAt: TIME('created'), revoked: { type: 'boolean' }, revokedAt: TIME('revoked; null while active', true), lastUsedAt: TIME('last used; null when never', true),
  },
  required: ['id', 'name', 'scope', 'service', 'createdBy', 'createdAt', 'revoked', 'revokedAt', 'lastUsedAt'],
}
/** A JSON answer with these fields (the first `required` ones always present). */
const answer = (description: string, properties: Record<string, unknown>, required = Object.keys(properties)) => ({ description, type: 'object', properties, required })
const PASSWORD = { type: 'string', description: 'the generated password, shown once (only when none was sent)' }

const PENDING = { 202: { description: '`{ pending: true, username, roles, message }`: the roles grant permissions the caller lacks; a second admin must send the same change', type: 'object', additionalProperties: true } }

/** Route options: permission, self-audited (change()), the OpenAPI schema (tags `admin`); bodies are checked by the handlers. */
function route(permission: 'users:manage' | 'keys:manage', schema: Record<string, unknown>) {
  return { config: { permission, audit: false as const }, schema: { tags: ['admin'], ...schema }, ...HANDLER_CHECKS_BODY }
}

export function registerAdminRoutes(app: FastifyInstance, auth: Authenticator, audit: AuditLog, duties: DutyCheck): void {

  /** Runs a change and audits it: allowed, waiting for a second admin (PendingApproval rethrown), or failed. */
  async function change<T>(request: FastifyRequest, action: string, target: string, fn: () => Promise<T>, targetOf?: (out: T) => string): Promise<T> {
    try {
      const out = await fn()
      auditRequest(audit, request, { action, target: targetOf ? targetOf(out) : target, result: 'allowed' })
      return out
    } catch (err) {
      if (err instanceof PendingApproval) {
        auditRequest(audit, request, { action, target, result: 'denied', detail: 'pending: waits for a second admin to send the same change' })
        throw err
      }
      auditRequest(audit, request, { action, target, result: 'error', detail: (err as Error).message.slice(0, 512) })
      throw err
    }
  }

  app.get('/api/admin/users', route('users:manage', { description: 'Every user with roles and state.', response: { 200: answer('every user', { users: { type: 'array', items: USER } }), ...errors() } }), async () => ({ users: (await auth.users.list()).map(userView) }))

  app.post('/api/admin/users', route('users:manage', {
    description: 'Creates a user. Without `password` a random one is generated and returned once.',
    body: jsonBody({ username: { type: 'string' }, roles: ROLES, password: { type: 'string' } }, ['username']),
    response: { 201: answer('the user (and the generated password)', { user: USER, password: PASSWORD }, ['user']), ...PENDING, ...errors(400) },
  }), async (request, reply) => {
    const b = body(request)
    const username = optionalString(b.username, 'username') ?? ''
    const roles = stringList(b.roles ?? [], 'roles')
    const given = optionalString(b.password, 'password')
    const password = given ?? randomPassword()
    const user = await pendingOr(() => change(request, 'user.create', JSON.stringify({ username, roles }), async () => {
      if (duties.roles(request.principal, username, roles, undefined) === 'pending') throw new PendingApproval()
      return auth.users.create({ username, password, roles })
    }))
    if (user === undefined) return pendingReply(reply, username, roles)
    reply.code(201)
    return { user: userView(user), ...(given === undefined ? { password } : {}) }
  })

  app.put<{ Params: { username: string } }>('/api/admin/users/:username/roles', route('users:manage', {
    description: 'Replaces a user\'s roles (not one\'s own).',
    params: USERNAME,
    body: jsonBody({ roles: ROLES }, ['roles']),
    response: { 200: answer('the user', { user: USER }), ...PENDING, ...errors(400, 404) },
  }), async (request, reply) => {
    const roles = stringList(body(request).roles, 'roles')
    const { username } = request.params
    const user = await pendingOr(() => change(request, 'user.roles', JSON.stringify({ username, roles }), async () => {
      const all = await auth.users.list()
      if (duties.roles(request.principal, username, roles, all.find((u) => u.username === username)) === 'pending') throw new PendingApproval()
      duties.keepsAManager(username, { roles }, all)
      return auth.users.update(username, { roles })
    }))
    if (user === undefined) return pendingReply(reply, username, roles)
    return { user: userView(user) }
  })

  app.put<{ Params: { username: string } }>('/api/admin/users/:username/password', route('users:manage', {
    description: 'Sets a password (random when none is sent, returned once) and ends the user\'s sessions.',
    params: USERNAME,
    body: jsonBody({ password: { type: 'string' } }),
    response: { 200: answer('the user (and the generated password)', { user: USER, password: PASSWORD }, ['user']), ...errors(400, 404) },
  }), async (request) => {
    const given = optionalString(body(request).password, 'password')
    const password = given ?? randomPassword()
    const { username } = request.params
    const user = await change(request, 'user.password', JSON.stringify({ username }), () => auth.users.update(username, { password }))
    return { user: userView(user), ...(given === undefined ? { password } : {}) }
  })

  for (const [path, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post<{ Params: { username: string } }>(`/api/admin/users/:username/${path}`, route('users:manage', {
      description: disabled ? 'Disables a user and ends their sessions.' : 'Enables a disabled user.',
      params: USERNAME,
      response: { 200: answer('the user', { user: USER }), ...errors(404) },
    }), async (request) => {
      const { username } = request.params
      const user = await change(request, `user.${path}`, JSON.stringify({ username }), async () => {
        duties.keepsAManager(username, { disabled }, await auth.users.list())
        return auth.users.update(username, { disabled })
      })
      return { user: userView(user) }
    })
  }

  app.get('/api/admin/keys', route('keys:manage', { description: 'Every API key (never the secret).', response: { 200: answer('every API key', { keys: { type: 'array', items: KEY } }), ...errors() } }), async () => {
    await auth.keys.load()
    return { keys: auth.keys.list().map(keyView) }
  })

  app.post('/api/admin/keys', route('keys:manage', {
    description: 'Creates an API key: `ingest` keys only write (optionally bound to one service), `read` keys only read. The secret is returned once.',
    body: jsonBody({ scope: { type: 'string', description: 'ingest or read' }, name: { type: 'string' }, service: { type: 'string', description: 'ingest keys: the only service it may send as' } }, ['scope']),
    response: { 201: answer('the key and its secret, shown once', { key: KEY, secret: { type: 'string', description: 'send as `Authorization: Bearer <secret>`' } }), ...errors(400) },
  }), async (request, reply) => {
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

  app.delete<{ Params: { id: string } }>('/api/admin/keys/:id', route('keys:manage', {
    description: 'Revokes an API key.',
    params: { type: 'object', properties: { id: stringParam('key id') }, required: ['id'] },
    response: { 200: answer('the revoked key', { key: KEY }), ...errors(404) },
  }), async (request) => {
    const { id } = request.params
    const key = await change(request, 'key.revoke', JSON.stringify({ id }), () => auth.keys.revoke(id))
    return { key: keyView(key) }
  })
}
