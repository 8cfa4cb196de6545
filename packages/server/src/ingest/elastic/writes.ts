import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Batch, LogRecord } from '../../pipeline/record.ts'
import { nowUnixNano } from '../../pipeline/record.ts'
import type { IngestOutcome } from '../../pipeline/pipeline.ts'
import type { ReceiverDeps } from '../receiver.ts'
import { parseBulk, type BulkItem, type ItemError } from './bulk.ts'
import { documentToRecord, type MappingContext } from './ecs.ts'
import { batchId, checkContentType, principalOf, readBody, sendError, sendJson } from './http.ts'
import { noteIndex, type MetadataState } from './metadata.ts'
import { bulkResponse, createdResponse, emptySearchResponse, generateId, rejectedExecution, type ItemOutcome } from './response.ts'

/**
 * The write endpoints: `_bulk` and single documents, plus the read probes shippers make.
 *
 *   body (gzip?) → NDJSON items (bulk.ts) → ECS mapping per document (ecs.ts) → one Batch
 *     → ingest.submit (durable when it resolves) → per-item statuses in request order
 *
 * Outcomes → item statuses: ok/duplicate → 201; 'retry' (overloaded) → 429
 * es_rejected_execution_exception on every item that would have been written (shippers retry
 * exactly those); items that failed to parse, or that a pipeline stage dropped → 400.
 */

const NO_REQUESTS = 'Validation Failed: 1: no requests added;'

export function registerWriteRoutes(app: FastifyInstance, deps: ReceiverDeps, state: MetadataState): void {
  const bulk = (request: FastifyRequest, reply: FastifyReply) => handleBulk(request, reply, deps, state)
  for (const url of ['/_bulk', '/:index/_bulk']) app.route({ method: ['POST', 'PUT'], url, handler: bulk })

  const single = (request: FastifyRequest, reply: FastifyReply) => handleDocument(request, reply, deps, state)
  app.route({ method: 'POST', url: '/:index/_doc', handler: single })
  for (const url of ['/:index/_doc/:id', '/:index/_create/:id']) app.route({ method: ['PUT', 'POST'], url, handler: single })

  // Probes: searches answer "nothing found" (Beacon is searched through its own API and UI).
  for (const url of ['/_search', '/:index/_search']) {
    app.route({ method: ['GET', 'POST'], url, handler: (_q, reply) => sendJson(reply, 200, emptySearchResponse()) })
  }
  for (const url of ['/_count', '/:index/_count']) {
    app.route({ method: ['GET', 'POST'], url, handler: (_q, reply) => sendJson(reply, 200, { count: 0, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } }) })
  }
  for (const url of ['/_refresh', '/:index/_refresh', '/_flush', '/:index/_flush']) {
    app.route({ method: ['GET', 'POST'], url, handler: (_q, reply) => sendJson(reply, 200, { _shards: { total: 1, successful: 1, failed: 0 } }) })
  }
}

async function handleBulk(request: FastifyRequest, reply: FastifyReply, deps: ReceiverDeps, state: MetadataState): Promise<FastifyReply> {
  const started = Date.now()
  if (!checkContentType(request, reply)) return reply
  const body = await readBody(request, deps.limits)
  const { index: urlIndex = '' } = request.params as { index?: string }
  const { items, readableLines } = parseBulk(body, urlIndex)
  if (items.length === 0) return sendError(reply, 400, 'action_request_validation_exception', NO_REQUESTS)
  if (readableLines === 0) {
    return sendError(reply, 400, 'parse_exception',
      'the request body is not NDJSON: no line is valid JSON. Send an action line and a document line per document, each ending with a newline (a compressed body needs Content-Encoding: gzip)')
  }

  const ctx: MappingContext = { limits: deps.limits, observedTimeUnixNano: nowUnixNano() }
  const logs: LogRecord[] = []
  const records: (LogRecord | undefined)[] = new Array(items.length)
  let firstError: string | undefined
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if (item.doc) {
      const record = mapDocument(item, ctx)
      if (record) { logs.push(record); records[i] = record }
      item.doc = undefined // the parsed document is no longer needed; let it go before the await
    }
    if (item.error) firstError ??= item.error.reason
  }

  const failed = items.length - logs.length
  const batch: Batch = {
    id: batchId(request, body), source: 'elastic', logs, spans: [], principal: principalOf(request),
    rejected: failed, rejectionMessage: firstError,
  }
  const outcome: IngestOutcome = logs.length > 0 ? await deps.ingest.submit(batch) : { status: 'ok', accepted: 0, rejected: failed }
  const dropped = droppedByStages(batch, outcome, records, failed)

  let itemOutcome: (item: BulkItem, i: number) => ItemOutcome
  if (outcome.status === 'retry') {
    reply.header('retry-after', String(outcome.retryAfterSeconds))
    const error = rejectedExecution(`Beacon is overloaded: ${outcome.reason}; retry after ${outcome.retryAfterSeconds}s`)
    itemOutcome = (item) => (item.error ? { error: item.error } : { error })
  } else {
    const stageError: ItemError = { status: 400, type: 'illegal_argument_exception', reason: outcome.status === 'ok' && outcome.message ? outcome.message : 'rejected by the ingest pipeline' }
    itemOutcome = (item, i) => (item.error ? { error: item.error } : dropped?.has(records[i] as LogRecord) ? { error: stageError } : { created: true })
  }
  for (const item of items) if (!item.error) noteIndex(state, item.index)
  return sendJson(reply, 200, bulkResponse(items, itemOutcome, Date.now() - started))
}

