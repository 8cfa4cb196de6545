import { parseQuery, QueryError, type Ast, type FieldNode } from '@beacon/query'
import { blindIndex, type KeyRing } from './crypto.ts'
import { BLIND_INDEX_SUFFIX, compileKeyMatcher, type KeyMatcher } from './field-match.ts'

/**
 * Exact-match search on encrypted fields, on the query side (docs/security.md §2.4):
 *
 *   parseQuery(q) ──► rewrite ──► compileQuery            (the compiler never sees the plaintext)
 *     customer.email:jane@example.com      ──► customer.email.bidx:<blindIndex("jane@example.com")>
 *     customer.email:"Jane@Example.com "   ──► the same (the index normalizes: case, spaces, phone punctuation)
 *     customer.email:*                     ──► unchanged (the field is present)
 *     customer.email:jane* / :>a / :[a TO b] ──► 400: only exact match works on an encrypted field
 *
 *   maskQuery(q): the query as the access audit stores it: each value of an encrypted field is
 *   replaced by `bidx:<index>` (exact) or `[withheld]`, so the audit holds no plaintext either.
 *
 * Fields are matched with the encrypt stage's own patterns (`security.encryption.fields`), by the
 * name typed in the query; the stored index key is that name plus `.bidx`.
 */

export interface BlindSearchOptions {
  /** `security.encryption.fields`. */
  fields: readonly string[]
  keyRing: KeyRing
  /** `security.encryption.blindIndex`: when false, an encrypted field cannot be searched by value. */
  blindIndex: boolean
}

export interface BlindSearch {
  /** Replaces exact matches on encrypted fields by their blind index; throws QueryError (400) for wildcards and ranges on them. */
  rewrite(ast: Ast): Ast
  /** The query text with every encrypted field's value replaced, for the access audit. Never throws. */
  maskQuery(text: string): string
}

/** What the audit stores instead of a query that names an encrypted field but does not parse. */
export const WITHHELD_QUERY = '[query withheld: it names an encrypted field and could not be parsed]'

/**
 * Creates the rewrite for a configuration; undefined when no field is encrypted.
 * @example
 * const blind = createBlindSearch({ fields: ['customer.email'], keyRing, blindIndex: true })
 * compileQuery(blind.rewrite(parseQuery('customer.email:jane@example.com')), { target: 'logs' })
 * // LogAttributes['customer.email.bidx'] = {q1:String} …, with q1 = the 32-hex blind index
 */
export function createBlindSearch(opts: BlindSearchOptions): BlindSearch | undefined {
  if (opts.fields.length === 0) return undefined
  const matches = compileKeyMatcher(opts.fields)
  const encrypted = (field: string): boolean => matches(field) && !field.endsWith(BLIND_INDEX_SUFFIX)

  function rewriteNode(node: FieldNode): Ast {
    const m = node.match
    if (m.op === 'exists') return node
    if (m.op === 'is' && (m.value.type === 'word' || m.value.type === 'phrase')) {
      if (!opts.blindIndex) {
        throw new QueryError(node.position, `no value for ${node.field}`, undefined,
          `${node.field} is encrypted and its blind index is turned off (security.encryption.blindIndex): it cannot be searched by value, only for presence (${node.field}:*)`)
      }
      return { ...node, field: node.field + BLIND_INDEX_SUFFIX, match: { op: 'is', value: { type: 'word', text: blindIndex(opts.keyRing, m.value.text) } } }
    }
    throw new QueryError(node.position, `an exact value for ${node.field}`, undefined,
      `${node.field} is encrypted: only exact match works (${node.field}:value or ${node.field}:"a value"); wildcards, regular expressions, comparisons and ranges cannot be searched on it`)
  }

  function walk(ast: Ast): Ast {
    switch (ast.kind) {
      case 'field': return encrypted(ast.field) ? rewriteNode(ast) : ast
      case 'not': return { kind: 'not', child: walk(ast.child) }
      case 'and':
      case 'or': return { kind: ast.kind, children: ast.children.map(walk) }
      default: return ast
    }
  }

  return {
    rewrite: walk,
    maskQuery(text) {
      let ast: Ast
      try {
        ast = parseQuery(text)
      } catch {
        return namesEncryptedField(text, encrypted) ? WITHHELD_QUERY : text
      }
      const cuts: { start: number; end: number; with: string }[] = []
      collect(ast, (node) => {
        if (!encrypted(node.field) || node.match.op === 'exists') return
        const m = node.match
        const exact = m.op === 'is' && (m.value.type === 'word' || m.value.type === 'phrase') && opts.blindIndex ? m.value.text : undefined
        cuts.push({ start: node.position, end: valueEnd(text, node.position), with: exact === undefined ? '[withheld]' : `bidx:${blindIndex(opts.keyRing, exact)}` })
      })
      cuts.sort((a, b) => b.start - a.start)
      let out = text
      for (const c of cuts) out = out.slice(0, c.start) + c.with + out.slice(c.end)
      return out
    },
  }
}

function collect(ast: Ast, visit: (node: FieldNode) => void): void {
  if (ast.kind === 'field') visit(ast)
  else if (ast.kind === 'not') collect(ast.child, visit)
  else if (ast.kind === 'and' || ast.kind === 'or') for (const c of ast.children) collect(c, visit)
}

/**
 * Where the value that starts at `start` ends, by the lexer's rules (packages/query/src/lexer.ts):
 * a phrase at its closing quote, a range at its closing bracket, a word at whitespace, a
 * parenthesis or a quote; a backslash escapes the next character.
 */
function valueEnd(text: string, start: number): number {
  const open = text[start]
  if (open === '"') {
    for (let i = start + 1; i < text.length; i++) {
      if (text[i] === '\\') i++
      else if (text[i] === '"') return i + 1
    }
    return text.length
  }
  if (open === '[' || open === '{') {
    let inPhrase = false
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i]
      if (c === '\\') i++
      else if (c === '"') inPhrase = !inPhrase
      else if (!inPhrase && (c === ']' || c === '}')) return i + 1
    }
    return text.length
  }
  let i = start
  while (i < text.length && !/[\s()"]/.test(text[i])) i += text[i] === '\\' ? 2 : 1
  return Math.min(i, text.length)
}

/** Whether some `name:` in a (possibly broken) query names an encrypted field. */
function namesEncryptedField(text: string, encrypted: KeyMatcher): boolean {
  for (const m of text.matchAll(/([^\s()":]+)\s*:/g)) {
    if (encrypted(m[1].replace(/^[-+!]+/, ''))) return true
  }
  return false
}
