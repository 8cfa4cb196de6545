import type { FastifyRequest } from 'fastify'
import type { KeyRing } from '../security/crypto.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import { auditRequest, requestTarget } from '../audit/api-audit.ts'
import type { RecordReveal } from '../api/deps.ts'
import { decryptTokens, type DecryptCount } from './reader-decryption.ts'

/**
 * The reader view for routes that stream records themselves (GET /api/export): the same rule as
 * JSON answers (reader-decryption.ts) — plaintext for `sensitive:decrypt`, `[encrypted]` for others —
 * and one `sensitive.decrypt` audit entry per request with the count, written by `finish()`.
 */
export function createRecordReveal(ring: KeyRing | undefined, audit: AuditLog): (request: FastifyRequest) => RecordReveal {
  return (request) => {
    const count: DecryptCount = { decrypted: 0, withheld: 0, failed: 0 }
    const canDecrypt = request.principal?.permissions.has('sensitive:decrypt') ?? false
    let finished = false
    return {
      apply: (value) => decryptTokens(value, canDecrypt, ring, count) as typeof value,
      finish() {
        if (finished || count.decrypted + count.failed === 0) return
        finished = true
        auditRequest(audit, request, {
          action: 'sensitive.decrypt', target: requestTarget(request), result: 'allowed', rows: count.decrypted,
          detail: count.failed > 0 ? `${count.failed} value(s) could not be decrypted` : '',
        })
      },
    }
  }
}
