import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import type { Authenticator } from './authenticator.ts'
import { randomPassword } from './secrets.ts'

/**
 * First start with an empty users table: creates `admin` (roles admin + support, so whoever
 * installs Beacon sees data at once) with BEACON_ADMIN_PASSWORD or a random password, and an
 * ingest key (BEACON_INGEST_KEY, or a random one). Generated secrets are printed once to stdout —
 * deliberately not through the logger, whose output may be shipped elsewhere — and only their
 * hashes are stored. BEACON_INGEST_KEY is also created on later starts if no key (live or revoked)
 * has that value, so a revoked pre-seeded key stays revoked.
 */
export interface BootstrapResult {
  /** Plaintext of what was created now (shown once). */
  adminPassword?: string
  ingestKey?: string
}

export async function bootstrapIdentities(config: Config, auth: Authenticator, audit: AuditLog, log: Logger,
  print: (text: string) => void = (t) => process.stdout.write(t)): Promise<BootstrapResult> {
  const sec = config.security
  const out: BootstrapResult = {}
  const lines: string[] = []
  if ((await auth.users.count()) === 0) {
    const password = sec.adminPassword || randomPassword()
    await auth.users.create({ username: 'admin', password, roles: ['admin', 'support'].filter((r) => Object.hasOwn(sec.roles, r)) })
    audit.append({ actor: 'system', action: 'user.create', target: JSON.stringify({ username: 'admin', roles: ['admin', 'support'] }), client: '', result: 'allowed', detail: 'first start' })
    out.adminPassword = password
    log.info({ user: 'admin' }, 'first start: created the admin user')
    if (!sec.adminPassword) lines.push(`  admin password: ${password}`)
    if (!sec.ingestKey) {
      const { key, secret } = await auth.keys.create({ name: 'default ingest key', scope: 'ingest', createdBy: 'system' })
      audit.append({ actor: 'system', action: 'key.create', target: JSON.stringify({ id: key.id, scope: 'ingest', name: key.name }), client: '', result: 'allowed', detail: 'first start' })
      out.ingestKey = secret
      lines.push(`  ingest key:     ${secret}`)
    }
  }
  if (sec.ingestKey && !auth.keys.hasSecret(sec.ingestKey)) {
    const { key } = await auth.keys.create({ name: 'BEACON_INGEST_KEY', scope: 'ingest', createdBy: 'system', secret: sec.ingestKey })
    audit.append({ actor: 'system', action: 'key.create', target: JSON.stringify({ id: key.id, scope: 'ingest', name: key.name }), client: '', result: 'allowed', detail: 'BEACON_INGEST_KEY' })
    out.ingestKey = sec.ingestKey
    log.info({ keyId: key.id }, 'created the ingest key given in BEACON_INGEST_KEY')
  }
  if (lines.length) {
    print([
      '',
      'Beacon first start: credentials, shown this once (only their hashes are stored):',
      ...lines,
      '  Sign in as admin; send the ingest key as "Authorization: Bearer <key>" (OTLP) or ApiKey/Basic (Elasticsearch shippers).',
      '',
    ].join('\n') + '\n')
  }
  return out
}
