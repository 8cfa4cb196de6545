/**
 * The Search page's whole state as URL parameters, so a link pasted into a ticket opens the same
 * view: `?q=&from=&to=&target=&cols=&scope=`. Defaults are left out of the URL.
 */
import { resolveTime } from './time.ts'

/** Where a search reads: hot storage (default), the archive only, or both (docs/retention.md). */
export type Scope = 'hot' | 'archive' | 'all'

export interface SearchState {
  q: string
  from: string
  to: string
  target: 'logs' | 'spans'
  columns: string[]
  scope: Scope
}

export const DEFAULT_SEARCH: SearchState = { q: '', from: 'now-15m', to: 'now', target: 'logs', columns: [], scope: 'hot' }

export function searchStateFromUrl(search: string): SearchState {
  const p = new URLSearchParams(search)
  const target = p.get('target') === 'spans' ? 'spans' : 'logs'
  const cols = (p.get('cols') ?? '').split(',').map((c) => c.trim()).filter(Boolean)
  return {
    q: p.get('q') ?? DEFAULT_SEARCH.q,
    from: p.get('from') || DEFAULT_SEARCH.from,
    to: p.get('to') || DEFAULT_SEARCH.to,
    target,
    columns: cols,
    scope: p.get('scope') === 'archive' ? 'archive' : p.get('scope') === 'all' ? 'all' : 'hot',
  }
}

export function searchStateToUrl(s: SearchState): string {
  const p = new URLSearchParams()
  if (s.q) p.set('q', s.q)
  if (s.from !== DEFAULT_SEARCH.from) p.set('from', s.from)
  if (s.to !== DEFAULT_SEARCH.to) p.set('to', s.to)
  if (s.target !== 'logs') p.set('target', s.target)
  if (s.columns.length) p.set('cols', s.columns.join(','))
  if (s.scope && s.scope !== 'hot') p.set('scope', s.scope)
  const text = p.toString()
  return text ? `?${text}` : ''
}

/** Quotes a value for the query language when it is not a plain word. */
export function quoteValue(value: string): string {
  return /^[\w.\-:/@]+$/.test(value) && !/^(AND|OR|NOT)$/i.test(value) ? value : JSON.stringify(value)
}

/**
 * Adds `field:value` (or `NOT field:value`) to a query, replacing an existing clause on the same
 * field and value so clicking twice does not pile up terms.
 */
export function addFilter(q: string, field: string, value: string, negate = false): string {
  const clause = `${field}:${quoteValue(value)}`
  const parts = q.trim() === '' ? [] : [q.trim()]
  const without = parts.map((p) => p.replace(new RegExp(`(?:^|\\s+)(?:NOT\\s+)?${escapeRe(clause)}(?=\\s|$)`, 'g'), '').trim()).filter(Boolean)
  return [...without, negate ? `NOT ${clause}` : clause].join(' ')
}

function escapeRe(s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') }

/**
 * Whether to offer the archive: the archive is on, the search reads hot storage only, and the
 * range starts earlier than the shortest hot retention (so some of it may only be in the archive).
 * Returns the hot retention in days, or null for no offer.
 */
export function archiveOffer(s: Pick<SearchState, 'from' | 'scope' | 'target'>, retention: { archive?: { enabled?: boolean }; hotDays?: { logs: number; spans: number } } | undefined, now = Date.now()): number | null {
  if (!retention?.archive?.enabled || !retention.hotDays || s.scope !== 'hot') return null
  const days = retention.hotDays[s.target]
  const from = resolveTime(s.from, now)
  return Number.isFinite(from) && from < now - days * 86_400_000 ? days : null
}
