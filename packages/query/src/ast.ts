/**
 * The syntax tree `parseQuery` produces and `compileQuery` consumes. Plain data (JSON-serializable),
 * so the API can log it and tests can compare it. Every leaf keeps the 0-based offset of its value
 * in the query text, so a compile-time problem (`http.status:abc`) can point at the right place.
 */

/** A value as typed. Escapes are already resolved (`\*` is a literal star in `text`). */
export type Value =
  /** Unquoted, without wildcards. */
  | { type: 'word'; text: string }
  /** Quoted: `"payment failed"`. */
  | { type: 'phrase'; text: string }
  /** Unquoted with unescaped `*`: `abc*` → parts `['abc', '']`, `a*c` → `['a', 'c']`. Literal text between the stars. */
  | { type: 'pattern'; parts: string[] }
  /** After a colon, `/ab+c/`: an RE2 regular expression (escapes kept, except `\/` → `/`). */
  | { type: 'regex'; pattern: string }

export type Comparison = '>' | '>=' | '<' | '<='

/** One end of a range; `null` for `*` (open). */
export interface Bound { text: string; inclusive: boolean }

/** What a field must satisfy. */
export type Match =
  | { op: 'is'; value: Value }
  /** `field:*` */
  | { op: 'exists' }
  /** `field:>=500` */
  | { op: 'compare'; comparison: Comparison; text: string }
  /** `field:[100 TO 500]`, `{100 TO 500}`, `[100 TO *]` */
  | { op: 'range'; lower: Bound | null; upper: Bound | null }

/** Free text: a word, phrase or pattern searched in the message (logs) or span name/status (spans). */
export interface TextNode { kind: 'text'; value: Value; position: number }
export interface FieldNode { kind: 'field'; field: string; match: Match; position: number }
export interface AndNode { kind: 'and'; children: Ast[] }
export interface OrNode { kind: 'or'; children: Ast[] }
export interface NotNode { kind: 'not'; child: Ast }
/** The empty query (or `*`, `*:*`): every event. */
export interface MatchAllNode { kind: 'all' }

export type Ast = TextNode | FieldNode | AndNode | OrNode | NotNode | MatchAllNode

/** The tree of the empty query; compiles to `1`. */
export const MATCH_ALL: MatchAllNode = Object.freeze({ kind: 'all' as const })

/** Builds an AND/OR node, flattening nested nodes of the same kind and dropping a single-child wrapper. */
export function combine(kind: 'and' | 'or', children: Ast[]): Ast {
  const flat: Ast[] = []
  for (const c of children) {
    if (c.kind === kind) flat.push(...c.children)
    else flat.push(c)
  }
  return flat.length === 1 ? flat[0] : { kind, children: flat }
}
