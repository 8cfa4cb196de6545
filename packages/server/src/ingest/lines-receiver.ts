import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BeaconError, errorBody, type ErrorCode } from '../errors.ts'
import type { IngestOutcome } from '../pipeline/pipeline.ts'
import type { Batch, LogRecord, SpanRecord } from '../pipeline/record.ts'
import type { Config } from '../config/schema.ts'
import { batchId, decodedBody, mediaType } from './http-body.ts'
import type { DecodeResult } from './otlp/fields.ts'
import type { Receiver, ReceiverDeps } from './receiver.ts'

/**
 * A receiver of the SDK's lines, on the OTLP/HTTP listener (same port, same ingest keys as the OTLP
 * endpoints): a resource line, then one JSON line per record, as the SDK's export worker wrote them.
 * `POST /v1/pino-lines` (pino/) and `POST /v1/span-lines` (span-lines/) differ only in their decoder.
 *
 *   POST <path>   (application/x-ndjson | application/jsonl | application/json | text/plain; optionally gzip)
 *     auth ──✗──▶ 401/403                 content type ──✗──▶ 415
 *     body over the limit (wire or inflated) ──▶ 413
 *     decode ──✗──▶ 400 (no resource line; no line is JSON)
 *     Batch ──▶ ingest.submit ──▶ ok        → 200 { accepted, rejected, message? }  (a line that is not
 *                                 duplicate → 200                                  a record is rejected
 *                                 retry     → 429/503 + Retry-After                  alone, counted)
 *                                 throws    → 503 + Retry-After (logged; nothing was stored)
 *
 * Errors are `{ error, message }` (the server's catalogue, errors.ts); a 401/403 from the listener's
 * auth hook (before the body is read) keeps the OTLP form, as on /v1/logs. A retried request (same
 * `Idempotency-Key`, or the same body) is recognised and not stored twice.
 */
export interface LinesSpec {
  path: string
  /** `Batch.source`. */
  source: string
  /** What the lines are, for messages: 'pino lines', 'span lines'. */
  noun: string
  /** What to send, for the 415 message. */
  typeHint: string
  decode(body: Buffer, opts: { limits: Config['limits'] }): DecodeResult<LogRecord> | DecodeResult<SpanRecord>
  /** Which list of the batch the records go to. */
  signal: 'logs' | 'spans'
}

const ACCEPTED_TYPES: ReadonlySet<string> = new Set(['application/x-ndjson', 'application/jsonl', 'application/json', 'text/plain'])
const INTERNAL_RETRY_AFTER_SECONDS = 5

/** Registers `POST spec.path` (and its error handler) on the instance it is given, which must have `acceptRawBodies` applied. */
export function createLinesReceiver(spec: LinesSpec): Receiver {
  return async (app: FastifyInstance, deps: ReceiverDeps) => {
    await app.register(async (scope) => {
      scope.setErrorHandler((err: FastifyError, request, reply) => onError(err, request, reply, deps, spec))
      scope.post(spec.path, (request, reply) => receive(request, reply, deps, spec))
    })
  }
}

async function receive(request: FastifyRequest, reply: FastifyReply, deps: ReceiverDeps, spec: LinesSpec): Promise<FastifyReply> {
  const auth = await deps.auth.authenticate(request.headers)
  if (!auth.ok) return fail(reply, auth.status === 401 ? 'unauthenticated' : 'forbidden', auth.message)
  const type = mediaType(request)
  if (!ACCEPTED_TYPES.has(type)) {
    return fail(reply, 'unsupported_media_type', `Content-Type ${type === '' ? 'is missing' : `"${type}" is not supported`}; send application/x-ndjson (${spec.typeHint})`)
  }
  const body = await decodedBody(request, deps.limits)
  const decoded = spec.decode(body, { limits: deps.limits })
  if (!decoded.ok) {
    deps.logger.debug({ reason: decoded.message }, `undecodable ${spec.noun} request answered 400`)
    return fail(reply, 'invalid_payload', decoded.message)
  }
  const { records, rejected } = decoded
  const rejectionMessage = decoded.rejectionMessage
  if (records.length === 0) return succeed(reply, 0, rejected, rejectionMessage)

  const batch: Batch = {
    id: batchId(request, body), source: spec.source,
    logs: spec.signal === 'logs' ? records as LogRecord[] : [], spans: spec.signal === 'spans' ? records as SpanRecord[] : [],
    principal: auth.principal, rejected, rejectionMessage,
  }
  let outcome: IngestOutcome
  try {
    outcome = await deps.ingest.submit(batch)
  } catch (err) {
    deps.logger.error({ err, records: records.length }, `${spec.noun} batch could not be handed to the ingest path`)
    reply.header('retry-after', String(INTERNAL_RETRY_AFTER_SECONDS))
    return fail(reply, 'unavailable', 'Beacon could not store this batch because of an internal error (logged on the server); retry later')
  }
  switch (outcome.status) {
    case 'ok':
      // outcome.rejected includes the decoder's rejections plus what the stages dropped.
      return succeed(reply, outcome.accepted, outcome.rejected, outcome.rejected > 0 ? outcome.message ?? rejectionMessage : undefined)
    case 'duplicate':
      return succeed(reply, outcome.accepted, rejected, rejectionMessage)
    case 'retry':
      reply.header('retry-after', String(outcome.retryAfterSeconds))
      return fail(reply, outcome.httpStatus === 503 ? 'unavailable' : 'overloaded', `${outcome.reason}; retry after ${outcome.retryAfterSeconds} s`)
  }
}

function succeed(reply: FastifyReply, accepted: number, rejected: number, message: string | undefined): FastifyReply {
  return reply.code(200).send(message === undefined || message === '' ? { accepted, rejected } : { accepted, rejected, message })
}

function fail(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply.code(new BeaconError(code, message).status).send(errorBody(code, message))
}

/** Errors raised outside the handler (body over the limit, bad gzip) or thrown by it. */
function onError(err: FastifyError, request: FastifyRequest, reply: FastifyReply, deps: ReceiverDeps, spec: LinesSpec): FastifyReply {
  if (err instanceof BeaconError) return reply.code(err.status).send(err.body())
  const status = err.statusCode ?? 500
  if (status === 413) {
    return fail(reply, 'payload_too_large', `request body is larger than ${deps.limits.maxBodyBytes} bytes (limits.maxBodyBytes); send smaller batches`)
  }
  if (status >= 400 && status < 500) return reply.code(status).send(errorBody('bad_request', err.message))
  deps.logger.error({ err, url: request.url.split('?')[0] }, `${spec.noun} request failed`)
  return fail(reply, 'internal', 'internal error (logged on the server)')
}
