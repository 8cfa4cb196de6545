import type { ApiError } from './types.ts'

/**
 * The one API client: same-origin fetch with the session cookie, the CSRF header on writes, and
 * errors as `ApiFailure` carrying the server's code, message and (for queries) the error position.
 */
export class ApiFailure extends Error implements ApiError {
  constructor(public status: number, public error: string, message: string, public position?: number, public expected?: string) {
    super(message)
  }
}

let csrfToken = ''
let onUnauthenticated: (message: string) => void = () => {}

/** Remembers the CSRF token of the cookie session (from login or /api/auth/me). */
export function setCsrfToken(token: string | undefined): void { csrfToken = token ?? '' }

/** Called when the API answers 401 (session expired or logged out elsewhere). */
export function onSessionLost(fn: (message: string) => void): void { onUnauthenticated = fn }

/** Builds `/api/…?a=b` leaving out empty parameters. */
export function apiPath(path: string, params: Record<string, string | number | boolean | undefined | null> = {}): string {
  const usp = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') usp.set(k, String(v))
  const s = usp.toString()
  return s ? `${path}?${s}` : path
}

export async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const headers = new Headers(init.headers)
  const method = (init.method ?? 'GET').toUpperCase()
  if (method !== 'GET' && csrfToken) headers.set('x-beacon-csrf', csrfToken)
  let body = init.body
  if (init.json !== undefined) { headers.set('content-type', 'application/json'); body = JSON.stringify(init.json) }
  let res: Response
  try {
    res = await fetch(path, { ...init, method, headers, body, credentials: 'same-origin' })
  } catch {
    throw new ApiFailure(0, 'unreachable', 'Beacon is unreachable: check that it is running and that your network reaches it, then retry.')
  }
  const text = await res.text()
  let data: unknown = null
  try { data = text ? JSON.parse(text) : null } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (data ?? {}) as Partial<ApiError>
    const failure = new ApiFailure(res.status, e.error ?? 'http_' + res.status, e.message ?? (text.slice(0, 200) || res.statusText), e.position, e.expected)
    if (res.status === 401 && !path.startsWith('/api/auth/login')) onUnauthenticated(failure.message)
    throw failure
  }
  if (data === null || typeof data !== 'object') throw new ApiFailure(res.status, 'bad_response', `Beacon answered ${path} with something other than JSON`)
  return data as T
}
