/**
 * Data protection at ingest and on read (DESIGN §5, docs/security.md):
 * redaction of secrets, cards and personal data; field encryption with blind indexes and exact-match
 * search through them; search text in the access audit protected the same way; the counters route.
 */
export { createRedactStage, type RedactStage, type RedactStageOptions } from './redact.ts'
export {
  redactionPolicySchema, defaultRedactionPolicy, fieldRuleSchema, patternRuleSchema, serviceOverrideSchema, FIELD_ACTIONS,
  type RedactionPolicy, type RedactionPolicyInput, type FieldRule, type PatternRule, type ServiceOverride, type FieldAction,
} from './redact-policy.ts'
export { isSecretName, SECRET_FIELD_RULE } from './redact-names.ts'
export { REDACTED } from './redact-pairs.ts'
export {
  createEncryptStage, encryptionConfigSchema, ENCRYPTED_PLACEHOLDER, UNDECRYPTABLE_PLACEHOLDER,
  type EncryptStage, type EncryptStageOptions, type EncryptionConfig,
} from './encrypt.ts'
export {
  createKeyRing, parseKeySpec, generateKey, encryptValue, decryptValue, isEncrypted, tokenKeyId, blindIndex, normalizeForIndex,
  DecryptError, TOKEN_PREFIX, type KeyRing, type KeyRingSpec, type DecryptErrorCode,
} from './crypto.ts'
export { loadKeyRing, KEY_ENV_VARIABLES, type KeySourceOptions } from './key-file.ts'
export { createSecurityStages, securityDataConfigSchema, type SecurityDataConfig, type SecurityStages } from './stages.ts'
export { BLIND_INDEX_SUFFIX, compileKeyMatcher } from './field-match.ts'
export { createBlindSearch, WITHHELD_QUERY, type BlindSearch, type BlindSearchOptions } from './blind-search.ts'
export { createAuditTextMask, type AuditTextMaskOptions } from './audit-text.ts'
export { registerRedactionRoutes, type RedactionRouteDeps } from './redaction-routes.ts'
