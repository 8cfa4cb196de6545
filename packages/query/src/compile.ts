import type { Ast } from './ast.ts'
import { fieldCondition } from './compile-field.ts'
import { textCondition } from './compile-text.ts'
import { QueryError } from './errors.ts'
import { resolveField, type Target } from './fields.ts'
import { Params } from './params.ts'

/**
 * Syntax tree → a parameterized ClickHouse boolean expression for `WHERE`.
 *
 *   Ast ──walk──▶ and / or / not ──▶ `(a AND b)`, `NOT (a)`; constants folded (`1`, `0`)
 *              └▶ text  ─▶ compile-text.ts   (Body on logs; SpanName, StatusMessage on spans)
 *              └▶ field ─▶ compile-field.ts  (column by fields.ts, or attribute maps)
 *
 * Every user value (and attribute key) is a `{qN:Type}` placeholder; `params` holds the values.
 */

export interface CompileOptions {
  target: Target
  /** Parameter name prefix (default `q`: `{q0:String}`); change it when combining two compiled queries. */
  paramPrefix?: string
  /** What `now` means in times such as `@timestamp:>now-15m`, ms since the epoch (default: the time of compiling). */
  now?: number
}

export interface CompiledQuery {
  /** A boolean expression usable after WHERE; `1` matches everything. */
  sql: string
  /** Values for the placeholders in `sql`, as `@clickhouse/client` takes `query_params`. */
  params: Record<string, unknown>
}

/**
 * @example
 * compileQuery(parseQuery('service:shop-api http.status:>=500'), { target: 'logs' })
 * // { sql: 'ServiceName = {q0:String} AND HttpStatus >= {q1:UInt16}', params: { q0: 'shop-api', q1: 500 } }
 */
export function compileQuery(ast: Ast, opts: CompileOptions): CompiledQuery {
  const params = new Params(opts.paramPrefix ?? 'q')
  const sql = walk(ast, opts.target, params, opts.now ?? Date.now())
  return { sql, params: params.usedIn(sql) }
}

function walk(ast: Ast, target: Target, params: Params, now: number): string {
  switch (ast.kind) {
    case 'all': return '1'
    case 'text': return textCondition(ast.value, target === 'logs' ? ['Body'] : ['SpanName', 'StatusMessage'], params)
    case 'field': return fieldCondition(ast, target, params, now)
    case 'not': {
      const c = walk(ast.child, target, params, now)
      return c === '1' ? '0' : c === '0' ? '1' : `NOT ${wrap(c)}`
    }
    case 'and': {
      const parts = ast.children.map((c) => walk(c, target, params, now)).filter((s) => s !== '1')
      if (parts.includes('0')) return '0'
      if (parts.length === 0) return '1'
      return parts.length === 1 ? parts[0] : parts.map(wrapCompound).join(' AND ')
    }
    case 'or': {
      const parts = ast.children.map((c) => walk(c, target, params, now)).filter((s) => s !== '0')
      if (parts.includes('1')) return '1'
      if (parts.length === 0) return '0'
      return parts.length === 1 ? parts[0] : parts.map(wrapCompound).join(' OR ')
    }
  }
}

// wrap/wrapCompound read compiler-made SQL only: placeholders and the few constants in it
// (`'Error'`) never contain parentheses, so counting them is exact.

/** Parentheses unless the expression is already one parenthesized unit or a function call. */
function wrap(sql: string): string {
  return isUnit(sql) ? sql : `(${sql})`
}

/** Inside AND/OR, only bare AND/OR chains need parentheses (leaves are self-contained). */
function wrapCompound(sql: string): string {
  return hasTopLevel(sql, ' AND ') || hasTopLevel(sql, ' OR ') ? `(${sql})` : sql
}

function isUnit(sql: string): boolean {
  if (!/^[A-Za-z0-9_]*\(/.test(sql) || !sql.endsWith(')')) return false
  // One call or one parenthesized group: the first '(' closes at the very end.
  let depth = 0
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]
    if (ch === '(') depth++
    else if (ch === ')' && --depth === 0) return i === sql.length - 1
  }
  return false
}

/** Whether `op` occurs outside parentheses and placeholders (placeholders never contain ' AND '). */
function hasTopLevel(sql: string, op: string): boolean {
  let depth = 0
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]
    if (ch === '(') depth++
    else if (ch === ')') depth--
    else if (depth === 0 && sql.startsWith(op, i)) return true
  }
  return false
}

/**
 * The value expression of a field, for grouping (`/api/fields/{name}/values`): a column, a span's
 * level, or an attribute (event's own, else its resource's). Parameters use the prefix `f` so they
 * can be merged with a compiled query's.
 *
 * @example
 * fieldExpression('customer.tier', { target: 'logs' })
 * // { sql: "if(mapContains(LogAttributes, {f0:String}), LogAttributes[{f0:String}], ResourceAttributes[{f0:String}])", params: { f0: 'customer.tier' } }
 */
export function fieldExpression(name: string, opts: CompileOptions): CompiledQuery {
  if (name.trim() === '' || name.length > 256) throw new QueryError(0, 'a field name of 1 to 256 characters')
  const params = new Params(opts.paramPrefix ?? 'f')
  const r = resolveField(name, opts.target)
  let sql: string
  if (r.type === 'attribute') {
    const k = params.add(r.key, 'String')
    sql = `if(mapContains(${r.maps[0]}, ${k}), ${r.maps[0]}[${k}], ${r.maps[1]}[${k}])`
  } else if (r.column.kind === 'spanLevel') {
    sql = "if(StatusCode = 'Error', 'ERROR', 'INFO')"
  } else if (r.column.kind === 'duration') {
    sql = `${r.column.columns[0]} / 1000000`
  } else {
    sql = r.column.columns[0]
  }
  return { sql, params: params.values }
}
