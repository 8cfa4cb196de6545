import { tokenize, type Token } from '@beacon/query/lexer'

/**
 * Syntax highlighting for the query bar, from the query package's own lexer (so the colours agree
 * with what the server parses): the query split into segments that cover every character, each
 * with a class. Whitespace is a `plain` segment. When the lexer stops (an unclosed quote, a `-`
 * with nothing after it, a trailing backslash) — or the server reported a parse error at some
 * position — the rest of the query from that position is one `error` segment.
 */
export type HighlightKind =
  | 'plain' | 'field' | 'colon' | 'value' | 'text' | 'phrase' | 'regex' | 'wildcard'
  | 'operator' | 'compare' | 'range' | 'paren' | 'error'

export interface Segment { kind: HighlightKind; text: string; start: number }

export function highlightQuery(q: string, errorAt?: number | null): Segment[] {
  let tokens: Token[]
  let lexError: number | null = null
  try {
    tokens = tokenize(q)
  } catch (err) {
    // Colour what comes before the problem: the longest prefix the lexer reads (an unclosed
    // quote is reported at the end of the query, so step back to its opening quote).
    let p = Math.min(q.length, positionOf(err))
    for (;;) {
      try { tokens = tokenize(q.slice(0, p)); break } catch (e) {
        const at = positionOf(e)
        p = (e as { expected?: string }).expected === `'"'` ? q.lastIndexOf('"', p - 1) : Math.min(at, p) - 1
        if (p <= 0) { tokens = []; p = 0; break }
      }
    }
    while (p < q.length && /\s/.test(q[p])) p++
    lexError = p
  }
  tokens = tokens.filter((t) => t.type !== 'eof')
  const stop = Math.min(
    lexError ?? q.length,
    errorAt !== undefined && errorAt !== null && errorAt >= 0 && errorAt < q.length ? errorAt : q.length,
  )
  const out: Segment[] = []
  const push = (kind: HighlightKind, start: number, end: number): void => {
    if (end <= start) return
    const last = out[out.length - 1]
    if (last && last.kind === kind && last.start + last.text.length === start) last.text += q.slice(start, end)
    else out.push({ kind, text: q.slice(start, end), start })
  }
  let at = 0
  let inRange = false
  /** One entry per open `(`: true when it groups values of one field (`level:(warn OR error)`). */
  const groups: boolean[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (t.pos >= stop) break
    push('plain', at, t.pos)
    const end = Math.min(t.end, stop)
    const prev = tokens[i - 1]
    if (t.type === 'lparen') groups.push(prev?.type === 'colon' || (groups.length > 0 && groups[groups.length - 1]))
    if (t.type === 'rparen') groups.pop()
    const compared = t.type === 'word' ? COMPARED.exec(t.raw) : null
    if (compared) {
      // `@timestamp>=2026-11-29T10:00:00Z` is one word to the lexer: field, operator, value.
      const [, field, op] = compared
      push('field', t.pos, Math.min(t.pos + field.length, end))
      push('compare', t.pos + field.length, Math.min(t.pos + field.length + op.length, end))
      push('value', t.pos + field.length + op.length, end)
    } else {
      const inGroup = groups.length > 0 && groups[groups.length - 1]
      push(kindOf(t, tokens[i + 1], prev, inRange, inGroup), t.pos, end)
    }
    if (t.type === 'rangeOpen') inRange = true
    if (t.type === 'rangeClose') inRange = false
    at = end
  }
  if (at < stop) push('plain', at, stop)
  if (stop < q.length) push('error', stop, q.length)
  return out
}

function positionOf(err: unknown): number {
  const pos = (err as { position?: unknown }).position
  return typeof pos === 'number' ? pos : 0
}

const COMPARED = /^([A-Za-z_@][\w.@]*)(>=|<=|>|<)(.+)$/

function kindOf(t: Token, next: Token | undefined, prev: Token | undefined, inRange: boolean, inGroup: boolean): HighlightKind {
  switch (t.type) {
    case 'lparen': case 'rparen': return 'paren'
    case 'colon': return 'colon'
    case 'and': case 'or': case 'not': case 'minus': case 'plus': return 'operator'
    case 'compare': return 'compare'
    case 'rangeOpen': case 'rangeClose': case 'to': return 'range'
    case 'phrase': return 'phrase'
    case 'regex': return 'regex'
    case 'word': {
      if (next?.type === 'colon' && next.pos === t.end) return 'field'
      if (/^(>=|<=|>|<)$/.test(t.raw)) return 'compare'
      if (inRange) return 'range'
      const isValue = inGroup || prev !== undefined && (prev.type === 'colon' || prev.type === 'compare' || (prev.type === 'word' && /^(>=|<=|>|<)$/.test(prev.raw)))
      if (t.parts.length > 1) return 'wildcard'
      return isValue ? 'value' : 'text'
    }
    default: return 'plain'
  }
}
