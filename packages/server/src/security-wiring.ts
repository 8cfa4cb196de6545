import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import type { Config } from './config/schema.ts'
import type { BeaconExtensions } from './app.ts'
import type { Stage } from './pipeline/pipeline.ts'
import type { Store } from './store/connection.ts'
import { BeaconError } from './errors.ts'
import { openIngestAuth, type IngestAuth } from './ingest/receiver.ts'
import { AUTH_MIGRATIONS } from './auth/tables.ts'
import { UserDirectory } from './auth/users.ts'
import { SessionStore } from './auth/sessions.ts'
import { ApiKeyStore } from './auth/api-keys.ts'
import { Authenticator, createIngestAuth } from './auth/authenticator.ts'
import { installApiGuard } from './auth/api-guard.ts'
import { registerAuthRoutes } from './auth/auth-routes.ts'
import { registerAdminRoutes } from './auth/admin-routes.ts'
import { createDutyCheck } from './auth/duties.ts'
import { installReadLimits } from './api/read-limits.ts'
import { bootstrapIdentities } from './auth/bootstrap.ts'
import { isLoopbackHost } from './auth/networks.ts'
import { verifyPassword } from './auth/secrets.ts'
import { createReader, installReaderDecryption } from './auth/reader-decryption.ts'
import { AUDIT_MIGRATIONS, AuditLog } from './audit/audit-log.ts'
import { createSecurityStages } from './security/stages.ts'
import { loadKeyRing } from './security/key-file.ts'
import type { KeyRing } from './security/crypto.ts'
import { installApiAudit, registerAuditRoutes } from './audit/api-audit.ts'
import { createBlindSearch } from './security/blind-search.ts'
import { createAuditTextMask } from './security/audit-text.ts'
import { registerRedactionRoutes } from './security/redaction-routes.ts'

/**
 *   securityExtensions(config)              (before the store opens: checks, TLS files, stages)
 *     migrations 100–199: users, sessions, API keys, audit
 *     init(store):  identities + audit chain loaded, first-start admin and ingest key
 *     ingestAuth:   ingest keys for the OTLP and Elasticsearch receivers
 *     api(app):     gate (network, credentials, CSRF, permission) → audit hooks → auth, admin, audit routes
 *     stages:       redact, encrypt (security/stages.ts); registered in pipeline/stages/index.ts
 *     search:       exact match on encrypted fields through their blind index (security/blind-search.ts)
 *     answers:      encrypted values decrypted for sensitive:decrypt (audited), `[encrypted]` for others
 *     audit text:   search text stored without encrypted values, secrets or cards (security/audit-text.ts)
 *     admin:        GET /api/admin/redaction, the redaction and encryption counters
 *     listener:     HTTPS (TLS 1.2+) when security.tls is set; trustProxy
 */
export interface SecurityExtensions extends BeaconExtensions {
  /** Filled during start when asked for (tests): an admin bearer token and an ingest key. */
  testCredentials?: { ingestKey?: string; adminToken?: string }
}

export interface SecurityOptions {
  /** Tests: create an admin session and an ingest key at every start, print nothing. */
  testCredentials?: boolean
  /** Where `BEACON_ENCRYPTION_*` are read (default `process.env`). */
  env?: Record<string, string | undefined>
}

