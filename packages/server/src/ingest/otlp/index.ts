import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BeaconError } from '../../errors.ts'
import type { IngestOutcome } from '../../pipeline/pipeline.ts'
import type { Batch, LogRecord, SpanRecord } from '../../pipeline/record.ts'
import { batchId, decodedBody, mediaType } from '../http-body.ts'
import type { Receiver, ReceiverDeps } from '../receiver.ts'
import { decodeLogs, decodeTraces, type DecodeResult, type OtlpFormat } from './decode.ts'
import { CONTENT_TYPES, exportResponse, statusBody, type OtlpSignal } from './responses.ts'

/**
 * OTLP/HTTP receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp), on the OTLP listener:
 *
 *   POST /v1/logs | /v1/traces   (application/x-protobuf | application/json, optionally gzip)
 *     auth ──✗──▶ 401/403 Status
 *     content type ──✗──▶ 415 Status          body over the limit (wire or inflated) ──▶ 413 Status
 *     decode ──✗──▶ 400 Status (what is wrong, where)
 *     Batch ──▶ ingest.submit ──▶ ok        → 200 Export*ServiceResponse (partial_success when rejected > 0)
 *                                 duplicate → 200 (already stored)
 *                                 retry     → 429 Status + Retry-After
 *                                 throws    → 503 Status + Retry-After (logged; nothing was stored)
 *   POST /v1/metrics  accepted and dropped: 200 with a partial_success warning, one log line a minute.
 *     (The spec allows 404 too; accepting keeps SDKs that export every signal to one endpoint quiet,
 *     and the warning tells the sender, in its own logs, that metrics are not stored.)
 *
 * Responses use the request's encoding (protobuf or JSON; JSON when the type is unsupported).
 */

/** How often the "metrics dropped" line is logged, at most. */
const METRICS_LOG_INTERVAL_MS = 60_000
const METRICS_WARNING = 'Beacon does not store metrics: this export was accepted and dropped. Send logs to /v1/logs and traces to /v1/traces.'
/** Retry-After for a batch the ingest path failed on unexpectedly (logged). */
const INTERNAL_RETRY_AFTER_SECONDS = 5

/**
 * The OTLP/HTTP receiver. Registers POST /v1/logs, /v1/traces and /v1/metrics, an error handler
 * that answers in OTLP's google.rpc.Status form (413 from the body limit included) and a 404 for
 * other paths, on the instance it is given (which must have `acceptRawBodies` applied).
 *
 * @example
 *   const app = Fastify()
 *   acceptRawBodies(app, config.limits)
 *   await createOtlpReceiver()(app, { ingest, limits: config.limits, logger, auth })
 *   await app.listen({ port: 4318 })
 */
export function createOtlpReceiver(): Receiver {
  return async (app: FastifyInstance, deps: ReceiverDeps) => {
    await app.register(async (otlp) => {
      const handler = new OtlpHandler(deps)
      otlp.setErrorHandler((err: FastifyError, request, reply) => handler.error(err, request, reply))
      otlp.setNotFoundHandler((request, reply) => handler.notFound(request, reply))
      otlp.post('/v1/logs', (request, reply) => handler.export('logs', request, reply))
      otlp.post('/v1/traces', (request, reply) => handler.export('traces', request, reply))
      otlp.post('/v1/metrics', (request, reply) => handler.metrics(request, reply))
    })
  }
}

/** The request's OTLP encoding from its Content-Type, undefined when unsupported. */
function formatOf(request: FastifyRequest): OtlpFormat | undefined {
  const type = mediaType(request)
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf'
  if (type === 'application/json') return 'json'
  return undefined
}

class OtlpHandler {
  private readonly deps: ReceiverDeps
  private metricsDropped = { requests: 0, bytes: 0, since: 0, lastLog: -Infinity }

  constructor(deps: ReceiverDeps) {
    this.deps = deps
  }

