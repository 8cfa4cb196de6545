import type { FastifyError, FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { BeaconError } from '../errors.ts'

/** One error handler: known errors → their status and message; anything else → plain 500, logged. */
export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError | BeaconError | Error, request, reply) => {
    if (err instanceof BeaconError) {
      return reply.status(err.status).send({ error: err.code, message: err.message, ...err.details })
    }
    const e = err as FastifyError & { position?: number; expected?: string }
    // Query language errors carry a position (packages/query QueryError).
    if (e.code === 'invalid_query') {
      return reply.status(400).send({ error: 'invalid_query', message: e.message, position: e.position, expected: e.expected })
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.status(e.statusCode).send({ error: e.code ?? 'bad_request', message: e.message })
    }
    log.error({ err: { message: e.message, stack: e.stack }, url: request.url.split('?')[0] }, 'request failed')
    return reply.status(500).send({ error: 'internal', message: 'Internal error; see the Beacon log for details' })
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` })
  })
}
