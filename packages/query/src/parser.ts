import { combine, MATCH_ALL, type Ast, type Bound, type Comparison, type Match, type Value } from './ast.ts'
import { QueryError, quoteForMessage } from './errors.ts'
import { tokenize, type Token } from './lexer.ts'
import { fieldWarnings, tokenWarnings } from './warnings.ts'
import { compileRegex, MAX_REGEX_LENGTH } from './regex.ts'

/**
 * Recursive-descent parser for the Lucene/Kibana-style language (grammar in docs/query-language.md):
 *
 *   query   := or EOF
 *   or      := and ( OR and )*
 *   and     := unary ( [AND] unary )*          adjacent terms are ANDed
 *   unary   := ( NOT | '-' | '!' | '+' ) unary | primary
 *   primary := '(' or ')' | WORD ':' value | WORD | PHRASE
 *   value   := WORD | PHRASE | CMP (WORD | PHRASE) | range | '(' or-of-values ')'
 *   range   := ('[' | '{') bound TO bound (']' | '}')
 *
 * NOT binds tighter than AND, AND tighter than OR. Limits keep hostile input cheap: the text
 * length is checked before tokenizing, nesting (parentheses and NOTs) and the number of terms while
 * parsing, so recursion never goes deeper than LIMITS.maxDepth levels.
 */

/** Largest query accepted: characters, nesting of parentheses and NOTs, and terms (words, phrases, field conditions). */
export const LIMITS = { maxLength: 4096, maxDepth: 32, maxTerms: 128 } as const

/** The field a value group (`service:(a OR b)`) applies to. */
interface FieldContext { name: string; position: number }

/**
 * Parses a query into a syntax tree; an empty or blank query matches everything.
 * Throws QueryError (code `invalid_query`, `position`, `expected`) on a syntax error.
 *
 * @example
 * parseQuery('service:shop-api level:>=warn -timeout')
 * // { kind: 'and', children: [ {kind:'field', field:'service', …}, {kind:'field', field:'level', …}, {kind:'not', …} ] }
 */
export interface ParseOptions {
  /** Receives notes about the query a person should see (Lucene habits read differently here, typos). */
  warnings?: string[]
}

export function parseQuery(text: string, options: ParseOptions = {}): Ast {
  if (text.length > LIMITS.maxLength) {
    throw new QueryError(LIMITS.maxLength, `a query of at most ${LIMITS.maxLength} characters`, undefined,
      `Query is ${text.length} characters long; the limit is ${LIMITS.maxLength}`)
  }
  if (text.trim() === '') return MATCH_ALL
  const tokens = tokenize(text)
  if (options.warnings) options.warnings.push(...tokenWarnings(tokens))
  const ast = new Parser(tokens).parse()
  if (options.warnings) options.warnings.push(...fieldWarnings(ast))
  return ast
}

class Parser {
  private i = 0
  private depth = 0
  private terms = 0
  constructor(private readonly tokens: Token[]) {}

  parse(): Ast {
    const ast = this.or(null)
    const t = this.peek()
    if (t.type !== 'eof') {
      if (t.type === 'rparen') throw new QueryError(t.pos, 'a term or an operator', undefined, `Unexpected ')' at position ${t.pos}: no '(' is open`)
      throw new QueryError(t.pos, 'an operator or the end of the query', `found ${quoteForMessage(t.raw)}`)
    }
    return ast
  }

  private peek(): Token { return this.tokens[this.i] }
  private next(): Token { return this.tokens[this.i++] }

  private or(field: FieldContext | null, after?: Token): Ast {
    const children = [this.and(field, after)]
    while (this.peek().type === 'or') {
      const op = this.next()
      children.push(this.and(field, op))
    }
    return combine('or', children)
  }

  private and(field: FieldContext | null, after?: Token): Ast {
    const children = [this.unary(field, after)]
    for (;;) {
      const t = this.peek()
      if (t.type === 'and') { this.next(); children.push(this.unary(field, t)); continue }
      if (startsTerm(t)) { children.push(this.unary(field)); continue }
      return combine('and', children)
    }
  }

  private unary(field: FieldContext | null, after?: Token): Ast {
    const t = this.peek()
    if (t.type === 'not' || t.type === 'minus') {
      this.next()
      this.enter(t)
      const child = this.unary(field, t)
      this.depth--
      return { kind: 'not', child }
    }
    if (t.type === 'plus') {
      this.next()
      return this.unary(field, t)
    }
    return this.primary(field, after)
  }

