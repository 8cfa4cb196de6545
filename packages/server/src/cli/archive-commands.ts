import type { Command } from 'commander'
import { loadConfig } from '../config/load.ts'

/**
 * `beacon archive run | list | verify | restore`: the archive from a terminal, through the running
 * server's admin API (`retention:manage`; BEACON_TOKEN or --token with an admin's token). The
 * embedded store belongs to the server process, so these talk to it rather than open the store.
 */
interface ApiOptions { api?: string; token?: string; json?: boolean }
interface Filter extends ApiOptions { service?: string; day?: string; signal?: string }

async function call(opts: ApiOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const config = loadConfig()
  const base = opts.api ?? process.env.BEACON_API_URL ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.ports.api}`
  const token = opts.token ?? process.env.BEACON_TOKEN
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  } catch (err) {
    console.error(`Cannot reach Beacon at ${base} (${(err as Error).cause ?? (err as Error).message}). Is it running? Start it with: npm start`)
    process.exit(3)
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>
  if (!res.ok) {
    console.error(`Error ${res.status}: ${String(answer.message ?? JSON.stringify(answer))}`)
    process.exit(1)
  }
  return answer
}

const print = (opts: ApiOptions, value: unknown, text: () => string): void => {
  process.stdout.write(opts.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`)
}

const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(2)} MB`

function filterBody(o: Filter): Record<string, string> {
  const out: Record<string, string> = {}
  if (o.service) out.service = o.service
  if (o.day) out.day = o.day
  if (o.signal) out.signal = o.signal
  return out
}

export function registerArchiveCommands(program: Command): void {
  const archive = program.command('archive').description('the archive (S3 or a folder): run, list, verify, restore — through the running server\'s API')
  const common = (c: Command): Command => c
    .option('--api <url>', 'API address (default from configuration, or BEACON_API_URL)')
    .option('--token <token>', 'an admin\'s API bearer token (default BEACON_TOKEN)')
    .option('--json', 'print the API response as JSON')
  const filters = (c: Command): Command => common(c)
    .option('--service <name>', 'one service')
    .option('--day <YYYY-MM-DD>', 'one day')
    .option('--signal <logs|spans>', 'logs or spans')

  common(archive.command('run').description('archive then drop expired and over-cap data now; delete objects past the archive retention'))
    .action(async (o: ApiOptions) => {
      const r = await call(o, 'POST', '/api/admin/archive/run')
      print(o, r, () => `${r.ok ? 'ok' : 'FAILED'}: ${r.archivedObjects} objects archived, ${r.droppedPartitions} partitions left hot storage (${mb(Number(r.droppedBytes))}), ${r.keptUnarchived} kept (archive failed), ${r.expiredObjects} old objects deleted${(r.errors as string[]).length ? `\n  ${(r.errors as string[]).join('\n  ')}` : ''}`)
      if (!r.ok) process.exitCode = 2
    })

  filters(archive.command('list').description('archived objects with rows, bytes and time range'))
    .action(async (o: Filter) => {
      const r = await call(o, 'GET', `/api/admin/archive?${new URLSearchParams(filterBody(o))}`)
      const objects = r.objects as { day: string; service: string; signal: string; rows: number; bytes: number; key: string }[]
      print(o, r, () => [`${objects.length} objects in ${String(r.target)}`,
        ...objects.map((m) => `${m.day}  ${m.signal.padEnd(5)}  ${m.service.padEnd(20)} ${String(m.rows).padStart(10)} rows  ${mb(m.bytes).padStart(10)}  ${m.key}`)].join('\n'))
    })

  filters(archive.command('verify').description('re-read objects and check rows and sha256 against their manifests'))
    .action(async (o: Filter) => {
      const r = await call(o, 'POST', '/api/admin/archive/verify', filterBody(o))
      const objects = r.objects as { key: string; ok: boolean; problems: string[] }[]
      print(o, r, () => [`${r.ok ? 'ok' : 'PROBLEMS'}: ${r.checked} objects checked`,
        ...objects.filter((x) => !x.ok).map((x) => `  ${x.key}: ${x.problems.join('; ')}`),
        ...(r.withoutManifest as string[]).map((k) => `  ${k}: no manifest (an interrupted run; the next run writes it again)`)].join('\n'))
      if (!r.ok) process.exitCode = 2
    })

  filters(archive.command('restore').description('bring a day of a service back into hot search (kept hot for retention.restoreDays)'))
    .action(async (o: Filter) => {
      if (!o.service || !o.day) {
        console.error('restore needs --service and --day, e.g. beacon archive restore --service shop-api --day 2026-01-31')
        process.exit(1)
      }
      const r = await call(o, 'POST', '/api/admin/archive/restore', filterBody(o))
      const restored = r.restored as { signal: string; objects: number; rows: number }[]
      print(o, r, () => `${r.service} ${r.day}: ${restored.map((x) => `${x.signal} ${x.rows} rows from ${x.objects} objects`).join(', ')}; hot until ${String(r.hotUntil)}`)
    })
}
