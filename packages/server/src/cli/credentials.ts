import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * Where `beacon login` keeps the token: `$BEACON_CREDENTIALS`, else
 * `$XDG_CONFIG_HOME/beacon/credentials`, else `~/.config/beacon/credentials`. The file is
 * written with mode 0600 (its folder 0700): only the user can read it.
 */
export interface Credentials {
  api: string
  token: string
  username: string
  expiresAt: string
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BEACON_CREDENTIALS) return env.BEACON_CREDENTIALS
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'beacon', 'credentials')
}

export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  try {
    const c = JSON.parse(readFileSync(credentialsPath(env), 'utf8')) as Partial<Credentials>
    if (typeof c.token === 'string' && typeof c.api === 'string') return { api: c.api, token: c.token, username: c.username ?? '', expiresAt: c.expiresAt ?? '' }
  } catch { /* none, or unreadable: treated as not signed in */ }
  return undefined
}

export function writeCredentials(c: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  const path = credentialsPath(env)
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  // Created 0600 (mode applies at creation); chmod too, for a file left by an older run.
  writeFileSync(path, JSON.stringify(c, null, 2) + '\n', { mode: 0o600 })
  chmodSync(path, 0o600)
  return path
}

export function removeCredentials(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(credentialsPath(env), { force: true })
}
