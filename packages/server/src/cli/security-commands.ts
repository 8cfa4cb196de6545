import { userInfo } from 'node:os'
import type { Command } from 'commander'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { createStore, type Store } from '../store/connection.ts'
import { migrate } from '../store/migrations.ts'
import { AUTH_MIGRATIONS } from '../auth/tables.ts'
import { UserDirectory, userView } from '../auth/users.ts'
import { ApiKeyStore, KEY_SCOPES, keyView } from '../auth/api-keys.ts'
import { randomPassword } from '../auth/secrets.ts'
import { AUDIT_MIGRATIONS, AuditLog } from '../audit/audit-log.ts'
import type { AuditEvent } from '../audit/chain.ts'

/**
 * `beacon user …`, `beacon key …`, `beacon audit verify`: administration from a terminal. These
 * commands open the store directly. The embedded store (chDB, the default) belongs to one process
 * at a time: stop the server first, or use the admin API (/api/admin/users, /api/admin/keys) while
 * it runs. With a ClickHouse server (BEACON_CLICKHOUSE_URL) they can run beside Beacon; a running
 * Beacon sees their changes within seconds.
 */
const STORE_NOTE = `
These commands open the store directly. With the embedded store (the default) stop the Beacon server
first (one process per data directory), or use the admin API while it runs: /api/admin/users and
/api/admin/keys with an admin's token. Every change is recorded in the access audit (actor cli:<os user>).`

interface Ctx { config: Config; store: Store; users: UserDirectory; keys: ApiKeyStore; audit: AuditLog }

async function withStore<T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  const config = loadConfig()
  let store: Store
  try {
    store = await createStore(config)
  } catch (err) {
    const msg = (err as Error).message
    if (/lock|another server instance/i.test(msg)) {
      throw new Error(`The embedded store in ${config.dataDir} is in use by a running Beacon. Stop it first, or use the admin API (/api/admin/users, /api/admin/keys).`, { cause: err })
    }
    throw err
  }
  try {
    await migrate(store, config, [...AUTH_MIGRATIONS, ...AUDIT_MIGRATIONS])
    const users = new UserDirectory(store, () => Object.keys(config.security.roles), config.security.passwordMinLength)
    const keys = new ApiKeyStore(store)
    await keys.load()
    const audit = await AuditLog.open(store)
    const out = await fn({ config, store, users, keys, audit })
    await audit.flush()
    return out
  } finally {
    await store.close()
  }
}

function record(ctx: Ctx, event: Omit<AuditEvent, 'actor' | 'client'>): void {
  let who = 'unknown'
  try { who = userInfo().username } catch { /* no passwd entry (containers) */ }
  ctx.audit.append({ actor: `cli:${who}`, client: '', ...event })
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new Error('--password-stdin: pipe the password in, e.g. printf %s "$PW" | beacon user add alice --password-stdin')
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

const roleList = (s: string): string[] => s.split(',').map((r) => r.trim()).filter(Boolean)
/** An ISO time to the second, or '-' (never). */
const time = (iso: string | null): string => (iso ? iso.replace(/\.\d+Z$/, 'Z') : '-')

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n'
}

