/**
 * The HTTP server span of each incoming request, remembered by the HTTP instrumentation's
 * request hook, so request logging can tag it with business keys found later in the request
 * (Fastify's own spans are what is active inside its hooks, not this one).
 */
import type { IncomingMessage } from 'node:http'
import type { Span } from '@opentelemetry/api'

// A symbol-keyed property rather than a WeakMap: one WeakMap entry per request cost ≈ 1.3 % of a
// hello-world service's thread in a CPU profile (plus the collector's ephemeron work).
const SERVER_SPAN = Symbol('beacon.server-span')

export function rememberServerSpan(req: IncomingMessage | object, span: Span): void {
  (req as { [SERVER_SPAN]?: Span })[SERVER_SPAN] = span
}

export function serverSpanOf(req: IncomingMessage | object): Span | undefined {
  return (req as { [SERVER_SPAN]?: Span })[SERVER_SPAN]
}
