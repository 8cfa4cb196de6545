/**
 * The Search page's whole state as URL parameters, so a link pasted into a ticket opens the same
 * view: `?q=&from=&to=&target=&cols=&sort=`. Defaults are left out of the URL.
 */
export interface SearchState {
  q: string
  from: string
  to: string
  target: 'logs' | 'spans'
  columns: string[]
}

export const DEFAULT_SEARCH: SearchState = { q: '', from: 'now-15m', to: 'now', target: 'logs', columns: [] }

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
  }
}

export function searchStateToUrl(s: SearchState): string {
  const p = new URLSearchParams()
  if (s.q) p.set('q', s.q)
  if (s.from !== DEFAULT_SEARCH.from) p.set('from', s.from)
  if (s.to !== DEFAULT_SEARCH.to) p.set('to', s.to)
  if (s.target !== 'logs') p.set('target', s.target)
  if (s.columns.length) p.set('cols', s.columns.join(','))
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
