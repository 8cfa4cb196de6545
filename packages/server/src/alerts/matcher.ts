import { compileMatcher, type Ast } from '@beacon/query'
import type { BusinessKeys } from '../config/schema.ts'
import type { LiveRecord } from './record-fields.ts'
import type { RuleRuntime } from './runtime.ts'

/** A compiled query over live records: a cheap predicate, run on the ingest path. */
export type RecordMatcher = (record: LiveRecord) => boolean

/**
 * Compiles a rule's query with the query package's in-memory evaluator: the same language and the
 * same answers as search (a contract test in @beacon/query keeps the two in agreement).
 */
export function compileRecordMatcher(ast: Ast, target: 'logs' | 'spans', keys: BusinessKeys): RecordMatcher {
  return compileMatcher(ast, target, { businessKeys: keys }) as RecordMatcher
}

interface Memo { last: LiveRecord | undefined; value: boolean }
/** The pass a remembered answer belongs to (bumped by `reset()`; an answer from another pass is never used). */
interface Epoch { n: number }

/**
 * One predicate per distinct query, shared by every rule that uses it, and evaluated at most once
 * per record: the built-in detectors and typical rule sets repeat a handful of queries
 * (`http.status:*`, `client.ip:*`, `level:error`, …), so 62 rules come down to ~15 evaluations.
 * The answer is remembered for the record last asked about (identity) within one pass; `reset()`
 * before each batch starts a new pass, so a record object seen again later is evaluated afresh.
 */
export class SharedMatchers {
  private readonly byQuery = new Map<string, { matcher: RecordMatcher }>()
  private readonly byGroups = new Map<string, (r: LiveRecord) => string>()
  private readonly epoch: Epoch = { n: 0 }

  constructor(private readonly keys: BusinessKeys) {}

  get(ast: Ast, target: 'logs' | 'spans'): RecordMatcher {
    const key = `${target}\u0000${JSON.stringify(ast)}`
    let e = this.byQuery.get(key)
    if (!e) {
      const test = compileRecordMatcher(ast, target, this.keys)
      const memo: Memo = { last: undefined, value: false }
      const epoch = this.epoch
      let pass = -1
      const matcher: RecordMatcher = (r) => {
        if (memo.last === r && pass === epoch.n) return memo.value
        memo.value = test(r)
        memo.last = r
        pass = epoch.n
        return memo.value
      }
      e = { matcher }
      this.byQuery.set(key, e)
    }
    return e.matcher
  }

  /** A rule's group key (the values of its groupBy fields), shared by rules grouped alike, built once per record. */
  groupKey(groupBy: readonly string[], target: 'logs' | 'spans', build: (r: LiveRecord) => string): (r: LiveRecord) => string {
    const id = `${target}\u0000${JSON.stringify(groupBy)}`
    let key = this.byGroups.get(id)
    if (!key) {
      let last: LiveRecord | undefined
      let value = ''
      let pass = -1
      const epoch = this.epoch
      key = (r) => {
        if (last === r && pass === epoch.n) return value
        value = build(r)
        last = r
        pass = epoch.n
        return value
      }
      this.byGroups.set(id, key)
    }
    return key
  }

  /** Forgets every remembered answer (and the records they were for). */
  reset(): void {
    this.epoch.n++
  }

  /** Drops queries no rule uses any more. */
  retain(inUse: Iterable<RuleRuntime>): void {
    const used = new Set<RecordMatcher>()
    for (const rt of inUse) { used.add(rt.matcher); if (rt.denominator) used.add(rt.denominator) }
    for (const [k, e] of this.byQuery) if (!used.has(e.matcher)) this.byQuery.delete(k)
  }
}

/**
 * The ingest-path pass over one batch: record by record, every rule of the target (each distinct
 * query evaluated once per record through `shared`). Rules keep their own state, so the order
 * across rules does not matter; within a rule records arrive in batch order, as before.
 */
export function matchBatch(rules: readonly RuleRuntime[], records: readonly LiveRecord[], nowSec: number, shared: SharedMatchers): void {
  shared.reset()
  const n = rules.length
  const nowMs = Date.now()
  for (const r of records) for (let i = 0; i < n; i++) rules[i].onRecord(r, nowSec, nowMs)
}
