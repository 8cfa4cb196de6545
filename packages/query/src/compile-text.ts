import type { Value } from './ast.ts'
import { anyOf, type Params } from './params.ts'
import { likePattern, textTokens } from './values.ts'

/**
 * Full-text matching (free text and `body:`), case-insensitive. Tokens follow the `splitByNonAlpha`
 * tokenizer of the logs table's text index; the index must be built on `lowerUTF8(Body)` (see
 * docs/query-language.md) for these conditions to use it:
 *
 *   word      `timeout`          hasAllTokens(lowerUTF8(Body), lowerUTF8(p))                index, exact
 *   several   `ORD-1001`,        hasAllTokens(…) AND positionCaseInsensitiveUTF8(Body, p)  index narrows,
 *   tokens    `"payment failed"`                                                           substring confirms
 *   no tokens `"->"`             positionCaseInsensitiveUTF8(Body, p) > 0                   scan
 *   wildcard  `paym*`            lowerUTF8(Body) LIKE lowerUTF8('%paym%')                   index dictionary scan
 *   regex     `body:/pay(ment)?/` match(Body, p) — anywhere in the text                   scan
 *
 * Lower-casing happens in SQL (lowerUTF8 on both sides), so the index and the query agree exactly.
 */
export function textCondition(value: Value, columns: readonly string[], params: Params): string {
  if (value.type === 'regex') {
    // Anywhere in the text, case-sensitive unless the pattern says (?i).
    const p = params.add(value.pattern, 'String')
    return anyOf(columns.map((c) => `match(${c}, ${p})`))
  }
  if (value.type === 'pattern') {
    const p = params.add(likePattern(value.parts, true), 'String')
    return anyOf(columns.map((c) => `lowerUTF8(${c}) LIKE lowerUTF8(${p})`))
  }
  const text = value.text
  if (text === '') return '1'
  const tokens = textTokens(text)
  const p = params.add(text, 'String')
  const scan = (c: string): string => `positionCaseInsensitiveUTF8(${c}, ${p}) > 0`
  const words = (c: string): string => `hasAllTokens(lowerUTF8(${c}), lowerUTF8(${p}))`
  if (tokens.length === 0) return anyOf(columns.map(scan))
  if (tokens.length === 1 && tokens[0] === text) return anyOf(columns.map(words))
  return anyOf(columns.map((c) => `(${words(c)} AND ${scan(c)})`))
}
