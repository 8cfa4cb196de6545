import type { FastifyInstance } from 'fastify'
import type { KeyRing } from './crypto.ts'
import type { EncryptStage } from './encrypt.ts'
import type { RedactStage } from './redact.ts'
import { errors, ok } from '../api/openapi-schemas.ts'

/**
 * GET /api/admin/redaction (permission `retention:manage`, audited as `redaction.counters`):
 * what the data-protection stages of this process did since it started.
 *
 *   {
 *     since: "2026-…Z",
 *     redaction:  { enabled, services: { checkout: { "secret-field": 3, card: 1 } }, totals: { "secret-field": 3, card: 1 } },
 *     encryption: { fields, blindIndex, activeKeyId, keyIds, valuesEncrypted: { k2: 120 } } | null
 *   }
 *
 * Counts only, never values: which service logs what kind of sensitive data, and which key
 * encrypts (to confirm a rotation and to rotate before a key's 2^32 GCM encryptions).
 */
export interface RedactionRouteDeps {
  redact?: RedactStage
  encrypt?: EncryptStage
  keyRing?: KeyRing
  redactionEnabled: boolean
  encryption: { fields: readonly string[]; blindIndex: boolean }
}

export function registerRedactionRoutes(app: FastifyInstance, deps: RedactionRouteDeps): void {
  const since = new Date().toISOString()
  app.get('/api/admin/redaction', {
    config: { permission: 'retention:manage', audit: 'redaction.counters' },
    schema: { tags: ['admin'], description: 'Redaction and encryption counters per service and rule, key ids in use.', response: { ...ok('counters'), ...errors() } },
  }, async () => {
    const services = deps.redact?.counters() ?? {}
    const totals: Record<string, number> = {}
    for (const perRule of Object.values(services)) {
      for (const [rule, n] of Object.entries(perRule)) totals[rule] = (totals[rule] ?? 0) + n
    }
    const ring = deps.keyRing
    return {
      since,
      redaction: { enabled: deps.redactionEnabled, services, totals },
      encryption: deps.encrypt && ring
        ? {
            fields: [...deps.encryption.fields],
            blindIndex: deps.encryption.blindIndex,
            activeKeyId: ring.activeKeyId,
            keyIds: [...ring.keyIds],
            valuesEncrypted: deps.encrypt.counters(),
          }
        : null,
    }
  })
}
