import type { Store } from '../store/connection.ts'
import { randomSecret, sha256Hex } from './secrets.ts'
import { SESSIONS_TABLE, nextVersion } from './tables.ts'

/** A login session. The token itself is never stored: only its SHA-256. */
export interface Session {
  username: string
  createdAtMs: number
  expiresAtMs: number
}

/** Session tokens start with `bs_` so a bearer value is recognised as a session, not an API key. */
export const SESSION_PREFIX = 'bs_'

const CACHE_MS = 30_000

/** Sessions in ClickHouse (`beacon_sessions`), cached briefly in memory; logout takes effect at once here. */
export class SessionStore {
  private readonly cache = new Map<string, { session: Session | undefined; at: number }>()

  constructor(private readonly store: Store) {}

  async create(username: string, hours: number): Promise<{ token: string; session: Session }> {
    const token = SESSION_PREFIX + randomSecret()
    const now = Date.now()
    const session: Session = { username, createdAtMs: now, expiresAtMs: now + Math.round(hours * 3_600_000) }
    await this.write(sha256Hex(token), session, false)
    return { token, session }
  }

  /** The live session of a token, or undefined (unknown, expired or revoked). */
  async find(token: string): Promise<Session | undefined> {
    if (!token.startsWith(SESSION_PREFIX) || token.length > 128) return undefined
    const hash = sha256Hex(token)
    const hit = this.cache.get(hash)
    let session: Session | undefined
    if (hit && Date.now() - hit.at < CACHE_MS) session = hit.session
    else {
      const [row] = await this.store.query<{ username: string; created: string; expires: string; revoked: number }>(
        `SELECT username, toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(expires_at) AS expires, revoked
         FROM ${SESSIONS_TABLE} FINAL WHERE token_hash = {h:String}`, { h: hash })
      session = row && Number(row.revoked) === 0 ? { username: row.username, createdAtMs: Number(row.created), expiresAtMs: Number(row.expires) } : undefined
      if (this.cache.size > 50_000) this.cache.clear()
      this.cache.set(hash, { session, at: Date.now() })
    }
    return session && session.expiresAtMs > Date.now() ? session : undefined
  }

  async revoke(token: string): Promise<void> {
    const session = await this.find(token)
    if (!session) return
    const hash = sha256Hex(token)
    await this.write(hash, session, true)
  }

  private async write(hash: string, s: Session, revoked: boolean): Promise<void> {
    await this.store.command(
      `INSERT INTO ${SESSIONS_TABLE} (token_hash, username, created_at, expires_at, revoked, version)
       VALUES ({h:String}, {u:String}, fromUnixTimestamp64Milli({c:Int64}), fromUnixTimestamp64Milli({e:Int64}), {r:UInt8}, {v:UInt64})`,
      { h: hash, u: s.username, c: s.createdAtMs, e: s.expiresAtMs, r: revoked ? 1 : 0, v: nextVersion() })
    this.cache.set(hash, { session: revoked ? undefined : s, at: Date.now() })
  }
}
