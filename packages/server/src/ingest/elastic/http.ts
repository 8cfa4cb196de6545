import { createHash } from 'node:crypto'
import { gunzip, type InputType } from 'node:zlib'
import { promisify } from 'node:util'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { BeaconError, type ErrorCode } from '../../errors.ts'
import { decodedBody, mediaType } from '../http-body.ts'
import type { IngestAuth, IngestPrincipal } from '../receiver.ts'
import type { Limits } from './flatten.ts'
import { esError } from './response.ts'

/** HTTP plumbing of the Elasticsearch listener: product header, auth, bodies, errors. */

export const JSON_TYPE = 'application/json; charset=UTF-8'

/**
 * Request bodies accepted: Elasticsearch's JSON and NDJSON types (the v8/v9 clients send the
 * `vnd.elasticsearch` ones), none at all, and `text/json`, which older rsyslog omelasticsearch sends.
 */
const ACCEPTED_TYPES: ReadonlySet<string> = new Set([
  '', 'application/json', 'application/x-ndjson',
  'application/vnd.elasticsearch+json', 'application/vnd.elasticsearch+x-ndjson', 'text/json',
])

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', JSON_TYPE).send(typeof body === 'string' ? body : JSON.stringify(body))
}

export function sendError(reply: FastifyReply, status: number, type: string, reason: string): FastifyReply {
  return sendJson(reply, status, esError(status, type, reason))
}

const principals = new WeakMap<FastifyRequest, IngestPrincipal>()

/** Who sent the request (set by the auth hook). */
export function principalOf(request: FastifyRequest): IngestPrincipal {
  return principals.get(request) ?? {}
}

/**
 * Every response says it comes from Elasticsearch (`X-Elastic-Product`: the official clients ≥ 7.14
 * and Beats refuse a server without it), and every request is authenticated (`Authorization:
 * ApiKey …` or `Basic …`, as shippers send them).
 */
export function installHooks(app: FastifyInstance, auth: IngestAuth): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-elastic-product', 'Elasticsearch')
    return payload
  })
  app.addHook('onRequest', async (request, reply) => {
    const result = await auth.authenticate(request.headers)
    if (result.ok) {
      principals.set(request, result.principal)
      return
    }
    const path = request.url.split('?')[0]
    if (result.status === 401) {
      const header = { 'WWW-Authenticate': ['Basic realm="security" charset="UTF-8"', 'ApiKey'] }
      reply.header('www-authenticate', header['WWW-Authenticate'])
      return sendJson(reply, 401, esError(401, 'security_exception', `${result.message} (request [${path}])`, { header }))
    }
    return sendJson(reply, 403, esError(403, 'security_exception', `${result.message} (request [${path}])`))
  })
}

const ERROR_TYPES: Partial<Record<ErrorCode, string>> = {
  payload_too_large: 'content_too_long_exception',
  unsupported_media_type: 'media_type_header_exception',
  invalid_payload: 'parse_exception',
  bad_request: 'illegal_argument_exception',
  unauthenticated: 'security_exception',
  forbidden: 'security_exception',
  overloaded: 'es_rejected_execution_exception',
}

/** Errors and unknown paths answered in Elasticsearch's error shape. */
export function installErrorHandling(app: FastifyInstance, log: Logger, limits: Limits): void {
  app.setErrorHandler((err: FastifyError | BeaconError | Error, request, reply) => {
    if (err instanceof BeaconError) {
      return sendError(reply, err.status, ERROR_TYPES[err.code] ?? err.code, err.message)
    }
    const e = err as FastifyError
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 413, 'content_too_long_exception',
        `request body is larger than ${limits.maxBodyBytes} bytes (limits.maxBodyBytes); lower the shipper's bulk size (Filebeat bulk_max_size, Logstash batch size, Fluent Bit Buffer_Size) or raise the limit`)
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return sendError(reply, e.statusCode, 'illegal_argument_exception', e.message)
    }
    log.error({ err: { message: e.message, stack: e.stack }, url: request.url.split('?')[0] }, 'elasticsearch request failed')
    return sendError(reply, 500, 'exception', 'internal error; see the Beacon log for details')
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]
    return sendError(reply, 404, 'resource_not_found_exception',
      `no handler found for uri [${path}] and method [${request.method}]; Beacon answers the Elasticsearch APIs log shippers use (_bulk, /{index}/_doc, templates, ILM, _license, _nodes)`)
  })
}

/** Answers 415 (and returns false) unless the body's media type is one Elasticsearch takes. */
export function checkContentType(request: FastifyRequest, reply: FastifyReply): boolean {
  const type = mediaType(request)
  if (ACCEPTED_TYPES.has(type)) return true
  sendError(reply, 415, 'media_type_header_exception',
    `Content-Type header [${type}] is not supported; send application/json or application/x-ndjson`)
  return false
}

const gunzipAsync = promisify(gunzip) as (b: InputType, o: { maxOutputLength: number }) => Promise<Buffer>

/**
 * The decompressed request body. Besides `Content-Encoding`, a body that starts with the gzip magic
 * bytes is inflated too: some shippers compress without saying so.
 */
export async function readBody(request: FastifyRequest, limits: Limits): Promise<Buffer> {
  const body = await decodedBody(request, limits)
  if (body.length < 2 || body[0] !== 0x1f || body[1] !== 0x8b || request.headers['content-encoding']) return body
  try {
    return await gunzipAsync(body, { maxOutputLength: limits.maxDecompressedBytes })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /buffer|too large/i.test((err as Error).message)) {
      throw new BeaconError('payload_too_large', `Decompressed body exceeds ${limits.maxDecompressedBytes} bytes (limits.maxDecompressedBytes); send smaller batches`)
    }
    throw new BeaconError('invalid_payload', `Body looks gzip-compressed but is not valid gzip data: ${(err as Error).message}`)
  }
}

/**
 * The batch id: the client's `Idempotency-Key` when given, else a hash of path and body — a
 * shipper re-sending the same request after a lost response is recognised. (Not X-Request-Id:
 * proxies mint a new one per attempt.)
 */
export function batchId(request: FastifyRequest, body: Buffer): string {
  const given = request.headers['idempotency-key']
  const key = Array.isArray(given) ? given[0] : given
  if (key) return key
  return createHash('sha256').update(request.url).update('\n').update(body).digest('hex')
}
