import { createHash } from 'node:crypto'
import { gunzip, inflate, brotliDecompress, type InputType } from 'node:zlib'
import { promisify } from 'node:util'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { BeaconError } from '../errors.ts'
import type { Config } from '../config/schema.ts'

const decoders: Record<string, (b: InputType, o: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip) as never,
  'x-gzip': promisify(gunzip) as never,
  deflate: promisify(inflate) as never,
  br: promisify(brotliDecompress) as never,
}

/**
 * Makes a Fastify instance hand every request body to routes as a raw Buffer (receivers decode
 * themselves), with the configured wire-size limit. Over the limit Fastify answers 413.
 */
export function acceptRawBodies(app: FastifyInstance, limits: Config['limits']): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (_req, body, done) => done(null, body))
}

/**
 * The request body, decompressed per `Content-Encoding` (gzip, deflate, br), never larger than
 * `maxDecompressedBytes` (a gzip bomb is stopped at the limit, not inflated in memory).
 */
export async function decodedBody(request: FastifyRequest, limits: Config['limits']): Promise<Buffer> {
  const raw = request.body
  const body = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0)
  const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
  if (encoding === '' || encoding === 'identity') return body
  const decode = decoders[encoding]
  if (!decode) {
    throw new BeaconError('unsupported_media_type', `Content-Encoding "${encoding}" is not supported; send gzip, deflate, br or identity`)
  }
  try {
    return await decode(body, { maxOutputLength: limits.maxDecompressedBytes })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /buffer|too large|maxOutputLength/i.test((err as Error).message)) {
      throw new BeaconError('payload_too_large', `Decompressed body exceeds ${limits.maxDecompressedBytes} bytes (limits.maxDecompressedBytes); send smaller batches`)
    }
    throw new BeaconError('invalid_payload', `Body is not valid ${encoding} data: ${(err as Error).message}`)
  }
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(request: FastifyRequest): string {
  return String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
}

/**
 * Identifies the request's content so a client's retry of it is recognised: the client's
 * Idempotency-Key when given, else the decompressed body; with the path, so the same key on
 * /v1/logs and /v1/traces names two batches. Used by the OTLP/HTTP and pino lines receivers.
 * (Not X-Request-Id: proxies such as Envoy or nginx mint a new one per attempt, which would make a
 * retry look new.)
 */
export function batchId(request: FastifyRequest, body: Buffer): string {
  const path = request.url.split('?')[0]
  const given = request.headers['idempotency-key']
  const key = (Array.isArray(given) ? given[0] : given) ?? ''
  const hash = createHash('sha256').update(path).update('\n')
  if (key !== '') hash.update('key:').update(key)
  else hash.update(body)
  return hash.digest('hex')
}