/** Builds the security extensions (auth, redaction, encryption, audit) for a start. */
export async function securityExtensions(config: Config, log: Logger, opts: SecurityOptions = {}): Promise<SecurityExtensions> {
  const sec = config.security
  const problems: string[] = []
  if (!sec.auth && !isLoopbackHost(config.host)) {
    problems.push(`BEACON_AUTH=off is refused: the listeners bind to ${config.host}, not a loopback address (127.0.0.1, ::1, localhost)`)
  }
  let keyRing: KeyRing | undefined
  let data: ReturnType<typeof createSecurityStages> | undefined
  try {
    keyRing = loadKeyRing({ file: sec.encryption.keyFile, env: opts.env ?? process.env })
    data = createSecurityStages(sec, keyRing)
  } catch (err) {
    problems.push((err as Error).message)
  }
  let https: NonNullable<BeaconExtensions['listener']>['https']
  if (sec.tls.cert && sec.tls.key) {
    try {
      https = { cert: readFileSync(sec.tls.cert), key: readFileSync(sec.tls.key), minVersion: 'TLSv1.2' }
    } catch (err) {
      problems.push(`security.tls: cannot read the certificate or key: ${(err as Error).message}`)
    }
  }
  if (problems.length) throw new BeaconError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`)
  if (!sec.auth) log.warn('authentication is OFF (BEACON_AUTH=off): anyone on this machine can read and write')

  const stages: Partial<Record<'redact' | 'encrypt', Stage>> = {}
  if (data?.redact) stages.redact = data.redact
  if (data?.encrypt) stages.encrypt = data.encrypt
  const blind = data?.encrypt && keyRing
    ? createBlindSearch({ fields: sec.encryption.fields, keyRing, blindIndex: sec.encryption.blindIndex })
    : undefined
  const redact = data?.redact
  const maskAuditTarget = createAuditTextMask({ maskQuery: blind?.maskQuery, redactText: redact ? (text) => redact.redactText(text) : undefined })
  const ext: SecurityExtensions = {
    migrations: [...AUTH_MIGRATIONS, ...AUDIT_MIGRATIONS],
    stages,
    listener: { ...(https ? { https } : {}), trustProxy: sec.trustProxy },
    ...(blind ? { rewriteSearch: blind.rewrite } : {}),
    ...(keyRing ? { keyRing } : {}),
    ...(redact ? { redactText: (text: string) => redact.redactText(text) } : {}),
  }

  let auth: Authenticator | undefined
  let audit: AuditLog | undefined
  let ingestAuth: IngestAuth = openIngestAuth

  ext.init = async (store: Store) => {
    const users = new UserDirectory(store, () => Object.keys(sec.roles), sec.passwordMinLength)
    const keys = new ApiKeyStore(store, (err) => log.warn({ err: { message: err.message } }, 'cannot record an API key\'s last use'))
    await keys.load()
    auth = new Authenticator(users, new SessionStore(store), keys, sec)
    audit = await AuditLog.open(store, log, { maskTarget: maskAuditTarget })
    if (sec.auth) ingestAuth = createIngestAuth(auth)
    await verifyPassword('warm-up', undefined) // computes the decoy hash now, not during the first login
    const created = await bootstrapIdentities(config, auth, audit, log, opts.testCredentials ? () => {} : undefined)
    if (opts.testCredentials && sec.auth) {
      const ingestKey = created.ingestKey ?? (await keys.create({ name: 'test', scope: 'ingest', createdBy: 'system' })).secret
      const { token } = await auth.sessions.create('admin', sec.sessionHours)
      ext.testCredentials = { ingestKey, adminToken: token }
    }
    await audit.flush()
  }

  ext.ingestAuth = { authenticate: (headers) => ingestAuth.authenticate(headers) }
  ext.audit = (e) => { audit?.append({ actor: 'system', client: '', result: 'allowed', target: e.target, action: e.action, rows: e.rows, detail: e.detail ?? '' }) }

  ext.api = (app, deps) => {
    if (!auth || !audit) throw new Error('security: the API is registered before init')
    installApiGuard(app, config, auth)
    installReadLimits(app, sec.reads)
    deps.reader = createReader(keyRing, audit) // JSON answers, live tail and export alike
    installReaderDecryption(app, deps.reader)
    installApiAudit(app, audit)
    registerAuthRoutes(app, config, auth, audit)
    registerAdminRoutes(app, auth, audit, createDutyCheck(sec))
    registerAuditRoutes(app, audit)
    registerRedactionRoutes(app, {
      redact, encrypt: data?.encrypt, keyRing, redactionEnabled: sec.redaction.enabled,
      encryption: { fields: sec.encryption.fields, blindIndex: sec.encryption.blindIndex },
    })
  }
  return ext
}
