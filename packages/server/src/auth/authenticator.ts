import type { SecurityConfig } from '../config/schema.ts'
import type { IngestAuth, IngestAuthResult } from '../ingest/receiver.ts'
import { ApiKeyStore, type ApiKey } from './api-keys.ts'
import { SESSION_COOKIE, cookieValue, header, parseAuthorization, type Headers } from './credentials.ts'
import { permissionsOf, type Grant, type Principal } from './principal.ts'
import { SESSION_PREFIX, SessionStore } from './sessions.ts'
import { UserDirectory } from './users.ts'

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; status: 401; message: string }

const NO_CREDENTIALS = 'Sign in, or send Authorization: Bearer <token or read key>'
const BAD_CREDENTIALS = 'The session has ended or the credentials are not valid; sign in again'

/**
 * Turns request headers into a Principal: a session (cookie or bearer token) of an enabled user,
 * or an API key. Deny by default: whatever is not recognised is "no principal".
 */
export class Authenticator {
  constructor(
    readonly users: UserDirectory,
    readonly sessions: SessionStore,
    readonly keys: ApiKeyStore,
    private readonly config: SecurityConfig,
  ) {}

  async fromHeaders(headers: Headers): Promise<AuthOutcome> {
    const auth = parseAuthorization(header(headers, 'authorization'))
    if (auth) {
      for (const secret of auth.secrets) {
        // a session token is accepted as a bearer token only, never as a Basic or ApiKey password:
        // Basic credentials are what shippers store in their configuration, sessions are not for that
        const p = secret.startsWith(SESSION_PREFIX)
          ? (auth.scheme === 'bearer' ? await this.sessionPrincipal(secret, 'bearer') : undefined)
          : await this.keyPrincipal(secret)
        if (p) return { ok: true, principal: p }
      }
      return { ok: false, status: 401, message: BAD_CREDENTIALS }
    }
    const cookie = cookieValue(header(headers, 'cookie'), SESSION_COOKIE)
    if (cookie) {
      const p = await this.sessionPrincipal(cookie, 'cookie')
      return p ? { ok: true, principal: p } : { ok: false, status: 401, message: BAD_CREDENTIALS }
    }
    return { ok: false, status: 401, message: NO_CREDENTIALS }
  }

  async sessionPrincipal(token: string, via: 'cookie' | 'bearer'): Promise<Principal | undefined> {
    const session = await this.sessions.find(token)
    if (!session) return undefined
    const user = await this.users.get(session.username)
    if (!user || user.disabled || session.createdAtMs < user.sessionsAfterMs) return undefined
    return {
      kind: 'user', id: `user:${user.username}`, name: user.username, roles: user.roles,
      permissions: permissionsOf(user.roles, this.config), via, sessionToken: token,
    }
  }

  async keyPrincipal(secret: string): Promise<Principal | undefined> {
    const key = await this.keys.find(secret)
    if (!key) return undefined
    this.keys.touch(key)
    return keyPrincipal(key, key.scope === 'read' ? new Set(this.config.readKeyPermissions) : new Set())
  }
}

function keyPrincipal(key: ApiKey, permissions: Set<Grant>): Principal {
  return { kind: 'key', id: `key:${key.id}`, name: key.name || key.id, roles: [], permissions, via: 'api-key', keyScope: key.scope }
}

/**
 * The receivers' IngestAuth: a live key with scope `ingest`. No or unknown credentials → 401;
 * valid credentials that may not write (a read key, a user's session) → 403.
 */
export function createIngestAuth(auth: Authenticator): IngestAuth {
  return {
    async authenticate(headers): Promise<IngestAuthResult> {
      const presented = parseAuthorization(header(headers, 'authorization'))
      if (!presented) {
        return { ok: false, status: 401, message: 'An ingest key is required: Authorization: Bearer <key> (OTLP), or ApiKey / Basic (Elasticsearch shippers)' }
      }
      for (const secret of presented.secrets) {
        if (secret.startsWith(SESSION_PREFIX)) {
          if (await auth.sessionPrincipal(secret, 'bearer')) return { ok: false, status: 403, message: 'A user session cannot write; use an ingest key' }
          continue
        }
        const key = await auth.keys.find(secret)
        if (!key) continue
        if (key.scope !== 'ingest') return { ok: false, status: 403, message: `This key has scope ${key.scope}; writing needs an ingest key` }
        auth.keys.touch(key)
        return { ok: true, principal: key.service ? { keyId: key.id, service: key.service } : { keyId: key.id } }
      }
      return { ok: false, status: 401, message: 'Unknown or revoked ingest key' }
    },
  }
}
