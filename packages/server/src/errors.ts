/**
 * The server's catalogue of coded errors. Every error a client can see has a code here, an HTTP
 * status and a message a person can act on. The HTTP error handler maps BeaconError to its status;
 * anything else is logged and answered with a plain 500.
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
  unavailable: 503,
  store_error: 500,
} as const

export type ErrorCode = keyof typeof ERRORS

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
}