  private primary(field: FieldContext | null, after?: Token): Ast {
    const t = this.peek()
    if (t.type === 'lparen') return this.group(field)
    if (field) return this.fieldValue(field, after)
    if (t.type === 'word') {
      this.next()
      if (this.peek().type === 'colon') return this.fieldTerm(t, this.next())
      const compared = this.bareComparison(t)
      if (compared) return compared
      this.countTerm(t)
      const value = toValue(t)
      if (value.type === 'pattern' && value.parts.every((p) => p === '')) return MATCH_ALL
      return { kind: 'text', value, position: t.pos }
    }
    if (t.type === 'phrase') {
      this.next()
      this.countTerm(t)
      return { kind: 'text', value: { type: 'phrase', text: t.text }, position: t.pos }
    }
    throw expectedTerm(t, after)
  }

  /**
   * KQL's comparisons without a colon: `status >= 500` (three words) or `status>=500` (one word).
   * Only for a name that looks like a field (letters, digits, `_ . @`), so free text such as `a->b` stays text.
   */
  private bareComparison(t: Token): Ast | null {
    const FIELD = /^[A-Za-z_@][A-Za-z0-9_.@]*$/
    const OP = /^(>=|<=|>|<)$/
    if (t.parts.length !== 1) return null
    const op = this.peek()
    if (FIELD.test(t.text) && op.type === 'word' && OP.test(op.raw)) {
      const v = this.tokens[this.i + 1]
      if ((v.type === 'word' && v.parts.length === 1) || v.type === 'phrase') {
        this.i += 2
        this.countTerm(v)
        return { kind: 'field', field: t.text, match: { op: 'compare', comparison: op.raw as Comparison, text: v.text }, position: v.pos }
      }
      throw new QueryError(v.pos, `a value after '${op.raw}'`, v.type === 'eof' ? undefined : `found ${quoteForMessage(v.raw)}`)
    }
    const m = /^([A-Za-z_@][A-Za-z0-9_.@]*)(>=|<=|>|<)(.+)$/.exec(t.raw)
    if (m && !t.raw.includes('\\')) {
      this.countTerm(t)
      return { kind: 'field', field: m[1], match: { op: 'compare', comparison: m[2] as Comparison, text: m[3] }, position: t.pos }
    }
    return null
  }

  private group(field: FieldContext | null): Ast {
    const open = this.next()
    this.enter(open)
    const inner = this.or(field, open)
    const close = this.peek()
    if (close.type !== 'rparen') {
      throw new QueryError(close.pos, "')'", undefined,
        `Expected ')' at position ${close.pos} to close the '(' at position ${open.pos}${close.type === 'eof' ? '' : `, found ${quoteForMessage(close.raw)}`}`)
    }
    this.next()
    this.depth--
    return inner
  }

  /** `name:` has been read; what follows is one value or a group of values. */
  private fieldTerm(name: Token, colon: Token): Ast {
    if (name.parts.length > 1) {
      if (name.raw === '*' && this.peek().type === 'word' && this.peek().raw === '*') {
        this.countTerm(this.next())
        return MATCH_ALL
      }
      throw new QueryError(name.pos, "a field name without '*'", `found ${quoteForMessage(name.raw)}`)
    }
    if (name.text === '_exists_') {
      // Lucene's `_exists_:field` is `field:*`.
      const v = this.peek()
      if (v.type !== 'word' || v.parts.length > 1) throw new QueryError(v.pos, "a field name after '_exists_:'")
      this.next()
      this.countTerm(v)
      return { kind: 'field', field: v.text, match: { op: 'exists' }, position: v.pos }
    }
    const field = { name: name.text, position: name.pos }
    if (this.peek().type === 'lparen') return this.group(field)
    return this.fieldValue(field, colon)
  }

