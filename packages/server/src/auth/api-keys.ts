import { randomBytes } from 'node:crypto'
import { BeaconError } from '../errors.ts'
import type { Store } from '../store/connection.ts'
import { randomSecret, sha256Hex } from './secrets.ts'
import { KEYS_TABLE, KEY_USAGE_TABLE, nextVersion } from './tables.ts'

export const KEY_SCOPES = ['ingest', 'read'] as const
export type KeyScope = (typeof KEY_SCOPES)[number]

/** An API key as stored: the secret only as its SHA-256. */
export interface ApiKey {
  id: string
  name: string
  scope: KeyScope
  /** Ingest keys only: the one service this key may write as ('' = any). */
  service: string
  keyHash: string
  createdBy: string
  createdAtMs: number
  revoked: boolean
  revokedAtMs: number
  /** 0 = never used. */
  lastUsedMs: number
}

/** What the admin API and `beacon key list --json` show: never the secret or its hash; times ISO 8601 UTC. */
export interface ApiKeyView extends Pick<ApiKey, 'id' | 'name' | 'scope' | 'service' | 'createdBy' | 'revoked'> {
  createdAt: string
  /** null while the key is active. */
  revokedAt: string | null
  /** null when the key was never used. */
  lastUsedAt: string | null
}

const isoOrNull = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null)

export function keyView(k: ApiKey): ApiKeyView {
  return {
    id: k.id, name: k.name, scope: k.scope, service: k.service, createdBy: k.createdBy, createdAt: new Date(k.createdAtMs).toISOString(),
    revoked: k.revoked, revokedAt: k.revoked ? isoOrNull(k.revokedAtMs) : null, lastUsedAt: isoOrNull(k.lastUsedMs),
  }
}

interface KeyRow {
  id: string; name: string; scope: string; service: string; key_hash: string; created_by: string
  created_ms: string; revoked: number; revoked_ms: string; last_used_ms: string
}

const SERVICE = /^[\w.:/@-]{1,128}$/u
/** A new key reads `bk_<12 hex id>_<43 base64url>`; keys given by the operator (BEACON_INGEST_KEY) may be any text. */
const MIN_KEY_LENGTH = 16
/** How often an unknown key may make this process re-read the keys table (keys created by another process). */
const RELOAD_MS = 5_000
/** Last-used times are written at most once a minute per key. */
const USAGE_WRITE_MS = 60_000

/**
 * API keys (`beacon_api_keys`), all held in memory (they are few) so that checking an ingest
 * request costs one hash and one map lookup. Last-used times are kept in memory and written to
 * `beacon_api_key_usage` at most once a minute per key.
 */
export class ApiKeyStore {
  private byHash = new Map<string, ApiKey>()
  private byId = new Map<string, ApiKey>()
  private loadedAt = 0
  private loading: Promise<void> | undefined
  private readonly usageWritten = new Map<string, number>()

  constructor(private readonly store: Store, private readonly onError: (err: Error) => void = () => {}) {}

  async load(): Promise<void> {
    const rows = await this.store.query<KeyRow>(
      `SELECT k.id AS id, k.name AS name, k.scope AS scope, k.service AS service, k.key_hash AS key_hash, k.created_by AS created_by,
         toUnixTimestamp64Milli(k.created_at) AS created_ms, k.revoked AS revoked, toUnixTimestamp64Milli(k.revoked_at) AS revoked_ms,
         toUnixTimestamp64Milli(u.last_used_at) AS last_used_ms
       FROM ${KEYS_TABLE} AS k FINAL
       LEFT JOIN (SELECT id, max(last_used_at) AS last_used_at FROM ${KEY_USAGE_TABLE} GROUP BY id) AS u ON u.id = k.id
       ORDER BY k.created_at`)
    const byHash = new Map<string, ApiKey>()
    const byId = new Map<string, ApiKey>()
    for (const r of rows) {
      const known = this.byId.get(r.id)
      const k: ApiKey = {
        id: r.id, name: r.name, scope: r.scope as KeyScope, service: r.service, keyHash: r.key_hash, createdBy: r.created_by,
        createdAtMs: Number(r.created_ms), revoked: Number(r.revoked) === 1, revokedAtMs: Number(r.revoked_ms),
        lastUsedMs: Math.max(Number(r.last_used_ms) || 0, known?.lastUsedMs ?? 0),
      }
      byId.set(k.id, k)
      byHash.set(k.keyHash, k)
    }
    this.byHash = byHash
    this.byId = byId
    this.loadedAt = Date.now()
  }

