/**
 * Express request logging, the same records as the Fastify plugin: `beaconExpress()` first in
 * the chain (one INFO record per request, on `finish`), `beaconExpressErrors()` after the routes
 * (ERROR record, then passes the error on).
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express'
import {
  captureBody, defaultUserId, logRequest, logRequestError, requestKeys, resolveOrderId, taggedKeys,
  type RequestLoggingOptions,
} from './request-record.ts'
import { serverSpanOf } from '../telemetry/server-spans.ts'

export type ExpressRequestLoggingOptions = RequestLoggingOptions<Request>

const RESPONSE_BODY = Symbol('beacon.responseBody')
type WithBody = Response & { [RESPONSE_BODY]?: unknown }

function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined
}

/** Tags the HTTP server span with the request's business keys before the response leaves (the span ends with it). */
function tagServerSpan(req: Request, responseBody: unknown, userIdOf?: (req: Request) => unknown): void {
  try {
    const span = serverSpanOf(req)
    if (span === undefined) return
    const tags = taggedKeys(req)
    const orderId = tags?.orderId ?? resolveOrderId(routeOf(req), req.params, req.body, responseBody, req.query)
    const userId = tags?.userId ?? userIdOf?.(req) ?? defaultUserId(req)
    if (orderId !== undefined) span.setAttribute('order.id', String(orderId))
    if (userId !== undefined && userId !== null) span.setAttribute('user.id', String(userId))
  } catch {
    // never throw into the service
  }
}

/**
 * Request logging middleware.
 * @example
 * app.use(express.json())
 * app.use(beaconExpress({ logger: log }))
 * app.get('/orders/:orderId', handler)
 * app.use(beaconExpressErrors({ logger: log }))
 */
export function beaconExpress(opts: ExpressRequestLoggingOptions): RequestHandler {
  const limit = opts.bodyLimit ?? 4096
  const userIdOf = opts.userId ?? defaultUserId
  return (req, res, next) => {
    try {
      const start = process.hrtime.bigint()
      if (limit > 0) {
        const send = res.send.bind(res)
        res.send = (body?: unknown) => {
          ;(res as WithBody)[RESPONSE_BODY] ??= body
          tagServerSpan(req, body, userIdOf)
          return send(body)
        }
      }
      res.once('finish', () => {
        try {
          const url = req.originalUrl
          if (opts.ignore?.(url)) return
          const route = routeOf(req)
          const responseBody = (res as WithBody)[RESPONSE_BODY]
          logRequest(opts.logger, {
            method: req.method,
            route,
            url,
            status: res.statusCode,
            durationMs: Number(process.hrtime.bigint() - start) / 1e6,
            clientIp: req.ip,
            userAgent: req.headers['user-agent'],
            ...requestKeys(req, route, opts, responseBody),
            requestBody: captureBody(req.body, limit),
            responseBody: captureBody(responseBody, limit),
            requestSize: Number(req.headers['content-length']) || undefined,
            responseSize: Number(res.getHeader('content-length')) || undefined,
          })
        } catch {
          // never throw into the service
        }
      })
    } catch {
      // never throw into the service
    }
    next()
  }
}

/** Error middleware: writes the ERROR record for a failed request and passes the error on. */
export function beaconExpressErrors(opts: ExpressRequestLoggingOptions): ErrorRequestHandler {
  return (err, req, res, next) => {
    try {
      const error = err instanceof Error ? err : new Error(String(err))
      const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode ?? 500
      const route = routeOf(req)
      logRequestError(opts.logger, error, {
        method: req.method,
        route,
        url: req.originalUrl,
        status,
        params: req.params,
        query: req.query,
        headers: req.headers,
        ...requestKeys(req, route, opts),
      })
    } catch {
      // never throw into the service
    }
    next(err)
  }
}
