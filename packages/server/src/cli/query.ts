import { createClient, printJson, type ApiOptions } from './client.ts'
import { hitLine, type Hit } from './format.ts'

interface QueryOptions extends ApiOptions { from?: string; to?: string; limit?: string; target?: string }

interface SearchResponse { total: number; events: Hit[]; nextCursor: string | null }

/**
 * `beacon query '<q>'`: the same search as GET /api/search, from a terminal. Talks to the
 * running server's API (the embedded store belongs to the server process).
 */
export async function queryCommand(q: string, opts: QueryOptions): Promise<void> {
  const client = createClient(opts)
  const body = await client.json<SearchResponse>('/api/search', { q, from: opts.from ?? 'now-15m', to: opts.to ?? 'now', limit: opts.limit ?? '50', target: opts.target ?? 'logs' })
  if (opts.json) return printJson(body)
  for (const e of body.events) process.stdout.write(`${hitLine(e)}\n`)
  process.stdout.write(`— ${body.events.length} of ${body.total} matching events${body.nextCursor ? ' (more: use --limit or the API cursor)' : ''}\n`)
}
