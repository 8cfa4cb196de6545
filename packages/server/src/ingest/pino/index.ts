import { createLinesReceiver } from '../lines-receiver.ts'
import type { Receiver } from '../receiver.ts'
import { decodePinoLines } from './decode.ts'

/**
 * pino lines receiver, on the OTLP/HTTP listener (same port, same ingest keys as /v1/logs). What the
 * SDK's export worker sends: pino's JSON lines as they were written, after one resource line
 * (decode.ts). Answers, limits, auth and retries: lines-receiver.ts.
 */
export const PINO_LINES_PATH = '/v1/pino-lines'

/**
 * The receiver. Registers `POST /v1/pino-lines` (and its error handler) on the instance it is given,
 * which must have `acceptRawBodies` applied.
 *
 * @example
 *   await createPinoLinesReceiver()(app, { ingest, limits: config.limits, logger, auth })
 *   // (echo '{"resource":{"service.name":"shop-api"}}'; cat app.log) |
 *   //   curl -H 'content-type: application/x-ndjson' -H "authorization: Bearer $KEY" --data-binary @- localhost:4318/v1/pino-lines
 */
export function createPinoLinesReceiver(): Receiver {
  return createLinesReceiver({
    path: PINO_LINES_PATH, source: 'pino', noun: 'pino lines', signal: 'logs', decode: decodePinoLines,
    typeHint: 'one pino JSON line per line, after a resource line',
  })
}
