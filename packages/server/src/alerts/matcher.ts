import * as query from '@beacon/query'
import type { Ast, Value } from '@beacon/query'
import type { BusinessKeys } from '../config/schema.ts'
import { fieldGetter, type LiveRecord } from './record-fields.ts'

/** A compiled query over live records: a cheap predicate, run on the ingest path. */
export type RecordMatcher = (record: LiveRecord) => boolean

type CompileMatcher = (ast: Ast, target: 'logs' | 'spans', options?: Record<string, unknown>) => RecordMatcher

/**
 * Compiles a query for live records with the query package's in-memory evaluator
 * (`compileMatcher`, the same language as search). Until that evaluator is available in
 * @beacon/query, an interim evaluator covering fields, levels, numbers, ranges and text is used.
 */
export function compileRecordMatcher(ast: Ast, target: 'logs' | 'spans', keys: BusinessKeys): RecordMatcher {
  const shared = (query as unknown as { compileMatcher?: CompileMatcher }).compileMatcher
  if (typeof shared === 'function') return shared(ast, target, { businessKeys: keys })
  return interim(ast, target, keys)
}

const LEVEL_RANK: Record<string, number> = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 }
const LEVEL_ALIAS: Record<string, string> = { warning: 'WARN', err: 'ERROR', critical: 'FATAL', crit: 'FATAL', information: 'INFO' }
const levelName = (t: string): string => LEVEL_ALIAS[t.toLowerCase()] ?? t.toUpperCase()

function valueTest(v: Value, caseless: boolean): (s: string) => boolean {
  const norm = (s: string): string => (caseless ? s.toLowerCase() : s)
  if (v.type === 'pattern') {
    const re = new RegExp(`^${v.parts.map((p) => norm(p).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's')
    return (s) => re.test(norm(s))
  }
  const want = norm(v.text)
  return (s) => norm(s) === want
}

function interim(ast: Ast, target: 'logs' | 'spans', keys: BusinessKeys): RecordMatcher {
  switch (ast.kind) {
    case 'all': return () => true
    case 'and': { const cs = ast.children.map((c) => interim(c, target, keys)); return (r) => cs.every((c) => c(r)) }
    case 'or': { const cs = ast.children.map((c) => interim(c, target, keys)); return (r) => cs.some((c) => c(r)) }
    case 'not': { const c = interim(ast.child, target, keys); return (r) => !c(r) }
    case 'text': {
      const text = ast.value.type === 'pattern' ? ast.value.parts.join('') : ast.value.text
      const needle = text.toLowerCase()
      const body = fieldGetter('body', target, keys)
      return (r) => (body(r) ?? '').toLowerCase().includes(needle)
    }
    case 'field': {
      const get = fieldGetter(ast.field, target, keys)
      const canonical = query.FIELD_ALIASES[ast.field.toLowerCase()]
      const m = ast.match
      if (m.op === 'exists') return (r) => { const v = get(r); return v !== undefined && v !== '' }
      if (canonical === 'level' && m.op === 'is' && m.value.type !== 'pattern') {
        const want = levelName(m.value.text)
        return (r) => get(r) === want
      }
      if (canonical === 'level' && m.op === 'compare') {
        const rank = LEVEL_RANK[levelName(m.text)] ?? 0
        const cmp = numberCompare(m.comparison, rank)
        return (r) => cmp(LEVEL_RANK[get(r) ?? ''] ?? 0)
      }
      if (canonical === 'body' && m.op === 'is') {
        const text = m.value.type === 'pattern' ? m.value.parts.join('') : m.value.text
        return (r) => (get(r) ?? '').toLowerCase().includes(text.toLowerCase())
      }
      if (m.op === 'is') {
        const test = valueTest(m.value, false)
        return (r) => { const v = get(r); return v !== undefined && test(v) }
      }
      if (m.op === 'compare') {
        const cmp = numberCompare(m.comparison, Number(m.text))
        return (r) => { const v = Number(get(r)); return get(r) !== undefined && Number.isFinite(v) && cmp(v) }
      }
      const lo = m.lower ? Number(m.lower.text) : -Infinity
      const hi = m.upper ? Number(m.upper.text) : Infinity
      const loIn = m.lower?.inclusive ?? true
      const hiIn = m.upper?.inclusive ?? true
      return (r) => {
        const raw = get(r)
        if (raw === undefined || raw === '') return false
        const v = Number(raw)
        return Number.isFinite(v) && (loIn ? v >= lo : v > lo) && (hiIn ? v <= hi : v < hi)
      }
    }
  }
}

function numberCompare(op: query.Comparison, n: number): (v: number) => boolean {
  switch (op) {
    case '>': return (v) => v > n
    case '>=': return (v) => v >= n
    case '<': return (v) => v < n
    case '<=': return (v) => v <= n
  }
}
