import { loadConfig } from '../config/load.ts'

interface QueryOptions { from?: string; to?: string; limit?: string; json?: boolean; api?: string; target?: string; token?: string }

interface SearchResponse {
  total: number
  events: { time: string; service: string; level?: string; body?: string; name?: string; durationMs?: number; traceId: string; status?: string }[]
  nextCursor: string | null
  message?: string
  position?: number
}

/**
 * `beacon query '<q>'`: the same search as GET /api/search, from a terminal. Talks to the
 * running server's API (the embedded store belongs to the server process).
 */
export async function queryCommand(q: string, opts: QueryOptions): Promise<void> {
  const config = loadConfig()
  const base = opts.api ?? process.env.BEACON_API_URL ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.ports.api}`
  const params = new URLSearchParams({ q, from: opts.from ?? 'now-15m', to: opts.to ?? 'now', limit: opts.limit ?? '50', target: opts.target ?? 'logs' })
  const token = opts.token ?? process.env.BEACON_TOKEN
  let res: Response
  try {
    res = await fetch(`${base}/api/search?${params}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  } catch (err) {
    console.error(`Cannot reach Beacon at ${base} (${(err as Error).cause ?? (err as Error).message}). Is it running? Start it with: npm start`)
    process.exit(3)
  }
  const body = (await res.json()) as SearchResponse
  if (!res.ok) {
    console.error(`Error ${res.status}: ${body.message ?? JSON.stringify(body)}`)
    if (typeof body.position === 'number') console.error(`  ${q}\n  ${' '.repeat(body.position)}^`)
    process.exit(1)
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(body, null, 2) + '\n')
    return
  }
  for (const e of body.events) {
    const what = e.body ?? `${e.name} ${e.durationMs?.toFixed(1)} ms ${e.status ?? ''}`
    const trace = e.traceId ? ` trace=${e.traceId}` : ''
    process.stdout.write(`${e.time} ${(e.level ?? '').padEnd(5)} ${e.service.padEnd(14)} ${what}${trace}\n`)
  }
  process.stdout.write(`— ${body.events.length} of ${body.total} matching events${body.nextCursor ? ' (more: use --limit or the API cursor)' : ''}\n`)
}
