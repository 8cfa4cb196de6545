import type { FastifyInstance } from 'fastify'
import type { KeyRing } from '../security/crypto.ts'
import { decryptValue, isEncrypted, TOKEN_PREFIX } from '../security/crypto.ts'
import { ENCRYPTED_PLACEHOLDER, UNDECRYPTABLE_PLACEHOLDER } from '../security/encrypt.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import { auditRequest, requestTarget } from '../audit/api-audit.ts'

/**
 * Encrypted values in API answers: a reader with `sensitive:decrypt` gets the plaintext (and the
 * count of decrypted values goes to the access audit as one `sensitive.decrypt` entry per
 * request); anyone else gets `[encrypted]`. Every string of the answer is looked at, so attribute
 * maps, span-event attributes and facet values are all covered.
 */
export interface DecryptCount { decrypted: number; withheld: number; failed: number }

/** Replaces encryption tokens anywhere in a JSON-like value, in place. */
export function decryptTokens(value: unknown, canDecrypt: boolean, ring: KeyRing | undefined, count: DecryptCount): unknown {
  if (typeof value === 'string') {
    if (!value.startsWith(TOKEN_PREFIX) || !isEncrypted(value)) return value
    if (!canDecrypt || !ring) { count.withheld++; return ENCRYPTED_PLACEHOLDER }
    try {
      const plain = decryptValue(ring, value)
      count.decrypted++
      return plain
    } catch {
      count.failed++
      return UNDECRYPTABLE_PLACEHOLDER
    }
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decryptTokens(value[i], canDecrypt, ring, count)
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>
    for (const k in o) o[k] = decryptTokens(o[k], canDecrypt, ring, count)
  }
  return value
}

export function installReaderDecryption(app: FastifyInstance, ring: KeyRing | undefined, audit: AuditLog): void {
  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (payload === null || typeof payload !== 'object') return payload
    const count: DecryptCount = { decrypted: 0, withheld: 0, failed: 0 }
    const canDecrypt = request.principal?.permissions.has('sensitive:decrypt') ?? false
    decryptTokens(payload, canDecrypt, ring, count)
    if (count.decrypted + count.failed > 0) {
      auditRequest(audit, request, {
        action: 'sensitive.decrypt', target: requestTarget(request), result: 'allowed', rows: count.decrypted,
        detail: count.failed > 0 ? `${count.failed} value(s) could not be decrypted` : '',
      })
    }
    return payload
  })
}
