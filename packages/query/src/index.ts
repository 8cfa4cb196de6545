/**
 * @beacon/query — the search language: Lucene/Kibana-style text → syntax tree → parameterized
 * ClickHouse SQL for otel_logs / otel_traces. Pure: no I/O. See docs/query-language.md.
 *
 * @example
 * const { sql, params } = compileSearch('service:shop-api level:>=warn "payment failed"', { target: 'logs' })
 * await client.query({ query: `SELECT … FROM otel_logs WHERE ${sql}`, query_params: params })
 */
import type { Ast } from './ast.ts'
import { compileQuery, type CompiledQuery, type CompileOptions } from './compile.ts'
import { parseQuery } from './parser.ts'

export { parseQuery, LIMITS } from './parser.ts'
export type { ParseOptions } from './parser.ts'
export { compileQuery, fieldExpression } from './compile.ts'
export type { CompiledQuery, CompileOptions } from './compile.ts'
export { QueryError } from './errors.ts'
export { compileMatcher } from './match.ts'
export type { BusinessKeyLists, MatchableLog, MatchableSpan, MatcherOptions } from './match.ts'
export { FIELDS, FIELD_ALIASES, ATTRIBUTE_MAPS, listFields, resolveField } from './fields.ts'
export type { FieldColumn, FieldDef, FieldInfo, FieldKind, ResolvedField, Target } from './fields.ts'
export { LEVELS } from './values.ts'
export { MATCH_ALL } from './ast.ts'
export type {
  Ast, AndNode, Bound, Comparison, FieldNode, Match, MatchAllNode, NotNode, OrNode, TextNode, Value,
} from './ast.ts'

/**
 * Parses and compiles in one step. Throws QueryError on a syntax error or a value a field can't take.
 *
 * @example
 * compileSearch('order:ORD-1001', { target: 'spans' })
 * // { sql: 'OrderId = {q0:String}', params: { q0: 'ORD-1001' } }
 */
export function compileSearch(text: string, opts: CompileOptions): CompiledQuery {
  const ast: Ast = parseQuery(text)
  return compileQuery(ast, opts)
}