  async export(signal: 'logs' | 'traces', request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const format = formatOf(request)
    const auth = await this.deps.auth.authenticate(request.headers)
    if (!auth.ok) return this.fail(reply, format ?? 'json', auth.status, auth.message)
    if (format === undefined) return this.unsupportedType(request, reply)
    let body: Buffer
    try {
      body = await decodedBody(request, this.deps.limits)
    } catch (err) {
      if (err instanceof BeaconError) return this.fail(reply, format, err.status, err.message)
      throw err
    }
    const opts = { limits: this.deps.limits }
    const decoded: DecodeResult<LogRecord | SpanRecord> = signal === 'logs' ? decodeLogs(format, body, opts) : decodeTraces(format, body, opts)
    if (!decoded.ok) {
      this.deps.logger.debug({ signal, format, reason: decoded.message }, 'undecodable OTLP request answered 400')
      return this.fail(reply, format, 400, decoded.message)
    }
    const { records, rejected } = decoded
    const rejectionMessage = decoded.rejectionMessage ?? ''
    // An empty request is a success (spec); so is one whose every record was rejected.
    if (records.length === 0) return this.succeed(reply, format, signal, rejected, rejectionMessage)

    const batch: Batch = {
      id: batchId(request, body),
      source: 'otlp',
      logs: signal === 'logs' ? (records as LogRecord[]) : [],
      spans: signal === 'traces' ? (records as SpanRecord[]) : [],
      principal: auth.principal,
      rejected,
      rejectionMessage: rejectionMessage || undefined,
    }
    let outcome: IngestOutcome
    try {
      outcome = await this.deps.ingest.submit(batch)
    } catch (err) {
      this.deps.logger.error({ err, signal, records: records.length }, 'OTLP batch could not be handed to the ingest path')
      reply.header('retry-after', String(INTERNAL_RETRY_AFTER_SECONDS))
      return this.fail(reply, format, 503, 'Beacon could not store this batch because of an internal error (logged on the server); retry later')
    }
    switch (outcome.status) {
      case 'ok':
        // outcome.rejected includes batch.rejected (the decoder's) plus what the stages dropped.
        return this.succeed(reply, format, signal, outcome.rejected, outcome.rejected > 0 ? outcome.message ?? rejectionMessage : '')
      case 'duplicate':
        return this.succeed(reply, format, signal, rejected, rejectionMessage)
      case 'retry':
        reply.header('retry-after', String(outcome.retryAfterSeconds))
        return this.fail(reply, format, outcome.httpStatus ?? 429, `${outcome.reason}; retry after ${outcome.retryAfterSeconds} s`)
    }
  }

  async metrics(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const format = formatOf(request)
    const auth = await this.deps.auth.authenticate(request.headers)
    if (!auth.ok) return this.fail(reply, format ?? 'json', auth.status, auth.message)
    if (format === undefined) return this.unsupportedType(request, reply)
    const d = this.metricsDropped
    const now = Date.now()
    if (d.requests === 0) d.since = now
    d.requests++
    d.bytes += Buffer.isBuffer(request.body) ? request.body.length : 0
    if (now - d.lastLog >= METRICS_LOG_INTERVAL_MS) {
      this.deps.logger.warn(
        { requests: d.requests, bytes: d.bytes, since: new Date(d.since).toISOString() },
        `OTLP metrics are not stored by Beacon: dropped ${d.requests} export request(s) on /v1/metrics since ${new Date(d.since).toISOString()} (logged at most once a minute)`,
      )
      d.lastLog = now
      d.requests = 0
      d.bytes = 0
    }
    return this.succeed(reply, format, 'metrics', 0, METRICS_WARNING)
  }

  notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const message = `${request.method} ${request.url.split('?')[0]} is not an OTLP/HTTP endpoint; send POST /v1/logs, POST /v1/traces, POST /v1/metrics, POST /v1/pino-lines or POST /v1/span-lines (the Beacon SDK's log and span lines)`
    return this.fail(reply, formatOf(request) ?? 'json', 404, message)
  }

  /** Errors raised outside the handlers (body over the limit, bad Content-Length) or thrown by them. */
  error(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const format = formatOf(request) ?? 'json'
    if (err instanceof BeaconError) return this.fail(reply, format, err.status, err.message)
    const status = err.statusCode ?? 500
    if (status === 413) {
      const limit = this.deps.limits.maxBodyBytes
      return this.fail(reply, format, 413, `request body is larger than ${limit} bytes (limits.maxBodyBytes); send smaller batches`)
    }
    if (status >= 400 && status < 500) return this.fail(reply, format, status, err.message)
    this.deps.logger.error({ err, url: request.url.split('?')[0] }, 'OTLP request failed')
    return this.fail(reply, format, 500, 'internal error (logged on the server)')
  }

  private unsupportedType(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const type = mediaType(request)
    const message = `Content-Type ${type === '' ? 'is missing' : `"${type}" is not supported`}; send application/x-protobuf or application/json`
    return this.fail(reply, 'json', 415, message)
  }

  private succeed(reply: FastifyReply, format: OtlpFormat, signal: OtlpSignal, rejected: number, message: string): FastifyReply {
    return reply.code(200).type(CONTENT_TYPES[format]).send(exportResponse(format, signal, rejected, message))
  }

  private fail(reply: FastifyReply, format: OtlpFormat, status: number, message: string): FastifyReply {
    return reply.code(status).type(CONTENT_TYPES[format]).send(statusBody(format, status, message))
  }
}
