import { compileMatcher, type Ast } from '@beacon/query'
import type { BusinessKeys } from '../config/schema.ts'
import type { LiveRecord } from './record-fields.ts'

/** A compiled query over live records: a cheap predicate, run on the ingest path. */
export type RecordMatcher = (record: LiveRecord) => boolean

/**
 * Compiles a rule's query with the query package's in-memory evaluator: the same language and the
 * same answers as search (a contract test in @beacon/query keeps the two in agreement).
 */
export function compileRecordMatcher(ast: Ast, target: 'logs' | 'spans', keys: BusinessKeys): RecordMatcher {
  return compileMatcher(ast, target, { businessKeys: keys }) as RecordMatcher
}
