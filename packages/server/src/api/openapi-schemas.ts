/**
 * Pieces of Fastify route schemas that many routes share, so the OpenAPI document
 * (/api/openapi.json) describes parameters and errors the same way everywhere.
 *
 * Query parameters are declared as strings on purpose: the routes parse them themselves (relative
 * times, clamped limits) and answer with messages that say what to type; a typed schema would
 * replace those messages with the validator's.
 *
 * @example
 * app.get('/api/things', {
 *   config: { permission: 'logs:read' },
 *   schema: { tags: ['search'], description: 'Things in a range.', querystring: query({ ...TIME_RANGE, q: QUERY }), response: errors(400) },
 * }, handler)
 */

/** The JSON every error answers with (api/http-errors.ts); extra fields (position, expected…) vary by error. */
export const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'error code from the catalogue (packages/server/src/errors.ts)' },
    message: { type: 'string', description: 'what happened and what to do' },
  },
  required: ['error', 'message'],
  additionalProperties: true,
} as const

const ERROR_TEXT: Record<number, string> = {
  400: 'bad input: invalid query, time, parameter or cursor (the message says which and how to fix it)',
  401: 'no valid credentials: sign in (POST /api/auth/login) or send a bearer token',
  403: 'the caller lacks the permission this route needs, or its network is not allowed',
  404: 'nothing with that id in the store',
  413: 'the request is larger than the configured limit',
  429: 'too many requests or concurrent streams; retry later',
  503: 'not ready: the store is unreachable or ingest is failing',
}

/**
 * Response schemas for the listed error statuses (401 and 403 are added for every route that needs
 * credentials). Each keeps `additionalProperties`, so serializing an error never drops a field.
 */
export function errors(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {}
  for (const s of [...new Set([...statuses, 401, 403])].sort()) out[s] = { ...ERROR_SCHEMA, description: ERROR_TEXT[s] ?? 'error' }
  return out
}

/** Errors of a route that needs no credentials. */
export function publicErrors(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {}
  for (const s of statuses) out[s] = { ...ERROR_SCHEMA, description: ERROR_TEXT[s] ?? 'error' }
  return out
}

/** A 200 response described in words; any JSON object (fields are documented in the description). */
export function ok(description: string): Record<number, unknown> {
  return { 200: { description, type: 'object', additionalProperties: true } }
}

type Param = { type: 'string'; description: string }

/**
 * A string parameter. A default goes into the description, not into the schema: Fastify's validator
 * would write a schema default into `request.query`, changing what the route and the audit see.
 */
const str = (description: string, extra: { default?: string } = {}): Param => ({
  type: 'string', description: extra.default === undefined ? description : `${description} (default \`${extra.default}\`)`,
})

/** A querystring schema from named string parameters (none required). */
export function query(props: Record<string, Param>): { type: 'object'; properties: Record<string, Param> } {
  return { type: 'object', properties: props }
}

const FROM_TEXT = 'start: ISO 8601 time, epoch milliseconds, or now-15m / now-2h / now-7d'
export const FROM = str(FROM_TEXT)
export const TO = str('end (same forms as from); default now')
export const TIME_RANGE = { from: FROM, to: TO }
/** `from` and `to` for a route whose range starts at `defaultFrom` when none is given, e.g. `timeRange('now-1h')`. */
export const timeRange = (defaultFrom: string): { from: Param; to: Param } => ({ from: str(FROM_TEXT, { default: defaultFrom }), to: TO })
export const QUERY = str('search in the query language (docs/query-language.md), e.g. `service:shop-api AND level:>=error`')
export const TARGET = str('what to search: logs or spans', { default: 'logs' })
export const LIMIT = (dflt: number, max: number, what = 'records'): Param => str(`${what} to return, 1–${max}`, { default: String(dflt) })

export { str as stringParam }

/**
 * Route options for a route whose handler checks its own JSON body: the `body` schema documents the
 * fields, Fastify's validator is not run on them — it would coerce (`["alice"]` to "alice", 123 to
 * "123", "admin" to ["admin"]) and answer with its own wording instead of the route's.
 */
export const HANDLER_CHECKS_BODY = { validatorCompiler: () => () => true } as const
