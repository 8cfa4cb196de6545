/**
 * The server's catalogue of coded errors. Every error a client can see has a code here, an HTTP
 * status and a message a person can act on, and every HTTP error body is built here (`errorBody`):
 * `{ error: <code>, message, …details }`. The HTTP error handler (api/http-errors.ts) maps
 * BeaconError and the query package's QueryError to their status; anything else is logged and
 * answered with `internal` and no internals.
 *
 * Receivers answer in their protocol's own form (OTLP google.rpc.Status, Elasticsearch error
 * objects, gRPC status codes, a closed syslog or Forward connection), not with these bodies.
 */
export const ERRORS = {
  config_invalid: 500,
  bad_request: 400,
  invalid_query: 400,
  invalid_time: 400,
  invalid_payload: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  overloaded: 429,
  internal: 500,
  unavailable: 503,
  store_error: 500,
} as const

export type ErrorCode = keyof typeof ERRORS

/** The JSON body of every HTTP error answer. */
export interface ErrorBody { error: ErrorCode; message: string; [detail: string]: unknown }

/** An error body from the catalogue: `reply.code(ERRORS[code]).send(errorBody(code, message))`. */
export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { ...details, error: code, message }
}

/** Messages used in more than one place. */
export const MESSAGES = {
  internal: 'Internal error; see the Beacon log for details',
  noRoute: (method: string, url: string) => `No route ${method} ${url.split('?')[0]}`,
} as const

export class BeaconError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details?: Record<string, unknown>
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'BeaconError'
    this.code = code
    this.status = ERRORS[code]
    this.details = details
  }

  /** The HTTP body for this error. */
  body(): ErrorBody {
    return errorBody(this.code, this.message, this.details)
  }
}
