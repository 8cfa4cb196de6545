import type { Hit } from '../api/types.ts'

/**
 * A hit's fields as the query language names them (so "filter for" builds a query that matches),
 * flattened: built-ins first, then attributes, then resource attributes.
 */
export function flattenHit(h: Hit): [string, string][] {
  const out: [string, string][] = [['service', h.service]]
  if (h.kind === 'log') {
    out.push(['level', h.level], ['body', h.body])
    if (h.eventName) out.push(['event.name', h.eventName])
    if (h.eventAction) out.push(['event.action', h.eventAction])
  } else {
    out.push(['name', h.name], ['span.kind', h.spanKind], ['span.status', h.status], ['duration', `${h.durationMs}ms`])
    if (h.statusMessage) out.push(['status.message', h.statusMessage])
  }
  if (h.traceId) out.push(['trace', h.traceId])
  if (h.spanId) out.push(['span.id', h.spanId])
  if (h.orderId) out.push(['order', h.orderId])
  if (h.userId) out.push(['user', h.userId])
  if (h.httpStatus) out.push(['http.status', String(h.httpStatus)])
  if (h.httpRoute) out.push(['http.route', h.httpRoute])
  for (const [k, v] of Object.entries(h.attributes ?? {}).sort()) if (!isInternal(k)) out.push([k, v])
  for (const [k, v] of Object.entries(h.resource ?? {}).sort()) if (k !== 'service.name' && !isInternal(k)) out.push([k, v])
  return out
}

/**
 * Attributes Beacon stores for itself, not for people: `<field>.bidx`, the blind index kept beside
 * an encrypted field so `customer.email:jane@example.com` can match exactly (docs/security.md). It
 * is a keyed hash, meaningless to read and not filterable by its own name, so it is not shown.
 */
export function isInternal(key: string): boolean {
  return key.endsWith('.bidx')
}

/** The hit without internal attributes (for the row's JSON view and copy). */
export function visibleHit<H extends Hit>(h: H): H {
  const clean = (m: Record<string, string> | undefined) => m && Object.fromEntries(Object.entries(m).filter(([k]) => !isInternal(k)))
  return { ...h, attributes: clean(h.attributes) ?? h.attributes, resource: clean(h.resource) ?? h.resource }
}

/** Fields that filtering on would not narrow usefully (free text, durations): no filter buttons. */
export const UNFILTERABLE = new Set(['body', 'duration', 'status.message'])

/** One field's value for a column ('' when absent). */
export function fieldValue(h: Hit, name: string): string {
  for (const [k, v] of flattenHit(h)) if (k === name) return v
  return ''
}

/** The line shown for a hit in lists: the log body, or "name · 12 ms" for a span. */
export function hitSummary(h: Hit): string {
  return h.kind === 'log' ? h.body : `${h.name} · ${h.durationMs.toFixed(1)} ms${h.status === 'Error' ? ' · ERROR ' + h.statusMessage : ''}`
}

export function hitLevel(h: Hit): string {
  return h.kind === 'log' ? (h.level || 'INFO').toUpperCase() : h.status === 'Error' ? 'ERROR' : 'SPAN'
}
