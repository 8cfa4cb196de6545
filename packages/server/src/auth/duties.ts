import { BeaconError } from '../errors.ts'
import type { SecurityConfig } from '../config/schema.ts'
import { permissionsOf, type Principal } from './principal.ts'
import type { User } from './users.ts'

/**
 * Separation of duties for user administration (docs/security.md §2):
 *
 *   change roles of user U to R, asked by admin A
 *     ├─ U is A ──────────────────────────────► refused: nobody changes their own roles
 *     ├─ R grants a permission A does not hold ─► `dualControl` on: pending until a second admin
 *     │                                           sends the same change (then applied); off: applied
 *     └─ otherwise ────────────────────────────► applied
 *   disable U / remove `users:manage` from U ──► refused when U is the last active user manager
 *
 * Bootstrap: the first admin creates a second admin (the admin role's permissions are its own, so
 * no approval is needed); from then on the two approve each other's grants of data roles.
 * Pending requests live in memory for 24 hours (a restart forgets them: ask again).
 */
const PENDING_MS = 24 * 3600_000

export interface DutyCheck {
  /** Checks a role change; returns 'pending' when it waits for a second admin. */
  roles(actor: Principal | null, username: string, roles: string[], current: User | undefined): 'apply' | 'pending'
  /** Refuses disabling (or demoting) the last active user manager. */
  keepsAManager(username: string, change: { disabled?: boolean; roles?: string[] }, users: readonly User[]): void
}

export function createDutyCheck(config: Pick<SecurityConfig, 'roles' | 'dualControl'>): DutyCheck {
  const pending = new Map<string, { by: string; at: number }>()
  const manages = (roles: readonly string[]): boolean => permissionsOf(roles, config).has('users:manage')

  return {
    roles(actor, username, roles, current) {
      if (actor === null || actor.kind === 'anonymous') return 'apply' // authentication off: a single-operator install
      if (actor.kind === 'user' && actor.name === username) {
        throw new BeaconError('forbidden', 'You cannot change your own roles: ask another admin')
      }
      const granted = permissionsOf(roles, config)
      const had = permissionsOf(current?.roles ?? [], config)
      const beyond = [...granted].filter((p) => !had.has(p) && !actor.permissions.has(p))
      if (beyond.length === 0 || !config.dualControl) return 'apply'
      const key = `${username}\n${[...new Set(roles)].sort().join(',')}`
      const p = pending.get(key)
      const now = Date.now()
      if (p !== undefined && now - p.at < PENDING_MS && p.by !== actor.id) {
        pending.delete(key)
        return 'apply'
      }
      if (pending.size > 1000) pending.clear()
      pending.set(key, { by: actor.id, at: p?.by === actor.id ? p.at : now })
      return 'pending'
    },
    keepsAManager(username, change, users) {
      const target = users.find((u) => u.username === username)
      if (target === undefined || target.disabled || !manages(target.roles)) return
      const losing = change.disabled === true || (change.roles !== undefined && !manages(change.roles))
      if (!losing) return
      const others = users.filter((u) => u.username !== username && !u.disabled && manages(u.roles))
      if (others.length === 0) throw new BeaconError('forbidden', `${username} is the last active user administrator; create or enable another first`)
    },
  }
}
