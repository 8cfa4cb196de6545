import type { Command } from 'commander'
import { loadConfig } from '../config/load.ts'

/**
 * `beacon alerts list | silence | ack` — through the running server's API (the store belongs to
 * the server process). Token from --token or BEACON_TOKEN; address from --api, BEACON_API_URL or
 * the configuration.
 */

interface ApiOptions { api?: string; token?: string; json?: boolean }

async function call(opts: ApiOptions, path: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const config = loadConfig()
  const base = opts.api ?? process.env.BEACON_API_URL ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.ports.api}`
  const token = opts.token ?? process.env.BEACON_TOKEN
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
  } catch (err) {
    console.error(`Cannot reach Beacon at ${base} (${(err as Error).cause ?? (err as Error).message}). Is it running? Start it with: npm start`)
    process.exit(3)
  }
  const body = await res.json().catch(() => ({})) as { message?: string }
  if (!res.ok) {
    console.error(`Error ${res.status}: ${body.message ?? JSON.stringify(body)}`)
    process.exit(1)
  }
  return body
}

const DURATION = /^(\d+)(m|h|d)$/
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }

function withApi(cmd: Command): Command {
  return cmd
    .option('--api <url>', 'API address (default from configuration, or BEACON_API_URL)')
    .option('--token <token>', 'API bearer token (default BEACON_TOKEN)')
    .option('--json', 'print the API response as JSON')
}

export function registerAlertCommands(program: Command): void {
  const alerts = program.command('alerts').description('alerts: list firing and pending alerts and open incidents, silence, acknowledge')

  withApi(alerts.command('list').description('firing and pending alerts, and open incidents'))
    .action(async (opts: ApiOptions) => {
      const [a, i] = await Promise.all([call(opts, '/api/alerts'), call(opts, '/api/alerts/incidents?status=open&from=now-30d')])
      if (opts.json) { process.stdout.write(JSON.stringify({ alerts: a.alerts, incidents: i.incidents }, null, 2) + '\n'); return }
      for (const x of a.alerts) {
        const labels = Object.entries(x.labels as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(' ')
        process.stdout.write(`${String(x.state).toUpperCase().padEnd(8)} ${String(x.severity ?? '').padEnd(8)} ${x.rule}  ${labels}  value=${x.value}  since ${x.since}${x.acknowledged ? '  (acked)' : ''}\n`)
      }
      if (a.alerts.length === 0) process.stdout.write('No pending or firing alerts.\n')
      if (i.incidents.length) process.stdout.write('\nOpen incidents (acknowledge with: beacon alerts ack <id>):\n')
      for (const x of i.incidents) process.stdout.write(`  ${x.id}  ${x.status.padEnd(12)} ${x.ruleName}  ${x.service}  opened ${x.openedAt}\n`)
    })

  withApi(alerts.command('silence').description('mute notifications of matching alerts for a while, e.g.: beacon alerts silence service=crm-api --for 2h --comment deploy'))
    .argument('<matchers...>', 'label=value pairs (rule=<name>, service=…, severity=…, or a group field); value* matches a prefix')
    .option('--for <duration>', 'how long: 30m, 2h, 1d', '1h')
    .option('--comment <text>', 'why (shown in the UI)', '')
    .action(async (matchers: string[], opts: ApiOptions & { for: string; comment: string }) => {
      const m = DURATION.exec(opts.for)
      if (!m) { console.error(`--for ${opts.for}: expected a duration like 30m, 2h or 1d`); process.exit(2) }
      const pairs: Record<string, string> = {}
      for (const p of matchers) {
        const eq = p.indexOf('=')
        if (eq <= 0) { console.error(`${p}: expected label=value`); process.exit(2) }
        pairs[p.slice(0, eq)] = p.slice(eq + 1)
      }
      const endsAt = new Date(Date.now() + Number(m[1]) * UNIT_MS[m[2]]).toISOString()
      const s = await call(opts, '/api/alerts/silences', { method: 'POST', body: { matchers: pairs, endsAt, comment: opts.comment } })
      if (opts.json) { process.stdout.write(JSON.stringify(s, null, 2) + '\n'); return }
      process.stdout.write(`Silenced until ${endsAt} (silence ${s.id}).\n`)
    })

  withApi(alerts.command('ack').description('acknowledge an incident (stops re-notification; MTTA counts until now)'))
    .argument('<incident>', 'incident id (see beacon alerts list)')
    .option('--note <text>', 'a note kept with the incident', '')
    .action(async (id: string, opts: ApiOptions & { note: string }) => {
      const i = await call(opts, `/api/alerts/incidents/${encodeURIComponent(id)}/ack`, { method: 'POST', body: { note: opts.note } })
      if (opts.json) { process.stdout.write(JSON.stringify(i, null, 2) + '\n'); return }
      process.stdout.write(`Acknowledged ${i.id} (${i.ruleName}) by ${i.ackedBy} at ${i.ackedAt}.\n`)
    })
}
