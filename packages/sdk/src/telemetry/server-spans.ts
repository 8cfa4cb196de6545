/**
 * The HTTP server span of each incoming request, remembered by the HTTP instrumentation's
 * request hook, so request logging can tag it with business keys found later in the request
 * (Fastify's own spans are what is active inside its hooks, not this one).
 */
import type { IncomingMessage } from 'node:http'
import type { Span } from '@opentelemetry/api'

const serverSpans = new WeakMap<object, Span>()

export function rememberServerSpan(req: IncomingMessage | object, span: Span): void {
  serverSpans.set(req, span)
}

export function serverSpanOf(req: IncomingMessage | object): Span | undefined {
  return serverSpans.get(req)
}
