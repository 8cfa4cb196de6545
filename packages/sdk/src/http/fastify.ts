/**
 * Fastify request logging: one INFO record per request (method, route template, URL, status,
 * duration, user id, order id, client IP, request and response bodies up to a limit, redacted)
 * and an ERROR record per failed request (message, stack, params, query, headers minus secrets).
 *
 *   onRequest ── note start ─▶ handler ─▶ onError (ERROR record) ─▶ onSend (keep response body) ─▶ onResponse (INFO record)
 */
import { context, type Span } from '@opentelemetry/api'
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify'
import {
  callSafely, captureBody, defaultUserId, logRequest, logRequestError, requestKeys, resolveOrderId, safe, taggedKeys,
  type RequestLoggingOptions,
} from './request-record.ts'
import { currentBusinessKeys } from '../telemetry/business-keys.ts'
import { serverSpanOf } from '../telemetry/server-spans.ts'
import { spanOf } from '../telemetry/tracer.ts'

interface RequestState {
  /** The route template: Fastify's `routeOptions` getter builds a new object (and looks up a constraint strategy) on every read. */
  route: string | undefined
  responseBody?: unknown
  errorLogged?: boolean
  /** Resolved once in onSend (the user id with the baggage's as fallback), reused by the request record. */
  orderId?: string
  userId?: string | number
  resolved?: boolean
  /** The HTTP server span (and @fastify/otel's request span if the service enabled it), tagged with the business keys before the response leaves. */
  spans: Span[]
}

const STATE = Symbol('beacon.request')

type WithState = FastifyRequest & { [STATE]?: RequestState }

export type FastifyRequestLoggingOptions = RequestLoggingOptions<FastifyRequest>

/**
 * The Fastify plugin. Register it before your routes; it applies to the whole instance.
 * Pass the SDK logger as Fastify's `loggerInstance` and set `disableRequestLogging: true`, so
 * each request gives exactly one record.
 * @example
 * const log = createLogger()
 * const app = Fastify({ loggerInstance: log, disableRequestLogging: true })
 * await app.register(beaconFastify({ logger: log, userId: (req) => req.user?.id }))
 */
export function beaconFastify(opts: FastifyRequestLoggingOptions): FastifyPluginCallback {
  const limit = opts.bodyLimit ?? 4096
  const userIdOf = opts.userId ?? defaultUserId
  /**
   * What a request is about: the handler's tags, the resolvers, then the route, bodies, query and
   * baggage (`userId` without the baggage's, which the spans already carry: `baggageUserId`).
   */
  const resolveKeys = (req: FastifyRequest, route: string | undefined, responseBody: unknown) => {
    const tags = taggedKeys(req)
    const baggage = currentBusinessKeys()
    return {
      orderId: tags?.orderId ?? callSafely(opts.orderId, req) ?? resolveOrderId(route, req.params, req.body, responseBody, req.query, baggage),
      userId: tags?.userId ?? callSafely(userIdOf, req),
      baggageUserId: baggage.userId,
    }
  }
  const plugin: FastifyPluginCallback = (app: FastifyInstance, _o, done) => {
    app.addHook('onRequest', (req, _reply, next) => {
      const spans: Span[] = []
      const route = req.routeOptions.url
      const server = serverSpanOf(req.raw)
      if (server !== undefined) {
        spans.push(server)
        // The server span is the HTTP instrumentation's: name it after the route template.
        if (route !== undefined) {
          server.setAttribute('http.route', route)
          server.updateName(`${req.method} ${route}`)
        }
      }
      const active = spanOf(context.active())
      if (active !== undefined && active !== server) spans.push(active)
      const otel = (req as unknown as { opentelemetry?: () => { span?: Span } }).opentelemetry
      if (typeof otel === 'function') {
        const fastifySpan = safe(() => otel.call(req).span)
        if (fastifySpan !== undefined && !spans.includes(fastifySpan)) spans.push(fastifySpan)
      }
      ;(req as WithState)[STATE] = { route, spans }
      next()
    })

    app.addHook('onSend', (req, _reply, payload, next) => {
      try {
        const st = (req as WithState)[STATE]
        if (st !== undefined) {
          if (typeof payload === 'string' || Buffer.isBuffer(payload)) st.responseBody = payload
          // Spans end with the response: tag them now with what the request turned out to be about.
          const { orderId, userId, baggageUserId } = resolveKeys(req, st.route, st.responseBody)
          st.orderId = orderId === undefined ? undefined : String(orderId)
          st.userId = userId ?? baggageUserId
          st.resolved = true
          for (const span of st.spans) {
            if (orderId !== undefined) span.setAttribute('order.id', String(orderId))
            if (userId !== undefined) span.setAttribute('user.id', String(userId))
          }
        }
      } catch {
        // never throw into the service
      }
      next(null, payload)
    })

    app.addHook('onError', (req, reply, error, next) => {
      try {
        const st = (req as WithState)[STATE]
        if (st !== undefined) st.errorLogged = true
        const route = req.routeOptions.url
        logRequestError(opts.logger, error, {
          method: req.method,
          route,
          url: req.url,
          status: reply.statusCode >= 400 ? reply.statusCode : ((error as { statusCode?: number }).statusCode ?? 500),
          params: req.params,
          query: req.query,
          headers: req.headers,
          ...requestKeys(req, route, opts),
        })
      } catch {
        // never throw into the service
      }
      next()
    })

    app.addHook('onResponse', (req, reply, next) => {
      try {
        const url = req.url
        if (opts.ignore?.(url)) return next()
        const st = (req as WithState)[STATE]
        const route = st !== undefined ? st.route : req.routeOptions.url
        const responseBody = st?.responseBody
        // Resolved in onSend; without it (a response that skipped onSend) the same way here.
        const keys = st?.resolved ? undefined : resolveKeys(req, route, responseBody)
        logRequest(opts.logger, {
          method: req.method,
          route,
          url,
          status: reply.statusCode,
          durationMs: reply.elapsedTime,
          clientIp: req.ip,
          userAgent: req.headers['user-agent'],
          userId: keys === undefined ? st?.userId : keys.userId ?? keys.baggageUserId,
          orderId: keys === undefined ? st?.orderId : keys.orderId,
          requestBody: captureBody(req.body, limit),
          responseBody: captureBody(responseBody, limit),
          requestSize: numberOr(req.headers['content-length']),
          responseSize: numberOr(reply.getHeader('content-length')),
        })
      } catch {
        // never throw into the service
      }
      next()
    })
    done()
  }
  // Like fastify-plugin: the hooks apply to the parent instance, not an encapsulated child.
  ;(plugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true
  ;(plugin as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = '@beacon/sdk'
  return plugin
}

function numberOr(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN
  return Number.isFinite(n) ? n : undefined
}
