import { createLinesReceiver } from '../lines-receiver.ts'
import type { Receiver } from '../receiver.ts'
import { decodeSpanLines } from './decode.ts'

/**
 * Span lines receiver, on the OTLP/HTTP listener (same port, same ingest keys as /v1/traces). What the
 * SDK's export worker sends: its compact span lines as they were written, after one resource line
 * (decode.ts). Answers, limits, auth and retries: lines-receiver.ts.
 */
export const SPAN_LINES_PATH = '/v1/span-lines'

/**
 * The receiver. Registers `POST /v1/span-lines` (and its error handler) on the instance it is given,
 * which must have `acceptRawBodies` applied.
 *
 * @example
 *   await createSpanLinesReceiver()(app, { ingest, limits: config.limits, logger, auth })
 */
export function createSpanLinesReceiver(): Receiver {
  return createLinesReceiver({
    path: SPAN_LINES_PATH, source: 'span-lines', noun: 'span lines', signal: 'spans', decode: decodeSpanLines,
    typeHint: 'one span line per line, after a resource line',
  })
}
