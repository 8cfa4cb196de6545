import type { FastifyError, FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { QueryError } from '@beacon/query'
import { BeaconError, ERRORS, MESSAGES, errorBody, type ErrorCode } from '../errors.ts'

/**
 * One error handler for the API: every body from the catalogue (errors.ts).
 *   BeaconError          → its status and body
 *   QueryError (query)   → 400 invalid_query with the position and what was expected
 *   Fastify's own 4xx    → that status (validation, body too large, bad JSON) as bad_request & co.
 *   anything else        → logged, 500 internal without internals
 */
export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError | BeaconError | Error, request, reply) => {
    if (err instanceof BeaconError) return reply.status(err.status).send(err.body())
    if (err instanceof QueryError) {
      return reply.status(ERRORS.invalid_query).send(errorBody('invalid_query', err.message, { position: err.position, expected: err.expected }))
    }
    const e = err as FastifyError
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.status(e.statusCode).send(errorBody(codeForStatus(e.statusCode), e.message))
    }
    log.error({ err: { message: e.message, stack: e.stack }, url: request.url.split('?')[0] }, 'request failed')
    return reply.status(ERRORS.internal).send(errorBody('internal', MESSAGES.internal))
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(ERRORS.not_found).send(errorBody('not_found', MESSAGES.noRoute(request.method, request.url)))
  })
}

/** The catalogue code for a client-error status raised by Fastify itself. */
function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401: return 'unauthenticated'
    case 403: return 'forbidden'
    case 404: return 'not_found'
    case 413: return 'payload_too_large'
    case 415: return 'unsupported_media_type'
    case 429: return 'overloaded'
    default: return 'bad_request'
  }
}
