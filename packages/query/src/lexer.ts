import { QueryError } from './errors.ts'

/**
 * Splits a query into tokens. The language is context-sensitive in small ways, tracked here:
 *
 *   clause position   `shop-api`, `http.status`, `(`, `-`, `NOT`, `AND`, `"a phrase"`
 *   after a colon     a value: `:` is an ordinary character (`client.ip:2001:db8::1`),
 *                     `>= > <= <` start a comparison, `[` / `{` start a range
 *   inside a range    `]` / `}` end a bound, `TO` separates the bounds
 *   `field:( … )`     a group of values for one field: values as after a colon, with operators
 *
 * A backslash makes the next character literal anywhere (`\:`, `\*`, `\(`, `\ `, `\\`).
 * Lower-case `and`, `or`, `not` are operators too, as in KQL; quote them to search the word.
 */

export type TokenType =
  | 'lparen' | 'rparen' | 'colon' | 'and' | 'or' | 'not' | 'minus' | 'plus'
  | 'word' | 'phrase' | 'regex' | 'compare' | 'rangeOpen' | 'rangeClose' | 'to' | 'eof'

export interface Token {
  type: TokenType
  /** Offset of the first character. */
  pos: number
  /** Offset after the last character. */
  end: number
  /** The characters as typed (for messages). */
  raw: string
  /** Unescaped text of a word or phrase; the operator of a compare; the bracket of a range. */
  text: string
  /** Words only: the text split at unescaped `*` (one part when there is no wildcard). */
  parts: string[]
}

const SPACE = /\s/
/** Characters that end a word wherever it is. */
const ALWAYS_BREAK = new Set(['(', ')', '"'])
const COMPARISON = /^(>=|<=|>|<)$/
const COMPARED = /^[A-Za-z_@][\w.@]*(>=|<=|>|<)./

/**
 * The end (after the closing `/`) of a regular expression starting at `open`, or -1 when the
 * slash does not start one: the closing slash must be followed by a space, `)` or the end, so a
 * path such as `/api/orders/*` stays a word.
 */
function regexEnd(input: string, open: number): number {
  for (let j = open + 1; j < input.length; j++) {
    const ch = input[j]
    if (ch === '\\') { j++; continue }
    if (ch === '/') {
      const next = input[j + 1]
      return j > open + 1 && (next === undefined || SPACE.test(next) || next === ')') ? j + 1 : -1
    }
  }
  return -1
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  /** The next token is a field's value (right after `:` or a comparison operator). */
  let valueNext = false
  let inRange = false
  /** One entry per open `(`: true when it opened a value group (`field:(a OR b)`). */
  const parens: boolean[] = []
  const inValueGroup = (): boolean => parens.length > 0 && parens[parens.length - 1]

  const push = (type: TokenType, pos: number, end: number, text = input.slice(pos, end), parts: string[] = []): void => {
    tokens.push({ type, pos, end, raw: input.slice(pos, end), text, parts })
  }

  while (i < input.length) {
    const c = input[i]
    if (SPACE.test(c)) { i++; continue }
    const start = i
    const valueMode = valueNext || inValueGroup() || inRange
    const wasValueNext = valueNext
    valueNext = false

    if (c === '(') { parens.push(wasValueNext || inValueGroup()); push('lparen', i, ++i); continue }
    if (c === ')') { parens.pop(); push('rparen', i, ++i); continue }
    if (c === '"') { i = readPhrase(input, i, push); continue }
    if (inRange && (c === ']' || c === '}')) { inRange = false; push('rangeClose', i, ++i); continue }
    if (wasValueNext && (c === '[' || c === '{')) { inRange = true; push('rangeOpen', i, ++i); continue }
    if ((wasValueNext || inValueGroup()) && (c === '>' || c === '<')) {
      const op = input[i + 1] === '=' ? `${c}=` : c
      push('compare', i, i += op.length, op)
      valueNext = true
      continue
    }
    if (c === ':' && !valueMode) { push('colon', i, ++i); valueNext = true; continue }
    if (c === '/' && (wasValueNext || inValueGroup())) {
      const end = regexEnd(input, i)
      if (end > 0) {
        push('regex', i, end, input.slice(i + 1, end - 1).replace(/\\\//g, '/'))
        i = end
        continue
      }
    }
    if (!wasValueNext && !inRange && (c === '-' || c === '+' || c === '!')) {
      const next = input[i + 1]
      if (next === undefined || SPACE.test(next) || next === ')') {
        throw new QueryError(i + 1, `a term after '${c}'`)
      }
      push(c === '-' ? 'minus' : c === '+' ? 'plus' : 'not', i, ++i)
      continue
    }

    // A word: up to whitespace, a bracket, a quote, or (outside values) a colon.
    const parts: string[] = []
    let part = ''
    while (i < input.length) {
      const ch = input[i]
      if (SPACE.test(ch) || ALWAYS_BREAK.has(ch)) break
      // `@timestamp>=2026-11-29T10:00:00Z`: after a comparison, colons belong to the value.
      if (ch === ':' && !valueMode && !COMPARED.test(input.slice(start, i))) break
      if (inRange && (ch === ']' || ch === '}')) break
      if (ch === '\\') {
        if (i + 1 >= input.length) throw new QueryError(i + 1, "a character after '\\'")
        part += input[i + 1]
        i += 2
        continue
      }
      if (ch === '*') { parts.push(part); part = ''; i++; continue }
      part += ch
      i++
    }
    parts.push(part)
    const raw = input.slice(start, i)
    const text = parts.join('*')
    if (inRange && raw === 'TO') push('to', start, i)
    else if (!inRange && (raw === 'AND' || raw === '&&' || (!wasValueNext && raw === 'and'))) push('and', start, i)
    else if (!inRange && (raw === 'OR' || raw === '||' || (!wasValueNext && raw === 'or'))) push('or', start, i)
    else if (!inRange && (raw === 'NOT' || (!wasValueNext && raw === 'not'))) push('not', start, i)
    else {
      push('word', start, i, text, parts)
      // `status >= 500`: what follows a comparison is a value (colons are ordinary in it).
      if (!valueMode && COMPARISON.test(raw)) valueNext = true
    }
  }
  push('eof', input.length, input.length, '')
  return tokens
}

/** Reads `"…"` starting at the opening quote; returns the offset after the closing quote. */
function readPhrase(input: string, open: number, push: (type: TokenType, pos: number, end: number, text: string) => void): number {
  let i = open + 1
  let text = ''
  while (i < input.length) {
    const ch = input[i]
    if (ch === '"') {
      push('phrase', open, i + 1, text)
      return i + 1
    }
    if (ch === '\\' && i + 1 < input.length) {
      text += input[i + 1]
      i += 2
      continue
    }
    text += ch
    i++
  }
  throw new QueryError(input.length, "'\"'", undefined,
    `Expected '"' at position ${input.length} to close the phrase that starts at position ${open}`)
}
