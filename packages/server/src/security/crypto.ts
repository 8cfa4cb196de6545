import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto'
import { BeaconError } from '../errors.ts'

/**
 * Field encryption primitives: a key ring (several AES-256 keys for rotation plus a blind-index
 * root key), self-describing tokens, and blind indexes for exact-match search.
 *
 *   plaintext ──AES-256-GCM(active key, random 96-bit nonce, AAD = "enc:v1:<keyId>")──►
 *     enc:v1:<keyId>:<nonce, base64url>:<ciphertext ‖ 128-bit tag, base64url>
 *
 *   normalized plaintext ──HMAC-SHA256(index key)──► first 16 bytes, hex  (the blind index)
 *   index key = HKDF-SHA256(index root, salt "beacon/blind-index", info "v1")
 *
 * The index root is the key ring's own `index` key, independent of the data keys, so rotating data
 * keys never changes a blind index (a changed index would make old records unfindable). Without an
 * explicit index key the oldest (last listed) data key is the root — see docs/security.md.
 * Key material lives in KeyObjects inside this module only; a KeyRing shows key ids, never keys.
 */

export const TOKEN_PREFIX = 'enc:v1:'
const TOKEN = /^enc:v1:([A-Za-z][A-Za-z0-9_-]{0,31}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/
const KEY_ID = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/
const RESERVED_IDS = new Set(['index', 'active'])
const KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16
/** Blind index length in bytes (128 bits: collisions are not a practical concern). */
const INDEX_BYTES = 16

export type DecryptErrorCode = 'malformed_token' | 'unknown_key' | 'auth_failed'

/** Why a token could not be decrypted. `auth_failed`: wrong key or tampered token (GCM cannot tell them apart). */
export class DecryptError extends Error {
  readonly code: DecryptErrorCode
  readonly keyId?: string
  constructor(code: DecryptErrorCode, message: string, keyId?: string) {
    super(message)
    this.name = 'DecryptError'
    this.code = code
    this.keyId = keyId
  }
}

/** A set of data keys (newest first) and the blind-index key. Holds no visible key material. */
export interface KeyRing {
  /** New values are encrypted under this key. */
  readonly activeKeyId: string
  /** Every key id that can decrypt, in the order given. */
  readonly keyIds: readonly string[]
  /** `index` (an explicit index key) or `data-key:<id>` (the fallback root). */
  readonly indexKeySource: string
  has(keyId: string): boolean
}

/** Keys as written in a key file or environment variable: base64 (or base64url) of 32 random bytes. */
export interface KeyRingSpec {
  keys: Array<{ id: string; key: string }>
  /** Default: the first key. */
  active?: string
  /** Root of the blind-index key; default: the last (oldest) data key. */
  indexKey?: string
}

interface RingSecrets {
  keys: Map<string, KeyObject>
  indexKey: KeyObject
}
const secrets = new WeakMap<KeyRing, RingSecrets>()

function decodeKey(text: string, what: string, problems: string[]): Buffer | undefined {
  const t = text.trim()
  if (!BASE64.test(t)) { problems.push(`${what}: not base64`); return undefined }
  const bytes = Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64')
  if (bytes.length !== KEY_BYTES) { problems.push(`${what}: must decode to ${KEY_BYTES} bytes, got ${bytes.length}`); return undefined }
  return bytes
}

/**
 * Validates a key spec and builds the ring; throws `config_invalid` listing every problem (never
 * any key material).
 * @example createKeyRing({ keys: [{ id: 'k2', key: newB64 }, { id: 'k1', key: oldB64 }], indexKey: idxB64 })
 */
export function createKeyRing(spec: KeyRingSpec, source = 'encryption keys'): KeyRing {
  const problems: string[] = []
  const keys = new Map<string, KeyObject>()
  const raw = new Map<string, Buffer>()
  if (spec.keys.length === 0) problems.push('no data keys')
  spec.keys.forEach(({ id, key }, i) => {
    const what = `key ${i + 1} (${JSON.stringify(id)})`
    if (!KEY_ID.test(id)) problems.push(`${what}: key id must be 1–32 letters, digits, '_' or '-', starting with a letter`)
    else if (RESERVED_IDS.has(id)) problems.push(`${what}: key id ${JSON.stringify(id)} is reserved`)
    else if (raw.has(id)) problems.push(`${what}: duplicate key id`)
    const bytes = decodeKey(key, what, problems)
    if (bytes && KEY_ID.test(id) && !raw.has(id)) {
      for (const [other, b] of raw) if (b.equals(bytes)) problems.push(`${what}: same key material as ${JSON.stringify(other)}`)
      raw.set(id, bytes)
      keys.set(id, createSecretKey(bytes))
    }
  })
  const active = spec.active ?? spec.keys[0]?.id
  if (spec.active !== undefined && !spec.keys.some((k) => k.id === spec.active)) problems.push(`active key ${JSON.stringify(spec.active)} is not among the keys`)
  let root: Buffer | undefined
  let indexKeySource = 'index'
  if (spec.indexKey !== undefined) {
    root = decodeKey(spec.indexKey, 'index key', problems)
  } else if (spec.keys.length > 0) {
    const oldest = spec.keys[spec.keys.length - 1].id
    root = raw.get(oldest)
    indexKeySource = `data-key:${oldest}`
  }
  if (problems.length > 0 || active === undefined || root === undefined) {
    throw new BeaconError('config_invalid', `${source}:\n${problems.join('\n')}`, { problems })
  }
  const indexKey = createSecretKey(Buffer.from(hkdfSync('sha256', root, 'beacon/blind-index', 'v1', 32)))
  const keyIds = Object.freeze(spec.keys.map((k) => k.id))
  const ring: KeyRing = Object.freeze({ activeKeyId: active, keyIds, indexKeySource, has: (id: string) => keys.has(id) })
  secrets.set(ring, { keys, indexKey })
  return ring
}

/**
 * Parses a key file or the value of `BEACON_ENCRYPTION_KEYS`: JSON
 * (`{"active":"k2","keys":{"k2":"…","k1":"…"},"indexKey":"…"}`, `keys` may also be `[{id,key}]`)
 * or lines / comma-separated entries `keyId:base64`, newest first, with the reserved ids
 * `index:<base64>` (blind-index key) and `active:<keyId>`. `#` starts a comment line.
 */
export function parseKeySpec(text: string, source = 'encryption keys'): KeyRingSpec {
  const problems: string[] = []
  const spec: KeyRingSpec = { keys: [] }
  const t = text.trim()
  if (t.startsWith('{')) {
    let doc: unknown
    try { doc = JSON.parse(t) } catch { throw new BeaconError('config_invalid', `${source}: not valid JSON`, { problems: ['not valid JSON'] }) }
    const d = doc as { keys?: unknown; active?: unknown; indexKey?: unknown }
    if (Array.isArray(d.keys)) {
      d.keys.forEach((k: { id?: unknown; key?: unknown }, i) => {
        if (typeof k?.id !== 'string' || typeof k?.key !== 'string') problems.push(`keys[${i}]: needs string "id" and "key"`)
        else spec.keys.push({ id: k.id, key: k.key })
      })
    } else if (d.keys !== null && typeof d.keys === 'object') {
      for (const [id, key] of Object.entries(d.keys as Record<string, unknown>)) {
        if (typeof key !== 'string') problems.push(`keys.${id}: must be a base64 string`)
        else spec.keys.push({ id, key })
      }
    } else problems.push('"keys" must be an object {id: base64} or an array [{id, key}]')
    if (d.active !== undefined) { if (typeof d.active === 'string') spec.active = d.active; else problems.push('"active" must be a key id') }
    if (d.indexKey !== undefined) { if (typeof d.indexKey === 'string') spec.indexKey = d.indexKey; else problems.push('"indexKey" must be a base64 string') }
  } else {
    t.split(/[\n,]/).forEach((line, i) => {
      const entry = line.trim()
      if (entry === '' || entry.startsWith('#')) return
      const colon = entry.indexOf(':')
      if (colon <= 0) { problems.push(`entry ${i + 1}: expected keyId:base64key`); return }
      const id = entry.slice(0, colon).trim()
      const value = entry.slice(colon + 1).trim()
      if (id === 'index') spec.indexKey = value
      else if (id === 'active') spec.active = value
      else spec.keys.push({ id, key: value })
    })
  }
  if (problems.length > 0) throw new BeaconError('config_invalid', `${source}:\n${problems.join('\n')}`, { problems })
  return spec
}

/** A fresh random key, base64 (what `openssl rand -base64 32` prints). */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64')
}