export function registerSecurityCommands(program: Command): void {
  const user = program.command('user').description('manage users (add, list, passwd, roles, disable)').addHelpText('after', STORE_NOTE)

  user.command('add').description('create a user; prints a random password once unless --password-stdin')
    .argument('<username>')
    .option('--roles <roles>', 'comma-separated roles (default roles: support, developer, analyst, admin, auditor)', 'developer')
    .option('--password-stdin', 'read the password from standard input')
    .addHelpText('after', STORE_NOTE)
    .action(async (username: string, opts: { roles: string; passwordStdin?: boolean }) => {
      const password = opts.passwordStdin ? await readStdin() : randomPassword()
      await withStore(async (ctx) => {
        const u = await ctx.users.create({ username, password, roles: roleList(opts.roles) })
        record(ctx, { action: 'user.create', target: JSON.stringify({ username, roles: u.roles }), result: 'allowed' })
        process.stdout.write(`created user ${username} (roles: ${u.roles.join(', ') || 'none'})\n`)
        if (!opts.passwordStdin) process.stdout.write(`password (shown once): ${password}\n`)
      })
    })

  user.command('list').description('list users and their roles').option('--json', 'print JSON')
    .addHelpText('after', STORE_NOTE)
    .action(async (opts: { json?: boolean }) => {
      await withStore(async (ctx) => {
        const list = (await ctx.users.list()).map(userView)
        if (opts.json) { process.stdout.write(JSON.stringify(list, null, 2) + '\n'); return }
        process.stdout.write(table([['USER', 'ROLES', 'STATE', 'CREATED', 'UPDATED'],
          ...list.map((u) => [u.username, u.roles.join(',') || '-', u.disabled ? 'disabled' : 'active', time(u.createdAt), time(u.updatedAt)])]))
      })
    })

  user.command('passwd').description('set a user\'s password (ends their sessions); prints a random one unless --password-stdin')
    .argument('<username>')
    .option('--password-stdin', 'read the new password from standard input')
    .addHelpText('after', STORE_NOTE)
    .action(async (username: string, opts: { passwordStdin?: boolean }) => {
      const password = opts.passwordStdin ? await readStdin() : randomPassword()
      await withStore(async (ctx) => {
        await ctx.users.update(username, { password })
        record(ctx, { action: 'user.password', target: JSON.stringify({ username }), result: 'allowed' })
        process.stdout.write(`password of ${username} changed; existing sessions ended\n`)
        if (!opts.passwordStdin) process.stdout.write(`password (shown once): ${password}\n`)
      })
    })

  user.command('roles').description('set a user\'s roles (replaces them), e.g. beacon user roles alice support,auditor')
    .argument('<username>').argument('<roles>', 'comma-separated roles; "" for none')
    .addHelpText('after', STORE_NOTE)
    .action(async (username: string, roles: string) => {
      await withStore(async (ctx) => {
        const u = await ctx.users.update(username, { roles: roleList(roles) })
        record(ctx, { action: 'user.roles', target: JSON.stringify({ username, roles: u.roles }), result: 'allowed' })
        process.stdout.write(`roles of ${username}: ${u.roles.join(', ') || 'none'}\n`)
      })
    })

  user.command('disable').description('disable a user (ends their sessions); --enable turns them back on')
    .argument('<username>').option('--enable', 'enable instead')
    .addHelpText('after', STORE_NOTE)
    .action(async (username: string, opts: { enable?: boolean }) => {
      await withStore(async (ctx) => {
        await ctx.users.update(username, { disabled: !opts.enable })
        record(ctx, { action: opts.enable ? 'user.enable' : 'user.disable', target: JSON.stringify({ username }), result: 'allowed' })
        process.stdout.write(`${username} ${opts.enable ? 'enabled' : 'disabled'}\n`)
      })
    })

  const key = program.command('key').description('manage API keys (create, list, revoke)').addHelpText('after', STORE_NOTE)

  key.command('create').description('create an API key; the key is printed once and stored only as a hash')
    .option('--scope <scope>', `${KEY_SCOPES.join(' or ')}: ingest keys only write, read keys only read`, 'ingest')
    .option('--service <name>', 'ingest keys: the only service this key may write as')
    .option('--name <label>', 'a label to recognise the key by', '')
    .addHelpText('after', STORE_NOTE)
    .action(async (opts: { scope: string; service?: string; name: string }) => {
      await withStore(async (ctx) => {
        const { key: k, secret } = await ctx.keys.create({ scope: opts.scope, service: opts.service, name: opts.name, createdBy: 'cli' })
        record(ctx, { action: 'key.create', target: JSON.stringify({ id: k.id, scope: k.scope, name: k.name, service: k.service }), result: 'allowed' })
        process.stdout.write(`created ${k.scope} key ${k.id}${k.service ? ` bound to service ${k.service}` : ''}\nkey (shown once): ${secret}\n`)
      })
    })

  key.command('list').description('list API keys (never the secrets)').option('--json', 'print JSON')
    .addHelpText('after', STORE_NOTE)
    .action(async (opts: { json?: boolean }) => {
      await withStore(async (ctx) => {
        const list = ctx.keys.list().map(keyView)
        if (opts.json) { process.stdout.write(JSON.stringify(list, null, 2) + '\n'); return }
        process.stdout.write(table([['ID', 'SCOPE', 'SERVICE', 'NAME', 'STATE', 'CREATED', 'LAST USED'],
          ...list.map((k) => [k.id, k.scope, k.service || '*', k.name || '-', k.revoked ? 'revoked' : 'active', time(k.createdAt), time(k.lastUsedAt)])]))
      })
    })

  key.command('revoke').description('revoke an API key (it stops working at once on this process, within seconds elsewhere)')
    .argument('<id>')
    .addHelpText('after', STORE_NOTE)
    .action(async (id: string) => {
      await withStore(async (ctx) => {
        await ctx.keys.revoke(id)
        record(ctx, { action: 'key.revoke', target: JSON.stringify({ id }), result: 'allowed' })
        process.stdout.write(`key ${id} revoked\n`)
      })
    })

  const audit = program.command('audit').description('the access audit (tamper-evident hash chain)').addHelpText('after', STORE_NOTE)

  audit.command('verify').description('recompute the audit hash chain; report the first broken link (exit 1) or OK with the count')
    .addHelpText('after', STORE_NOTE)
    .action(async () => {
      const report = await withStore((ctx) => AuditLog.verify(ctx.store))
      if (report.ok) {
        process.stdout.write(`OK: ${report.count} audit entries, chain intact (last hash ${report.lastHash})\n`)
      } else {
        process.stdout.write(`BROKEN at seq ${report.brokenAt}: ${report.reason} (${report.count} entries verified before it)\n`)
        process.exitCode = 1
      }
    })
}
