import { duration, pad, safe } from './terminal.ts'

/** A search hit (log or span) as the API returns it, the fields one line shows. */
export interface Hit {
  kind?: 'log' | 'span'
  time: string; service: string; level?: string; body?: string; name?: string; durationMs?: number; traceId?: string; status?: string
}

/** One line per hit: time, level, service, body (or span name, duration, status), trace id. Log data is escaped. */
export function hitLine(e: Hit): string {
  const isSpan = e.kind === 'span' || (e.body === undefined && e.name !== undefined)
  const what = isSpan ? `${safe(e.name)} ${duration(e.durationMs)}${e.status && e.status !== 'Unset' ? ` ${safe(e.status)}` : ''}` : safe(e.body)
  const level = isSpan ? (e.status === 'Error' ? 'ERROR' : 'INFO') : e.level ?? ''
  const trace = e.traceId ? ` trace=${safe(e.traceId)}` : ''
  return `${e.time} ${pad(level, 5)} ${pad(e.service, 14)} ${what}${trace}`
}