function secretsOf(ring: KeyRing): RingSecrets {
  const s = secrets.get(ring)
  if (s === undefined) throw new TypeError('not a KeyRing made by createKeyRing')
  return s
}

// Nonces come from a pool refilled from the CSPRNG: one randomBytes call per 1024 values, each
// nonce handed out once.
let noncePool = Buffer.alloc(0)
let nonceOffset = 0
function nextNonce(): Buffer {
  if (nonceOffset + NONCE_BYTES > noncePool.length) { noncePool = randomBytes(NONCE_BYTES * 1024); nonceOffset = 0 }
  const n = noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES)
  nonceOffset += NONCE_BYTES
  return n
}

/**
 * Encrypts under the active key (or `keyId`).
 * @example encryptValue(ring, 'john@example.com') // 'enc:v1:k2:3q2-7w…:Zm9v…'
 */
export function encryptValue(ring: KeyRing, plaintext: string, keyId = ring.activeKeyId): string {
  const key = secretsOf(ring).keys.get(keyId)
  if (key === undefined) throw new DecryptError('unknown_key', `unknown encryption key id ${JSON.stringify(keyId)}`, keyId)
  const header = `${TOKEN_PREFIX}${keyId}`
  const nonce = nextNonce()
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(Buffer.from(header))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return `${header}:${nonce.toString('base64url')}:${body.toString('base64url')}`
}

