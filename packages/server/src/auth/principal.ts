import type { Permission } from '../api/deps.ts'
import type { SecurityConfig } from '../config/schema.ts'

/** A permission a role can grant (every route permission except 'public'). */
export type Grant = Exclude<Permission, 'public'>

/** Who is calling the API, once authenticated. */
export interface Principal {
  kind: 'user' | 'key' | 'anonymous'
  /** What the audit records: `user:alice`, `key:3f2a0c1b9d7e`, `anonymous` (auth off). */
  id: string
  /** User name or key name. */
  name: string
  roles: string[]
  permissions: ReadonlySet<Grant>
  /** How the request proved who it is; `cookie` requests must also carry the CSRF header. */
  via: 'cookie' | 'bearer' | 'api-key' | 'none'
  /** The session token (cookie or bearer), for logout and the CSRF token. */
  sessionToken?: string
  /** Ingest keys bound to a service. */
  keyScope?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the security layer's onRequest hook; null on public routes and before authentication. */
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /**
     * Security-module routes only: `none` needs no credentials (login), `any` needs credentials but
     * no permission (me, logout). Every other route declares `permission`.
     */
    identity?: 'none' | 'any'
  }
}

/** The union of the permissions of `roles` (unknown roles grant nothing). */
export function permissionsOf(roles: readonly string[], config: Pick<SecurityConfig, 'roles'>): Set<Grant> {
  const out = new Set<Grant>()
  for (const role of roles) {
    if (!Object.hasOwn(config.roles, role)) continue
    for (const p of config.roles[role]) out.add(p)
  }
  return out
}

/** Whether `principal` holds any of `needed` (a route passes with any one of its listed permissions). */
export function allows(principal: Principal, needed: readonly Grant[]): boolean {
  return needed.some((p) => principal.permissions.has(p))
}
