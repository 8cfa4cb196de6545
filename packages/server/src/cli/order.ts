import { createClient, printJson, type ApiOptions } from './client.ts'
import { duration, pad, safe } from './terminal.ts'

interface Stage { status: string; service: string; start: string; end: string | null; durationMs: number | null; failed: boolean }
interface Entry {
  kind: 'log' | 'span'; time: string; service: string; level?: string; body?: string; name?: string; durationMs?: number
  status?: string; eventAction?: string; traceId: string
}
interface TimelineResponse {
  orderId: string
  story: { currentStatus: string | null; failed: boolean; stages: Stage[]; firstError: { time: string; service: string; message: string; traceId: string } | null }
  summary: { services: string[]; traceIds: string[]; first: string | null; last: string | null; errors: number }
  entries: Entry[]
}

interface OrderOptions extends ApiOptions { from?: string; to?: string; kinds?: string }

/**
 * `beacon order <id>`: the order's story as support reads it — each status with the time spent in
 * it and the failing one marked — then the first error and where to look, then the entries.
 */
export async function orderCommand(orderId: string, opts: OrderOptions): Promise<void> {
  const client = createClient(opts)
  const t = await client.json<TimelineResponse>(`/api/orders/${encodeURIComponent(orderId)}/timeline`, { from: opts.from, to: opts.to, kinds: opts.kinds })
  if (opts.json) return printJson(t)
  const { story, summary } = t
  const out: string[] = []
  if (summary.first === null) {
    process.stdout.write(`order ${safe(orderId)}: nothing in Beacon for this order id in the range (try --from now-30d).\n`)
    return
  }
  out.push(`order ${safe(t.orderId)} — ${story.currentStatus ? `now ${safe(story.currentStatus)}${story.failed ? ' ✖' : ''}` : 'no status changes recorded'}`)
  out.push(`  ${summary.first} → ${summary.last} · ${summary.services.map(safe).join(', ')} · ${summary.errors} error${summary.errors === 1 ? '' : 's'}`)
  if (story.stages.length) {
    out.push('', '  story:')
    for (const s of story.stages) {
      const took = s.durationMs === null ? 'since then' : duration(s.durationMs)
      out.push(`    ${s.failed ? '✖' : '•'} ${pad(s.status, 16)} ${took.padStart(12)}   from ${s.start}${s.service ? ` (${safe(s.service)})` : ''}`)
    }
  }
  if (story.firstError) {
    const e = story.firstError
    out.push('', `  first error: ${e.time} ${safe(e.service)}: ${safe(e.message)}`)
    if (e.traceId) out.push(`    beacon trace ${safe(e.traceId)}`)
  }
  if (summary.traceIds.length) out.push(`  traces: ${summary.traceIds.map(safe).join(' ')}`)
  out.push('', `  entries (${t.entries.length}):`)
  for (const e of t.entries) {
    const what = e.kind === 'span'
      ? `span ${safe(e.name)} ${duration(e.durationMs)}${e.status === 'Error' ? ' ✖' : ''}`
      : `${e.eventAction ? `[${safe(e.eventAction)}] ` : ''}${safe(e.body)}`
    out.push(`  ${e.time} ${pad(e.level ?? '', 5)} ${pad(e.service, 14)} ${what}`)
  }
  process.stdout.write(out.join('\n') + '\n')
}