/** True when `value` has the exact token shape (it says nothing about whether it decrypts). */
export function isEncrypted(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX) && TOKEN.test(value)
}

/** The key id a token names, or undefined when it is not a token. */
export function tokenKeyId(value: string): string | undefined {
  return TOKEN.exec(value)?.[1]
}

/**
 * Decrypts a token; throws DecryptError `malformed_token`, `unknown_key` or `auth_failed`.
 * @example decryptValue(ring, encryptValue(ring, 'x')) // 'x'
 */
export function decryptValue(ring: KeyRing, token: string): string {
  const m = TOKEN.exec(token)
  if (m === null) throw new DecryptError('malformed_token', 'not an encryption token')
  const [, keyId, nonceText, bodyText] = m
  const key = secretsOf(ring).keys.get(keyId)
  if (key === undefined) throw new DecryptError('unknown_key', `unknown encryption key id ${JSON.stringify(keyId)}`, keyId)
  const nonce = Buffer.from(nonceText, 'base64url')
  const body = Buffer.from(bodyText, 'base64url')
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new DecryptError('malformed_token', 'truncated encryption token', keyId)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(Buffer.from(`${TOKEN_PREFIX}${keyId}`))
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    throw new DecryptError('auth_failed', 'token failed authentication: wrong key or tampered value', keyId)
  }
}

/**
 * The form a value is indexed in: Unicode NFKC, trimmed, inner whitespace collapsed, lower-cased;
 * a phone-like value (only digits, spaces, `+().-`, at least 7 digits) keeps only `+` and digits.
 */
export function normalizeForIndex(value: string): string {
  const v = value.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase()
  if (/^\+?[\d ().-]+$/.test(v)) {
    const digits = v.replace(/\D/g, '')
    if (digits.length >= 7) return (v.startsWith('+') ? '+' : '') + digits
  }
  return v
}

/**
 * Keyed hash of the normalized value, 32 hex chars. Equal inputs (after normalization) give equal
 * indexes under the same ring, whichever data key is active.
 * @example blindIndex(ring, ' John@Example.com') === blindIndex(ring, 'john@example.com') // true
 */
export function blindIndex(ring: KeyRing, value: string): string {
  return createHmac('sha256', secretsOf(ring).indexKey).update(normalizeForIndex(value), 'utf8').digest().subarray(0, INDEX_BYTES).toString('hex')
}
