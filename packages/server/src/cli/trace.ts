import { createClient, printJson, type ApiOptions } from './client.ts'
import { duration, pad, safe } from './terminal.ts'

interface Span {
  spanId: string; name: string; service: string; timeUnixNano: string; durationMs: number; status: string
  statusMessage: string; depth: number; critical?: boolean
}
interface Log { time: string; level: string; service: string; body: string; spanId: string }
interface TraceResponse {
  traceId: string; services: string[]; start: string | null; durationMs: number; errors: number
  rootService: string | null; rootOperation: string | null; spans: Span[]; logs: Log[]
}

/**
 * `beacon trace <id>`: the trace as a tree (offset from the start, duration, service, operation;
 * `*` marks the critical path, `✖` errors), then the logs that carry its id.
 */
export async function traceCommand(traceId: string, opts: ApiOptions): Promise<void> {
  const client = createClient(opts)
  const t = await client.json<TraceResponse>(`/api/traces/${encodeURIComponent(traceId)}`)
  if (opts.json) return printJson(t)
  const out: string[] = []
  out.push(`trace ${safe(t.traceId)}  ${safe(t.rootService ?? '?')}: ${safe(t.rootOperation ?? '?')}`)
  out.push(`  start ${t.start ?? '—'} · ${duration(t.durationMs)} · ${t.spans.length} spans · ${t.services.length} services (${t.services.map(safe).join(', ')}) · ${t.errors} error${t.errors === 1 ? '' : 's'}`)
  out.push('')
  out.push(`  ${'offset'.padStart(10)}  ${'duration'.padStart(10)}    service          operation      (* critical path)`)
  const start = t.spans.length ? t.spans.reduce((m, s) => (BigInt(s.timeUnixNano) < m ? BigInt(s.timeUnixNano) : m), BigInt(t.spans[0].timeUnixNano)) : 0n
  for (const s of t.spans) {
    const offset = Number(BigInt(s.timeUnixNano) - start) / 1e6
    const mark = `${s.critical ? '*' : ' '}${s.status === 'Error' ? '✖' : ' '}`
    const err = s.status === 'Error' && s.statusMessage ? `  — ${safe(s.statusMessage)}` : ''
    out.push(`  ${duration(offset).padStart(10)}  ${duration(s.durationMs).padStart(10)} ${mark} ${pad(s.service, 16)} ${'  '.repeat(s.depth)}${safe(s.name)}${err}`)
  }
  if (t.logs.length) {
    out.push('', `  logs (${t.logs.length}):`)
    for (const l of t.logs) out.push(`  ${l.time} ${pad(l.level, 5)} ${pad(l.service, 16)} ${safe(l.body)}`)
  }
  process.stdout.write(out.join('\n') + '\n')
}
