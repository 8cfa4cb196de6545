import { randomFillSync } from 'node:crypto'
import type { BulkItem, ItemError } from './bulk.ts'

/**
 * Response bodies in Elasticsearch's format. Shippers read them closely: per-item `status` decides
 * what they retry (429), drop (4xx) or count as written (2xx).
 */

/** `{ error: { root_cause, type, reason }, status }` — the shape every Elasticsearch error has. */
export function esError(status: number, type: string, reason: string, extra?: Record<string, unknown>): Record<string, unknown> {
  return { error: { root_cause: [{ type, reason, ...extra }], type, reason, ...extra }, status }
}

// Document ids like Elasticsearch's auto ids: 20 URL-safe base64 characters from 15 bytes =
// 6 bytes of time (ms) + 6 random bytes per process + a 3-byte counter. Unique within a process
// (16M ids per millisecond) and, with 48 random bits, across processes.
const idBytes = Buffer.alloc(15)
randomFillSync(idBytes, 6, 6)
let idCounter = 0

/** A fresh Elasticsearch-like document id. */
export function generateId(): string {
  idCounter = (idCounter + 1) & 0xffffff
  idBytes.writeUIntBE(Date.now(), 0, 6)
  idBytes.writeUIntBE(idCounter, 12, 3)
  return idBytes.toString('base64url')
}

let seqNo = 0
/** `_seq_no` values: increasing per process, as a single shard would number them. */
export function nextSeqNo(): number {
  return seqNo++
}

const quoted = new Map<string, string>()
/** JSON string literal of an index name, cached (a request has few distinct indices). */
function quoteIndex(index: string): string {
  let q = quoted.get(index)
  if (q === undefined) {
    q = JSON.stringify(index)
    if (quoted.size >= 10_000) quoted.clear()
    quoted.set(index, q)
  }
  return q
}

const SHARDS = '"_shards":{"total":1,"successful":1,"failed":0}'

/** What happened to one item. */
export type ItemOutcome = { created: true } | { error: ItemError }

/**
 * The `_bulk` response: `{ took, errors, items: [{ <op>: { _index, _id, … status } }] }`, one item
 * per action in request order. Built as text: a 1,000-item response is on the hot path.
 */
export function bulkResponse(items: readonly BulkItem[], outcome: (item: BulkItem, i: number) => ItemOutcome, tookMs: number): string {
  let errors = false
  let out = ''
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if (item.id === '') item.id = generateId()
    const head = (i === 0 ? '{"' : ',{"') + item.op + '":{"_index":' + quoteIndex(item.index) + ',"_id":' + JSON.stringify(item.id)
    const o = outcome(item, i)
    if ('created' in o) {
      out += head + ',"_version":1,"result":"created",' + SHARDS + ',"_seq_no":' + nextSeqNo() + ',"_primary_term":1,"status":201}}'
    } else {
      errors = true
      out += head + ',"status":' + o.error.status + ',"error":' + JSON.stringify({ type: o.error.type, reason: o.error.reason }) + '}}'
    }
  }
  return '{"took":' + tookMs + ',"errors":' + errors + ',"items":[' + out + ']}'
}

/** The response to a single-document write (`/{index}/_doc`, `/{index}/_create/{id}`). */
export function createdResponse(index: string, id: string): Record<string, unknown> {
  return {
    _index: index,
    _id: id,
    _version: 1,
    result: 'created',
    _shards: { total: 1, successful: 1, failed: 0 },
    _seq_no: nextSeqNo(),
    _primary_term: 1,
  }
}

/** An empty search result (some shippers and tools probe `_search`). */
export function emptySearchResponse(): Record<string, unknown> {
  return {
    took: 0,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: { total: { value: 0, relation: 'eq' }, max_score: null, hits: [] },
  }
}

/** Item error when the ingest path is overloaded: shippers retry exactly these items. */
export function rejectedExecution(reason: string): ItemError {
  return { status: 429, type: 'es_rejected_execution_exception', reason }
}
