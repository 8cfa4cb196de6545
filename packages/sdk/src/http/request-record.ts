/**
 * What a request record holds, shared by the Fastify plugin and the Express middleware:
 * one INFO record per request ("data in, data out") and one ERROR record per failed request.
 * Attribute names follow the OpenTelemetry semantic conventions.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { infoWriterOf } from '../logging/logger.ts'
import { isSecretKey, mayHaveSecretKeys, redact, redactString, REDACTED } from '../redact/redact.ts'
import { currentBusinessKeys } from '../telemetry/business-keys.ts'

type Id = string | number | undefined

export interface RequestLoggingOptions<Req = unknown> {
  /** The logger request records are written to. */
  logger: Logger
  /** Resolves the user id of a request (default: `req.user.id`, then baggage `user.id`). */
  userId?: (req: Req) => Id
  /** Resolves the order id (default: route params, body, response body, baggage). */
  orderId?: (req: Req) => Id
  /** Bodies are cut after this many characters (default 4096); 0 turns body capture off. */
  bodyLimit?: number
  /** Requests for which no record is written (e.g. health checks). */
  ignore?: (url: string) => boolean
}

/** Keys set by a handler for its request record (`tagRequest`). */
export interface RequestKeys { orderId?: Id; userId?: Id }

const tagged = new WeakMap<object, RequestKeys>()

/**
 * Attaches business keys to a request so its request record carries them; accepts a Fastify
 * request, an Express request or a raw `IncomingMessage`.
 * @example tagRequest(request, { orderId: order.id })
 */
export function tagRequest(req: object, keys: RequestKeys): void {
  const raw = (req as { raw?: object }).raw ?? req
  tagged.set(raw, { ...tagged.get(raw), ...keys })
}

export function taggedKeys(req: object): RequestKeys | undefined {
  return tagged.get((req as { raw?: object }).raw ?? req)
}

const ORDER_KEYS = ['orderId', 'order_id', 'orderNumber', 'order_number', 'order.id']

/** Finds an order id in an object's usual keys (`orderId`, `order_id`, `orderNumber`, `order.id`, `order: { id }`). */
export function findOrderId(source: unknown, idMeansOrder = false): string | undefined {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return undefined
  const o = source as Record<string, unknown>
  for (const k of ORDER_KEYS) {
    const v = o[k]
    if (typeof v === 'string' || typeof v === 'number') return String(v)
  }
  const nested = o.order
  if (nested !== null && typeof nested === 'object') {
    const v = (nested as Record<string, unknown>).id
    if (typeof v === 'string' || typeof v === 'number') return String(v)
  }
  if (idMeansOrder && (typeof o.id === 'string' || typeof o.id === 'number')) return String(o.id)
  return undefined
}

/** Runs a user-supplied resolver; its failure means "unknown", never an exception in the service. */
export function safe<T>(fn: () => T): T | undefined {
  try {
    return fn()
  } catch {
    return undefined
  }
}

/**
 * A request's user and order id: keys the handler tagged, then the configured resolvers, then the
 * route, bodies and query, then the active context (baggage).
 */
export function requestKeys<Req extends { params?: unknown; body?: unknown; query?: unknown }>(
  req: Req, route: string | undefined, opts: RequestLoggingOptions<Req>, responseBody?: unknown,
): { userId: Id; orderId: Id } {
  const tags = taggedKeys(req)
  const userIdOf = opts.userId ?? defaultUserId
  return {
    userId: tags?.userId ?? safe(() => userIdOf(req)) ?? currentBusinessKeys().userId,
    orderId: tags?.orderId ?? safe(() => opts.orderId?.(req)) ?? resolveOrderId(route, req.params, req.body, responseBody, req.query),
  }
}

/** `safe(() => fn(req))` without a closure per call; undefined when there is no `fn`. */
export function callSafely<Req>(fn: ((req: Req) => Id) | undefined, req: Req): Id {
  if (fn === undefined) return undefined
  try {
    return fn(req)
  } catch {
    return undefined
  }
}

/** Default user id: an authenticated `req.user` (id or sub). */
export function defaultUserId(req: unknown): Id {
  const user = (req as { user?: { id?: Id; sub?: Id } } | undefined)?.user
  return user?.id ?? user?.sub
}

/** A body as text for a record: parsed JSON is redacted structurally, text by pattern; then cut. */
export function captureBody(body: unknown, limit: number): string | undefined {
  if (limit <= 0 || body === undefined || body === null || body === '') return undefined
  let text: string
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const s = typeof body === 'string' ? body : body.toString('utf8', 0, Math.min(body.length, limit * 4))
    const t = s.trimStart()
    const json = t.startsWith('{') || t.startsWith('[')
    if (!json || !mayHaveSecretKeys(s)) {
      // No secret keys: pattern redaction of the text is enough — no parse, no re-serialization.
      // Redact a little past the limit so a card number across the cut is masked whole.
      text = redactString(s.length > limit + 64 ? s.slice(0, limit + 64) : s)
    } else if (s.length <= 1_000_000) {
      try {
        text = JSON.stringify(redact(JSON.parse(s)))
      } catch {
        text = redactString(s)
      }
    } else text = redactString(s)
  } else if (typeof body === 'object') {
    try {
      text = JSON.stringify(redact(body)) ?? ''
    } catch {
      return '[unserializable]'
    }
  } else text = redactString(String(body))
  return text.length > limit ? `${text.slice(0, limit)}…[truncated]` : text
}

