/**
 * Autocompletion for the query bar: which token the caret is in, and whether it is a field name
 * (`servi|`) or a field's value (`service:sh|`), so the bar can offer field names or top values.
 */
export interface Completion { kind: 'field' | 'value'; field: string; prefix: string; start: number; end: number }

export function completionAt(q: string, caret: number): Completion | null {
  let start = caret
  while (start > 0 && !/[\s()]/.test(q[start - 1])) start--
  let end = caret
  while (end < q.length && !/[\s()]/.test(q[end])) end++
  let token = q.slice(start, caret)
  let offset = start
  if (token.startsWith('-')) { token = token.slice(1); offset++ }
  if (/^(AND|OR|NOT)$/i.test(token)) return null
  const colon = token.indexOf(':')
  if (colon > 0) {
    const value = token.slice(colon + 1).replace(/^[<>=]+/, '').replace(/^"/, '')
    return { kind: 'value', field: token.slice(0, colon), prefix: value, start: offset + colon + 1, end }
  }
  if (token === '' || token.startsWith('"')) return null
  return { kind: 'field', field: '', prefix: token, start: offset, end }
}

/** Replaces the completed token with `text` (a field gets its colon); returns the new query and caret. */
export function applyCompletion(q: string, c: Completion, text: string): { q: string; caret: number } {
  const insert = c.kind === 'field' ? `${text}:` : quoteIfNeeded(text) + ' '
  const next = q.slice(0, c.start) + insert + q.slice(c.end).replace(/^\s+/, c.kind === 'value' ? '' : ' ').replace(/^ $/, '')
  return { q: next, caret: c.start + insert.length }
}

function quoteIfNeeded(v: string): string {
  return /^[\w.\-/@]+$/.test(v) ? v : JSON.stringify(v)
}

/** Candidates whose name starts with (then contains) the prefix, case-insensitively. */
export function rankCandidates(names: string[], prefix: string, max = 12): string[] {
  const p = prefix.toLowerCase()
  const starts = names.filter((n) => n.toLowerCase().startsWith(p))
  const contains = names.filter((n) => !n.toLowerCase().startsWith(p) && n.toLowerCase().includes(p))
  return [...starts, ...contains].slice(0, max)
}
