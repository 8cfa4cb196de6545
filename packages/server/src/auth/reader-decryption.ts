import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { KeyRing } from '../security/crypto.ts'
import { decryptValue, isEncrypted, TOKEN_PREFIX } from '../security/crypto.ts'
import { ENCRYPTED_PLACEHOLDER, UNDECRYPTABLE_PLACEHOLDER } from '../security/encrypt.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import { auditRequest, requestTarget } from '../audit/api-audit.ts'
import type { Reader, ReaderView } from '../api/deps.ts'

/**
 * Encrypted values in what a reader is sent — JSON answers (search, context, traces…), live-tail
 * events and export lines all go through the one `Reader` made here: a reader with
 * `sensitive:decrypt` gets the plaintext (the count of decrypted values goes to the access audit
 * as a `sensitive.decrypt` entry); anyone else gets `[encrypted]`. Every string is looked at, so
 * attribute maps, span-event attributes and facet values are all covered.
 *
 *   JSON answers ── preSerialization (installReaderDecryption) ─┐
 *   GET /api/tail ── per record, audited each second and at close ├─► reader(request).apply / finish
 *   GET /api/export ── per page, audited when the stream ends ────┘
 */
export interface DecryptCount {
  /** Values turned back into plaintext (their number goes to the access audit). */
  decrypted: number
  /** Values replaced by the `[encrypted]` placeholder (the reader lacks `sensitive:decrypt`). */
  withheld: number
  /** Values that failed to decrypt (unknown key id, tampering) and show `[undecryptable]`. */
  failed: number
}

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

/** The reader with a key ring and the access audit (installed by the security layer as `ApiDeps.reader`). */
export function createReader(ring: KeyRing | undefined, audit: AuditLog): Reader {
  return (request) => {
    const canDecrypt = request.principal?.permissions.has('sensitive:decrypt') ?? false
    let count: DecryptCount = { decrypted: 0, withheld: 0, failed: 0 }
    return {
      apply: (value) => decryptTokens(value, canDecrypt, ring, count) as typeof value,
      finish() {
        if (count.decrypted + count.failed === 0) return
        auditRequest(audit, request, {
          action: 'sensitive.decrypt', target: requestTarget(request), result: 'allowed', rows: count.decrypted,
          detail: count.failed > 0 ? `${count.failed} value(s) could not be decrypted` : '',
        })
        count = { decrypted: 0, withheld: 0, failed: 0 }
      },
      audit(action, rows) {
        auditRequest(audit, request, { action, target: requestTarget(request), result: 'allowed', rows, detail: '' })
      },
    }
  }
}

/** Without a security layer (no key ring, no audit): every encrypted value is withheld, nothing is audited. */
export const WITHHOLDING_READER: Reader = () => ({
  apply: (value) => decryptTokens(value, false, undefined, { decrypted: 0, withheld: 0, failed: 0 }) as typeof value,
  finish() {},
  audit() {},
})

/** The reader view for one request: the installed reader, or the withholding one. */
export function readerView(reader: Reader | undefined, request: FastifyRequest): ReaderView {
  return (reader ?? WITHHOLDING_READER)(request)
}

/** JSON answers get the reader view just before they are serialised. */
export function installReaderDecryption(app: FastifyInstance, reader: Reader): void {
  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (payload === null || typeof payload !== 'object') return payload
    const view = reader(request)
    view.apply(payload)
    view.finish()
    return payload
  })
}