async function handleDocument(request: FastifyRequest, reply: FastifyReply, deps: ReceiverDeps, state: MetadataState): Promise<FastifyReply> {
  if (!checkContentType(request, reply)) return reply
  const { index, id = '' } = request.params as { index: string; id?: string }
  const body = await readBody(request, deps.limits)
  let doc: unknown
  try {
    doc = JSON.parse(body.toString('utf8'))
  } catch (err) {
    return sendError(reply, 400, 'mapper_parsing_exception', `failed to parse the document: ${(err as Error).message}`)
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return sendError(reply, 400, 'mapper_parsing_exception', 'failed to parse the document: expected a JSON object')
  }
  const item: BulkItem = { op: 'index', index, id, doc: doc as Record<string, unknown> }
  const record = mapDocument(item, { limits: deps.limits, observedTimeUnixNano: nowUnixNano() })
  if (!record) return sendError(reply, 400, item.error?.type ?? 'mapper_parsing_exception', item.error?.reason ?? 'failed to parse')
  const batch: Batch = { id: batchId(request, body), source: 'elastic', logs: [record], spans: [], principal: principalOf(request), rejected: 0 }
  const outcome = await deps.ingest.submit(batch)
  if (outcome.status === 'retry') {
    reply.header('retry-after', String(outcome.retryAfterSeconds))
    return sendError(reply, 429, 'es_rejected_execution_exception', `Beacon is overloaded: ${outcome.reason}; retry after ${outcome.retryAfterSeconds}s`)
  }
  if (droppedByStages(batch, outcome, [record], 0)?.has(record)) {
    return sendError(reply, 400, 'illegal_argument_exception', (outcome.status === 'ok' && outcome.message) || 'rejected by the ingest pipeline')
  }
  noteIndex(state, index)
  return sendJson(reply, 201, createdResponse(index, id || generateId()))
}

/** One document → record; a mapping failure (never expected) fails only its item. */
function mapDocument(item: BulkItem, ctx: MappingContext): LogRecord | undefined {
  try {
    return documentToRecord(item.doc!, item.index, ctx)
  } catch (err) {
    item.error = { status: 400, type: 'mapper_parsing_exception', reason: `failed to map the document: ${(err as Error).message}` }
    return undefined
  }
}

/**
 * The records a pipeline stage dropped (stages remove them from `batch.logs` and count them in
 * `rejected`), found by identity in `submitted` — a copy, as stages edit `batch.logs` in place. When the stages replaced record objects so that the count does
 * not match, which ones were dropped is unknown and nothing is marked.
 */
function droppedByStages(batch: Batch, outcome: IngestOutcome, submitted: readonly (LogRecord | undefined)[], receiverFailures: number): Set<LogRecord> | undefined {
  if (outcome.status !== 'ok') return undefined
  const byStages = outcome.rejected - receiverFailures
  if (byStages <= 0) return undefined
  const kept = new Set(batch.logs)
  const dropped = new Set<LogRecord>()
  for (const r of submitted) if (r && !kept.has(r)) dropped.add(r)
  return dropped.size === byStages ? dropped : undefined
}
