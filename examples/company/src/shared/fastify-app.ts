/** The Fastify setup every company API shares: SDK logger, request logging, health and the crash switch. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { beaconFastify, type Beacon, type Logger } from '@beacon/sdk'
import { UpstreamError } from './http-client.ts'

export interface AppOptions {
  beacon: Beacon
  allowCrash: boolean
  userId?: (req: any) => string | number | undefined
}

/** A Fastify instance logging through the SDK's pino logger. */
export type App = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>

export async function createApp(opts: AppOptions): Promise<App> {
  const { logger } = opts.beacon
  // The services sit behind a load balancer on this host: a request relayed from loopback names its
  // client in X-Forwarded-For (the demo's DDoS scenario plays many clients that way).
  const app = Fastify({ loggerInstance: logger, disableRequestLogging: true, bodyLimit: 256 * 1024, trustProxy: ['127.0.0.1', '::1'] })
  await app.register(beaconFastify({ logger, userId: opts.userId, ignore: (url) => url === '/health' }))
  app.get('/health', async () => ({ status: 'ok' }))

  if (opts.allowCrash) {
    // The demo's "service crash": an exception nobody catches, outside any request handler.
    app.post('/debug/crash', async () => {
      setTimeout(() => { throw new Error('simulated crash: null reference in order sync loop') }, 50)
      return { crashing: true }
    })
  }

  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown }, _req, reply) => {
    if (error instanceof UpstreamError) {
      const status = error.status >= 500 ? 502 : error.status
      return reply.status(status).send({ error: `${error.service} request failed`, upstream: error.body })
    }
    if (error.validation !== undefined) return reply.status(400).send({ error: 'invalid request', message: error.message })
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
    return reply.status(status).send({ error: status >= 500 ? 'internal error' : error.message })
  })
  return app
}

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message)
    this.name = 'HttpError'
  }
}
