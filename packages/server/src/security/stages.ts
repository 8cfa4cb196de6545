import { z } from 'zod'
import { BeaconError } from '../errors.ts'
import type { KeyRing } from './crypto.ts'
import { createEncryptStage, encryptionConfigSchema, type EncryptStage } from './encrypt.ts'
import { createRedactStage, type RedactStage } from './redact.ts'
import { defaultRedactionPolicy, redactionPolicySchema } from './redact-policy.ts'

/**
 * `security.redaction` and `security.encryption` of the configuration, and the one place that
 * builds both stages so they agree on the encrypted fields: a field the redactor leaves unmasked
 * is always one the encryptor encrypts.
 */
export const securityDataConfigSchema = z.object({
  redaction: redactionPolicySchema.default(defaultRedactionPolicy),
  encryption: encryptionConfigSchema.default(encryptionConfigSchema.parse({})),
})
export type SecurityDataConfig = z.infer<typeof securityDataConfigSchema>

export interface SecurityStages {
  /** For the `redact` slot. */
  redact: RedactStage
  /** For the `encrypt` slot; undefined when no fields are configured. */
  encrypt?: EncryptStage
}

/**
 * @example
 * const keyRing = loadKeyRing({ file: config.security.encryption.keyFile, env: process.env })
 * const { redact, encrypt } = createSecurityStages(config.security, keyRing)
 */
export function createSecurityStages(config: SecurityDataConfig, keyRing: KeyRing | undefined): SecurityStages {
  const fields = config.encryption.fields
  if (fields.length > 0 && keyRing === undefined) {
    const problem = 'security.encryption.fields is set but no encryption keys are configured (key file, BEACON_ENCRYPTION_KEY_FILE or BEACON_ENCRYPTION_KEYS)'
    throw new BeaconError('config_invalid', problem, { problems: [problem] })
  }
  if (fields.length === 0 || keyRing === undefined) return { redact: createRedactStage(config.redaction) }
  return {
    redact: createRedactStage(config.redaction, { encryptedFields: fields }),
    encrypt: createEncryptStage({ fields, keyRing, blindIndex: config.encryption.blindIndex }),
  }
}