/** Parses a JSON body if it looks like one (for order id discovery); never throws. */
export function parseJsonBody(body: unknown): unknown {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return body
  const s = typeof body === 'string' ? body : body.toString('utf8')
  if (s.length > 100_000 || !/^\s*[{[]/.test(s)) return undefined
  try {
    return JSON.parse(s)
  } catch {
    return undefined
  }
}

/** Request headers minus secrets (authorization, cookies, API keys, tokens), as `http.request.header.*`. */
export function headerAttributes(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name in headers) {
    const v = headers[name]
    if (v === undefined) continue
    out[`http.request.header.${name}`] = isSecretKey(name) ? REDACTED : redactString(Array.isArray(v) ? v.join(', ') : v)
  }
  return out
}

export interface RequestFacts {
  method: string
  route: string | undefined
  url: string
  status: number
  durationMs: number
  clientIp: string | undefined
  userAgent: string | undefined
  userId: Id
  orderId: Id
  requestBody?: string
  responseBody?: string
  requestSize?: number
  responseSize?: number
}

/** Whether a response body can hold an order id at all (so most bodies are never parsed for one). */
function mayNameOrder(body: unknown, idMeansOrder: boolean): boolean {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return body !== undefined && body !== null
  const s = typeof body === 'string' ? body : body.toString('latin1', 0, 100_000)
  return /order/i.test(s) || (idMeansOrder && s.includes('"id"'))
}

/** Resolves the order id of a request from route params, bodies, query and baggage (the active context's unless given). */
export function resolveOrderId(route: string | undefined, params: unknown, requestBody: unknown, responseBody: unknown, query?: unknown, baggage?: { orderId?: string }): string | undefined {
  const isOrderRoute = route !== undefined && /order/i.test(route)
  return findOrderId(params, isOrderRoute && /:id\b/.test(route ?? ''))
    ?? findOrderId(requestBody)
    ?? findOrderId(query)
    ?? (mayNameOrder(responseBody, isOrderRoute) ? findOrderId(parseJsonBody(responseBody), isOrderRoute) : undefined)
    ?? (baggage ?? currentBusinessKeys()).orderId
}

/** A short digest of a request body as captured (redacted, cut): 16 hex chars of SHA-256. */
export function bodyHash(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16)
}

/** Writes the INFO record for one request. */
export function logRequest(logger: Logger, f: RequestFacts): void {
  const q = f.url.indexOf('?')
  const path = q >= 0 ? f.url.slice(0, q) : f.url
  const record: Record<string, unknown> = {
    'http.request.method': f.method,
    'http.route': f.route,
    'url.path': path,
    'url.query': q >= 0 ? redactString(f.url.slice(q + 1)) : undefined,
    'http.response.status_code': f.status,
    'http.server.request.duration_ms': Math.round(f.durationMs * 1000) / 1000,
    'client.address': f.clientIp,
    'user_agent.original': f.userAgent,
    'user.id': f.userId === undefined ? undefined : String(f.userId),
    'order.id': f.orderId === undefined ? undefined : String(f.orderId),
    'http.request.body.content': f.requestBody,
    // Same request data → same hash: Beacon's "many identical requests" detector counts per hash.
    'http.request.body.hash': f.requestBody ? bodyHash(f.requestBody) : undefined,
    'http.response.body.content': f.responseBody,
    'http.request.body.size': f.requestSize,
    'http.response.body.size': f.responseSize,
  }
  const msg = `${f.method} ${f.route ?? path} ${f.status} ${f.durationMs.toFixed(1)}ms`
  const write = infoWriterOf(logger)
  if (write !== undefined) write(record, msg)
  else logger.info(record, msg)
}

export interface ErrorFacts {
  method: string
  route: string | undefined
  url: string
  status: number
  params: unknown
  query: unknown
  headers: IncomingHttpHeaders
  userId: Id
  orderId: Id
}

/** Writes the ERROR record (WARN for a client error, status < 500) for a failed request. */
export function logRequestError(logger: Logger, err: Error, f: ErrorFacts): void {
  const record: Record<string, unknown> = {
    err,
    'http.request.method': f.method,
    'http.route': f.route,
    'url.path': f.url.split('?')[0],
    'http.response.status_code': f.status,
    'http.request.params': redact(f.params),
    'http.request.query': redact(f.query),
    ...headerAttributes(f.headers),
    'user.id': f.userId === undefined ? undefined : String(f.userId),
    'order.id': f.orderId === undefined ? undefined : String(f.orderId),
  }
  const level = f.status >= 500 ? 'error' : 'warn'
  logger[level](record, `${f.method} ${f.route ?? f.url} failed: ${err.message}`)
}
