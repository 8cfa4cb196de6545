import type { Ast } from './ast.ts'
import { FIELD_ALIASES } from './fields.ts'
import type { Token } from './lexer.ts'

/**
 * Notes for the person who typed a query: Lucene and KQL habits that mean something else here,
 * and field names that look like typos of built-in ones. A query with a warning still runs; the
 * search API returns these in `warnings` so a surprising 0 comes with its reason.
 */

const MAX_WARNINGS = 10

export function tokenWarnings(tokens: readonly Token[]): string[] {
  const out: string[] = []
  for (const t of tokens) {
    if (out.length >= MAX_WARNINGS) break
    if ((t.type === 'and' || t.type === 'or' || t.type === 'not') && /^[a-z]+$/.test(t.raw)) {
      out.push(`'${t.raw}' at position ${t.pos} is the operator ${t.raw.toUpperCase()} (as in KQL); write "${t.raw}" to search the word`)
    }
    if (t.type !== 'word') continue
    if (t.raw.includes('?') && !t.raw.includes('\\?')) {
      out.push(`'?' at position ${t.pos + t.raw.indexOf('?')} is an ordinary character, not a one-character wildcard; use * instead`)
    }
    if (/~\d*(\.\d+)?$/.test(t.raw)) out.push(`fuzzy and proximity searches (~) are not supported: '${short(t.raw)}' is searched as typed`)
    if (/\^\d+(\.\d+)?$/.test(t.raw)) out.push(`boosts (^) do not change which records match: '${short(t.raw)}' is searched as typed`)
    if (/^[A-Za-z_@][\w.@]*=[^=]/.test(t.raw)) out.push(`'${short(t.raw)}' is searched as text; to match a field write ${short(t.raw.replace('=', ':'))}`)
  }
  return out
}

export function fieldWarnings(ast: Ast): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  const visit = (a: Ast): void => {
    if (a.kind === 'and' || a.kind === 'or') a.children.forEach(visit)
    else if (a.kind === 'not') visit(a.child)
    else if (a.kind === 'field' && !seen.has(a.field)) {
      seen.add(a.field)
      const near = nearestField(a.field)
      if (near) out.push(`'${short(a.field)}' is not a built-in field and is searched as an attribute; did you mean '${near}'?`)
    }
  }
  visit(ast)
  return out.slice(0, MAX_WARNINGS)
}

/** A built-in field name one or two edits away from `name` (but not `name` itself), or null. */
function nearestField(name: string): string | null {
  const lower = name.toLowerCase()
  if (FIELD_ALIASES[lower] !== undefined || lower.length < 4) return null
  let best: string | null = null
  let bestD = 3
  for (const alias of Object.keys(FIELD_ALIASES)) {
    if (Math.abs(alias.length - lower.length) >= bestD) continue
    const d = distance(lower, alias)
    if (d < bestD) { best = alias; bestD = d }
  }
  return best
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return row[b.length]
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}
