/**
 * The HTTP server span of every incoming request, made by the SDK itself instead of
 * `@opentelemetry/instrumentation-http`'s incoming side (which stays on for outgoing `http.request`
 * calls). Same span, same context propagation, a fraction of the work per request:
 *
 *   server.emit('request', req, res)
 *     ─▶ W3C traceparent/tracestate + baggage extracted (only when the request carries them)
 *     ─▶ SERVER span `GET` (the Fastify plugin / Express middleware rename it `GET /route` and set `http.route`)
 *        attributes: http.request.method, url.path, url.scheme, server.address, client.address, user_agent.original
 *     ─▶ the request's listeners run in the span's context (AsyncLocalStorage)
 *     ─▶ response 'close': http.response.status_code, ERROR status for 5xx or an aborted response, end
 *
 * What it leaves out compared with the official instrumentation, on purpose: binding the request's
 * and response's event listeners to the context one by one (AsyncLocalStorage already carries it
 * into every callback), per-request metrics (the SDK exports no metrics), old semantic-convention
 * duplicates (`http.method`, `http.target`, …), peer/host port parsing and the query string on the
 * span (the request record has it, redacted).
 */
import http from 'node:http'
import https from 'node:https'
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api'
import { rememberServerSpan } from './server-spans.ts'
import { ChildContext, SPAN_KEY, SUPPRESS_TRACING_KEY } from './tracer.ts'

type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean

const PATCHED = Symbol.for('beacon.http-server.emit')

function onClose(this: http.ServerResponse): void {
  const res = this as unknown as { [PATCHED]?: Span }
  const span = res[PATCHED]
  if (span === undefined) return
  res[PATCHED] = undefined // 'close' is emitted once; this keeps the listener idempotent without once()'s wrapper
  const status = this.statusCode
  span.setAttribute('http.response.status_code', status)
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
  else if (!this.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'response aborted' })
  span.end()
}

function startServerSpan(tracer: Tracer, req: http.IncomingMessage, res: http.ServerResponse, scheme: string): Context {
  const headers = req.headers
  const parent = headers.traceparent !== undefined || headers.baggage !== undefined ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT
  const method = req.method ?? 'GET'
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const host = headers.host
  const colon = host === undefined ? -1 : host.lastIndexOf(':')
  const attributes: Attributes = { 'http.request.method': method, 'url.path': q >= 0 ? url.slice(0, q) : url, 'url.scheme': scheme }
  if (host !== undefined) attributes['server.address'] = colon > 0 && !host.endsWith(']') ? host.slice(0, colon) : host
  const client = req.socket?.remoteAddress
  if (client !== undefined) attributes['client.address'] = client
  const agent = headers['user-agent']
  if (agent !== undefined) attributes['user_agent.original'] = agent
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent)
  rememberServerSpan(req, span)
  ;(res as unknown as { [PATCHED]?: Span })[PATCHED] = span
  res.on('close', onClose)
  return new ChildContext(parent, SPAN_KEY, span) // trace.setSpan(parent, span)
}

function patch(proto: { emit: Emit }, tracer: Tracer, scheme: string): () => void {
  const original = proto.emit
  if ((original as unknown as { [PATCHED]?: boolean })[PATCHED]) return () => {}
  const emit: Emit = function (this: http.Server, event, ...args) {
    if (event !== 'request' || context.active().getValue(SUPPRESS_TRACING_KEY) === true) return original.call(this, event, ...args)
    let ctx
    try {
      ctx = startServerSpan(tracer, args[0] as http.IncomingMessage, args[1] as http.ServerResponse, scheme)
    } catch {
      return original.call(this, event, ...args) // never break the service
    }
    return context.with(ctx, original, this, event, ...args)
  }
  ;(emit as unknown as { [PATCHED]: boolean })[PATCHED] = true
  proto.emit = emit
  return () => { if (proto.emit === emit) proto.emit = original }
}

/** Starts making server spans for every HTTP and HTTPS server of the process; returns the undo. */
export function instrumentHttpServers(tracer: Tracer): () => void {
  const undo = [
    patch(http.Server.prototype as unknown as { emit: Emit }, tracer, 'http'),
    patch(https.Server.prototype as unknown as { emit: Emit }, tracer, 'https'),
  ]
  return () => { for (const u of undo) u() }
}
