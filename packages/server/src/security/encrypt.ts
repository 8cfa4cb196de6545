import { z } from 'zod'
import type { Stage } from '../pipeline/pipeline.ts'
import type { Attributes, Batch } from '../pipeline/record.ts'
import { blindIndex, encryptValue, isEncrypted, type KeyRing } from './crypto.ts'
import { BLIND_INDEX_SUFFIX, compileKeyMatcher } from './field-match.ts'
import { REDACTED } from './redact-pairs.ts'

/**
 * The encrypt stage (the read side: auth/reader-decryption.ts).
 *
 *   redact (secrets and cards removed; configured fields NOT masked)
 *     ▼
 *   encrypt: for every attribute whose key matches `fields` (logs, spans, resources, span events, links)
 *     customer.email      = "john@example.com"  ──►  "enc:v1:k2:<nonce>:<ciphertext+tag>"
 *     customer.email.bidx =                          blind index of "john@example.com" (32 hex)
 *     ▼
 *   store ··· API: the reader view (auth/reader-decryption.ts) → plaintext or "[encrypted]", count audited
 */

export const encryptionConfigSchema = z.object({
  /** Attribute keys to encrypt, case-insensitive, `*` = any characters (`payment.*`). */
  fields: z.array(z.string().min(1)).default([]),
  /** Key file; empty: `BEACON_ENCRYPTION_KEY_FILE` or `BEACON_ENCRYPTION_KEYS`. */
  keyFile: z.string().default(''),
  /** Store `<field>.bidx` beside each encrypted value for exact-match search. */
  blindIndex: z.boolean().default(true),
})
export type EncryptionConfig = z.infer<typeof encryptionConfigSchema>

/** Shown instead of an encrypted value to a reader without `sensitive:decrypt`. */
export const ENCRYPTED_PLACEHOLDER = '[encrypted]'
/** Shown when a permitted reader's value cannot be decrypted (key removed from the ring, tampering). */
export const UNDECRYPTABLE_PLACEHOLDER = '[undecryptable]'

export interface EncryptStageOptions {
  fields: readonly string[]
  keyRing: KeyRing
  /** Default true. */
  blindIndex?: boolean
}

export interface EncryptStage extends Stage {
  /** Values encrypted so far, per key id (GCM with random nonces: rotate a key long before 2^32 uses). */
  counters(): Record<string, number>
}

/**
 * Creates the encrypt stage; put it right after the redact stage, which must get the same `fields`
 * as `encryptedFields` (see `createSecurityStages`).
 * @example createEncryptStage({ fields: ['customer.email', 'payment.*'], keyRing })
 */
export function createEncryptStage(opts: EncryptStageOptions): EncryptStage {
  const matches = compileKeyMatcher(opts.fields)
  const withIndex = opts.blindIndex ?? true
  const ring = opts.keyRing
  const used = new Map<string, number>()
  const found: string[] = []
  let pending = 0

  function attributes(a: Attributes): void {
    found.length = 0
    for (const key in a) if (matches(key) && !key.endsWith(BLIND_INDEX_SUFFIX)) found.push(key)
    for (const key of found) {
      const v = a[key]
      if (v === '' || v === REDACTED || isEncrypted(v)) continue
      a[key] = encryptValue(ring, v)
      pending++
      if (withIndex) a[key + BLIND_INDEX_SUFFIX] = blindIndex(ring, v)
    }
  }

  return {
    name: 'encrypt',
    process(batch: Batch) {
      if (opts.fields.length === 0) return
      let resource: Attributes | undefined // shared by the records of one resource: once is enough
      for (const log of batch.logs) {
        attributes(log.attributes)
        if (log.resource !== resource) attributes((resource = log.resource))
      }
      for (const span of batch.spans) {
        attributes(span.attributes)
        if (span.resource !== resource) attributes((resource = span.resource))
        for (const e of span.events) attributes(e.attributes)
        for (const l of span.links) attributes(l.attributes)
      }
      if (pending > 0) {
        used.set(ring.activeKeyId, (used.get(ring.activeKeyId) ?? 0) + pending)
        pending = 0
      }
    },
    counters: () => Object.fromEntries(used),
  }
}