  /** The live (not revoked) key whose secret is `presented`, or undefined. */
  async find(presented: string): Promise<ApiKey | undefined> {
    if (presented.length < MIN_KEY_LENGTH || presented.length > 512) return undefined
    const hash = sha256Hex(presented)
    let key = this.byHash.get(hash)
    if (!key && Date.now() - this.loadedAt > RELOAD_MS) {
      await (this.loading ??= this.load().finally(() => { this.loading = undefined }))
      key = this.byHash.get(hash)
    }
    return key && !key.revoked ? key : undefined
  }

  /** Whether a key with this secret exists at all (revoked or not). */
  hasSecret(secret: string): boolean {
    return this.byHash.has(sha256Hex(secret))
  }

  /** Records a use; the store is written at most once a minute per key, in the background. */
  touch(key: ApiKey): void {
    const now = Date.now()
    key.lastUsedMs = now
    if (now - (this.usageWritten.get(key.id) ?? 0) < USAGE_WRITE_MS) return
    this.usageWritten.set(key.id, now)
    this.store.command(`INSERT INTO ${KEY_USAGE_TABLE} (id, last_used_at) VALUES ({id:String}, fromUnixTimestamp64Milli({t:Int64}))`, { id: key.id, t: now })
      .catch((err: Error) => this.onError(err))
  }

  list(): ApiKey[] {
    return [...this.byId.values()]
  }

  get(id: string): ApiKey | undefined {
    return this.byId.get(id)
  }

  /** Creates a key; the secret is returned here once and never again. */
  async create(input: { name: string; scope: string; service?: string; createdBy: string; secret?: string }): Promise<{ key: ApiKey; secret: string }> {
    if (!(KEY_SCOPES as readonly string[]).includes(input.scope)) throw new BeaconError('bad_request', `scope must be one of ${KEY_SCOPES.join(', ')}`)
    const service = input.service ?? ''
    if (service !== '' && input.scope !== 'ingest') throw new BeaconError('bad_request', 'only ingest keys can be bound to a service')
    if (service !== '' && !SERVICE.test(service)) throw new BeaconError('bad_request', 'service: 1 to 128 letters, digits and . _ - : / @')
    const name = input.name ?? ''
    if (typeof name !== 'string' || name.length > 128) throw new BeaconError('bad_request', 'name: at most 128 characters')
    const id = randomBytes(6).toString('hex')
    const secret = input.secret ?? `bk_${id}_${randomSecret()}`
    if (secret.length < MIN_KEY_LENGTH) throw new BeaconError('bad_request', `keys must have at least ${MIN_KEY_LENGTH} characters`)
    const key: ApiKey = {
      id, name, scope: input.scope as KeyScope, service, keyHash: sha256Hex(secret), createdBy: input.createdBy,
      createdAtMs: Date.now(), revoked: false, revokedAtMs: 0, lastUsedMs: 0,
    }
    await this.write(key)
    return { key, secret }
  }

  async revoke(id: string): Promise<ApiKey> {
    if (!this.byId.has(id)) await this.load()
    const key = this.byId.get(id)
    if (!key) throw new BeaconError('not_found', `no API key ${id}`)
    if (key.revoked) return key
    const next = { ...key, revoked: true, revokedAtMs: Date.now() }
    await this.write(next)
    return next
  }

  private async write(k: ApiKey): Promise<void> {
    await this.store.command(
      `INSERT INTO ${KEYS_TABLE} (id, name, scope, service, key_hash, created_by, created_at, revoked, revoked_at, version)
       VALUES ({id:String}, {n:String}, {s:String}, {svc:String}, {h:String}, {by:String}, fromUnixTimestamp64Milli({c:Int64}), {r:UInt8},
         fromUnixTimestamp64Milli({ra:Int64}), {v:UInt64})`,
      { id: k.id, n: k.name, s: k.scope, svc: k.service, h: k.keyHash, by: k.createdBy, c: k.createdAtMs, r: k.revoked ? 1 : 0, ra: k.revokedAtMs, v: nextVersion() })
    this.byId.set(k.id, k)
    this.byHash.set(k.keyHash, k)
  }
}
