import { checkPassword } from './password-policy.ts'
import { BeaconError } from '../errors.ts'
import type { Store } from '../store/connection.ts'
import { hashPassword } from './secrets.ts'
import { USERS_TABLE, nextVersion } from './tables.ts'

/** A Beacon user as stored (the password only as its scrypt hash). */
export interface User {
  username: string
  passwordHash: string
  roles: string[]
  disabled: boolean
  /** Sessions created before this time are no longer valid (set by a password change). */
  sessionsAfterMs: number
  createdAtMs: number
  updatedAtMs: number
}

/** What the admin API and `beacon user list --json` show: never the hash; times ISO 8601 UTC. */
export interface UserView extends Pick<User, 'username' | 'roles' | 'disabled'> {
  createdAt: string
  updatedAt: string
  /** Sessions created before this time are not valid (the last password change or disabling). */
  sessionsAfter: string
}

export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/

interface UserRow {
  username: string; password_hash: string; roles: string[]; disabled: number
  sessions_after_ms: string; created_ms: string; updated_ms: string
}

const SELECT = `SELECT username, password_hash, roles, disabled,
  toUnixTimestamp64Milli(sessions_after) AS sessions_after_ms, toUnixTimestamp64Milli(created_at) AS created_ms,
  toUnixTimestamp64Milli(updated_at) AS updated_ms FROM ${USERS_TABLE} FINAL`

function fromRow(r: UserRow): User {
  return {
    username: r.username, passwordHash: r.password_hash, roles: r.roles, disabled: Number(r.disabled) === 1,
    sessionsAfterMs: Number(r.sessions_after_ms), createdAtMs: Number(r.created_ms), updatedAtMs: Number(r.updated_ms),
  }
}

export function userView(u: User): UserView {
  return {
    username: u.username, roles: u.roles, disabled: u.disabled,
    createdAt: new Date(u.createdAtMs).toISOString(), updatedAt: new Date(u.updatedAtMs).toISOString(), sessionsAfter: new Date(u.sessionsAfterMs).toISOString(),
  }
}

/** How long a looked-up user is trusted before the store is asked again (changes made here apply at once). */
const CACHE_MS = 10_000

/**
 * Users in ClickHouse (`beacon_users`). Changes are new row versions; this process sees its own
 * changes at once, changes made elsewhere (the CLI against a ClickHouse server) within 10 s.
 */
export class UserDirectory {
  private readonly cache = new Map<string, { user: User | undefined; at: number }>()

  constructor(private readonly store: Store, private readonly knownRoles: () => string[], private readonly passwordMinLength: number) {}

  async get(username: string): Promise<User | undefined> {
    const hit = this.cache.get(username)
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.user
    const [row] = await this.store.query<UserRow>(`${SELECT} WHERE username = {u:String}`, { u: username })
    const user = row ? fromRow(row) : undefined
    if (this.cache.size > 10_000) this.cache.clear()
    this.cache.set(username, { user, at: Date.now() })
    return user
  }

  async list(): Promise<User[]> {
    return (await this.store.query<UserRow>(`${SELECT} ORDER BY username`)).map(fromRow)
  }

  async count(): Promise<number> {
    const [r] = await this.store.query<{ n: string }>(`SELECT count() AS n FROM ${USERS_TABLE} FINAL`)
    return Number(r?.n ?? 0)
  }

  async create(input: { username: string; password: string; roles: string[] }): Promise<User> {
    if (!USERNAME.test(input.username)) throw new BeaconError('bad_request', 'user name: 1 to 64 letters, digits, . _ @ -, starting with a letter or digit')
    this.checkRoles(input.roles)
    this.checkPassword(input.password, input.username)
    this.cache.delete(input.username)
    if (await this.get(input.username)) throw new BeaconError('bad_request', `user ${input.username} already exists`)
    const now = Date.now()
    const user: User = {
      username: input.username, passwordHash: await hashPassword(input.password), roles: [...new Set(input.roles)],
      disabled: false, sessionsAfterMs: now, createdAtMs: now, updatedAtMs: now,
    }
    await this.write(user)
    return user
  }

  /** Applies a change; a new password or disabling also ends the user's existing sessions. */
  async update(username: string, change: { roles?: string[]; disabled?: boolean; password?: string }): Promise<User> {
    this.cache.delete(username)
    const user = await this.get(username)
    if (!user) throw new BeaconError('not_found', `no user ${username}`)
    const now = Date.now()
    const next: User = { ...user, updatedAtMs: now }
    if (change.roles) { this.checkRoles(change.roles); next.roles = [...new Set(change.roles)] }
    if (change.password !== undefined) {
      this.checkPassword(change.password, username)
      next.passwordHash = await hashPassword(change.password)
      next.sessionsAfterMs = now
    }
    if (change.disabled !== undefined) {
      next.disabled = change.disabled
      if (change.disabled) next.sessionsAfterMs = now
    }
    await this.write(next)
    return next
  }

  checkRoles(roles: string[]): void {
    if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string')) throw new BeaconError('bad_request', 'roles must be a list of role names')
    const known = this.knownRoles()
    const unknown = roles.filter((r) => !known.includes(r))
    if (unknown.length) throw new BeaconError('bad_request', `unknown role(s) ${unknown.join(', ')}; configured roles: ${known.join(', ')}`)
  }

  checkPassword(password: string, username = ''): void {
    checkPassword(password, this.passwordMinLength, username)
  }

  private async write(u: User): Promise<void> {
    await this.store.command(
      `INSERT INTO ${USERS_TABLE} (username, password_hash, roles, disabled, sessions_after, created_at, updated_at, version)
       VALUES ({u:String}, {h:String}, {roles:Array(String)}, {d:UInt8}, fromUnixTimestamp64Milli({sa:Int64}), fromUnixTimestamp64Milli({ca:Int64}),
         fromUnixTimestamp64Milli({ua:Int64}), {v:UInt64})`,
      { u: u.username, h: u.passwordHash, roles: u.roles, d: u.disabled ? 1 : 0, sa: u.sessionsAfterMs, ca: u.createdAtMs, ua: u.updatedAtMs, v: nextVersion() })
    this.cache.set(u.username, { user: u, at: Date.now() })
  }
}