  private fieldValue(field: FieldContext, after?: Token): Ast {
    const t = this.peek()
    const node = (match: Match, at: Token): Ast => {
      this.countTerm(at)
      return { kind: 'field', field: field.name, match, position: at.pos }
    }
    if (t.type === 'word') {
      this.next()
      const value = toValue(t)
      if (value.type === 'pattern' && value.parts.every((p) => p === '')) return node({ op: 'exists' }, t)
      return node({ op: 'is', value }, t)
    }
    if (t.type === 'phrase') {
      this.next()
      return node({ op: 'is', value: { type: 'phrase', text: t.text } }, t)
    }
    if (t.type === 'regex') {
      this.next()
      checkRegex(t)
      return node({ op: 'is', value: { type: 'regex', pattern: t.text } }, t)
    }
    if (t.type === 'compare') {
      this.next()
      const v = this.peek()
      if ((v.type === 'word' && v.parts.length === 1) || v.type === 'phrase') {
        this.next()
        return node({ op: 'compare', comparison: t.text as '>' | '>=' | '<' | '<=', text: v.text }, v)
      }
      throw new QueryError(v.pos, `a value after '${t.text}'`, v.type === 'eof' ? undefined : `found ${quoteForMessage(v.raw)}`)
    }
    if (t.type === 'rangeOpen') return node(this.range(), t)
    if (after?.type === 'colon') {
      throw new QueryError(t.pos, "a value after ':'", t.type === 'eof' ? undefined : `found ${quoteForMessage(t.raw)}`)
    }
    throw expectedTerm(t, after)
  }

  private range(): Match {
    const open = this.next()
    const lower = this.bound('a lower bound', open.text === '[')
    const to = this.peek()
    if (to.type !== 'to') throw new QueryError(to.pos, "'TO'", to.type === 'eof' ? undefined : `found ${quoteForMessage(to.raw)}`)
    this.next()
    const upper = this.bound('an upper bound', true)
    const close = this.peek()
    if (close.type !== 'rangeClose') {
      throw new QueryError(close.pos, "']' or '}'", close.type === 'eof' ? undefined : `found ${quoteForMessage(close.raw)}`)
    }
    this.next()
    if (upper && close.text === '}') upper.inclusive = false
    return lower || upper ? { op: 'range', lower, upper } : { op: 'exists' }
  }

  /** One end of a range; null for `*`. */
  private bound(what: string, inclusive: boolean): Bound | null {
    const t = this.peek()
    if (t.type === 'word') {
      this.next()
      if (t.parts.every((p) => p === '')) return null
      if (t.parts.length > 1) throw new QueryError(t.pos, `${what} without '*'`, `found ${quoteForMessage(t.raw)}`)
      return { text: t.text, inclusive }
    }
    if (t.type === 'phrase') {
      this.next()
      return { text: t.text, inclusive }
    }
    throw new QueryError(t.pos, what, t.type === 'eof' ? undefined : `found ${quoteForMessage(t.raw)}`)
  }

  private enter(t: Token): void {
    if (++this.depth > LIMITS.maxDepth) {
      throw new QueryError(t.pos, `at most ${LIMITS.maxDepth} levels of nesting`, undefined,
        `Query nests parentheses or NOTs deeper than ${LIMITS.maxDepth} levels (at position ${t.pos})`)
    }
  }

  private countTerm(t: Token): void {
    if (++this.terms > LIMITS.maxTerms) {
      throw new QueryError(t.pos, `at most ${LIMITS.maxTerms} terms`, undefined,
        `Query has more than ${LIMITS.maxTerms} terms (the ${LIMITS.maxTerms + 1}th is at position ${t.pos}); narrow it down`)
    }
  }
}

function startsTerm(t: Token): boolean {
  return t.type === 'word' || t.type === 'phrase' || t.type === 'regex' || t.type === 'lparen' || t.type === 'not' || t.type === 'minus' || t.type === 'plus'
    || t.type === 'compare' || t.type === 'rangeOpen'
}

/** A regular expression must be short and valid RE2 (what ClickHouse's `match` compiles). */
function checkRegex(t: Token): void {
  if (t.text.length > MAX_REGEX_LENGTH) {
    throw new QueryError(t.pos, `a regular expression of at most ${MAX_REGEX_LENGTH} characters`)
  }
  try {
    compileRegex(t.text)
  } catch (err) {
    throw new QueryError(t.pos, 'a regular expression in RE2 syntax (no look-around or back-references)', (err as Error).message.slice(0, 120))
  }
}

function toValue(t: Token): Value {
  return t.parts.length > 1 ? { type: 'pattern', parts: t.parts } : { type: 'word', text: t.text }
}

function expectedTerm(t: Token, after?: Token): QueryError {
  const expected = after && after.type !== 'lparen' ? `a term after '${after.raw}'` : 'a term'
  return new QueryError(t.pos, expected, t.type === 'eof' ? undefined : `found ${quoteForMessage(t.raw)}`)
}
