import type { SecurityConfig } from '../config/schema.ts'

/**
 * Login throttling, in memory: at most `attemptsPerMinutePerIp` attempts per client address per
 * minute; after `maxFailuresPerUser` failures for one user name (existing or not: the lock must not
 * tell which names exist) or `maxFailuresPerIp` from one address within `windowMinutes`, that name
 * or address is locked for `lockoutMinutes`. A success clears the name's failures.
 */
export type GuardDecision = { ok: true } | { ok: false; retryAfterSeconds: number; reason: 'rate' | 'user-locked' | 'ip-locked' }

interface Tally { failures: number[]; lockedUntil: number }

export class LoginGuard {
  private readonly users = new Map<string, Tally>()
  private readonly ips = new Map<string, Tally>()
  private readonly attempts = new Map<string, number[]>()

  constructor(private readonly cfg: SecurityConfig['login'], private readonly now: () => number = Date.now) {}

  /** Counts an attempt and says whether it may proceed. */
  check(ip: string, username: string): GuardDecision {
    const now = this.now()
    const recent = (this.attempts.get(ip) ?? []).filter((t) => now - t < 60_000)
    recent.push(now)
    this.attempts.set(ip, recent)
    this.prune(now)
    const ipLock = this.ips.get(ip)?.lockedUntil ?? 0
    if (ipLock > now) return { ok: false, retryAfterSeconds: Math.ceil((ipLock - now) / 1000), reason: 'ip-locked' }
    const userLock = this.users.get(userKey(username))?.lockedUntil ?? 0
    if (userLock > now) return { ok: false, retryAfterSeconds: Math.ceil((userLock - now) / 1000), reason: 'user-locked' }
    if (recent.length > this.cfg.attemptsPerMinutePerIp) return { ok: false, retryAfterSeconds: Math.ceil((recent[0] + 60_000 - now) / 1000), reason: 'rate' }
    return { ok: true }
  }

  failure(ip: string, username: string): void {
    const now = this.now()
    this.tally(this.users, userKey(username), now, this.cfg.maxFailuresPerUser)
    this.tally(this.ips, ip, now, this.cfg.maxFailuresPerIp)
  }

  success(_ip: string, username: string): void {
    this.users.delete(userKey(username))
  }

  private tally(map: Map<string, Tally>, key: string, now: number, max: number): void {
    const windowMs = this.cfg.windowMinutes * 60_000
    const t = map.get(key) ?? { failures: [], lockedUntil: 0 }
    t.failures = t.failures.filter((f) => now - f < windowMs)
    t.failures.push(now)
    if (t.failures.length >= max) {
      t.lockedUntil = now + this.cfg.lockoutMinutes * 60_000
      t.failures = []
    }
    map.set(key, t)
  }

  /** Keeps memory bounded when many names or addresses are tried. */
  private prune(now: number): void {
    if (this.users.size + this.ips.size + this.attempts.size < 20_000) return
    const windowMs = this.cfg.windowMinutes * 60_000
    for (const map of [this.users, this.ips]) {
      for (const [k, t] of map) if (t.lockedUntil <= now && t.failures.every((f) => now - f >= windowMs)) map.delete(k)
    }
    for (const [k, list] of this.attempts) if (list.every((t) => now - t >= 60_000)) this.attempts.delete(k)
  }
}

function userKey(username: string): string {
  return username.trim().toLowerCase().slice(0, 256)
}
