/**
 * Reading credentials from request headers, as the clients send them:
 *   Authorization: Bearer <token or key>        (OTLP exporters, API clients)
 *   Authorization: ApiKey <base64(id:key)>      (Elasticsearch shippers: Filebeat, Logstash, Vector…)
 *   Authorization: ApiKey <key>
 *   Authorization: Basic <base64(user:key)>     (shippers configured with a user and password)
 *   Cookie: beacon_session=<token>              (the web UI)
 */

export type Headers = Record<string, string | string[] | undefined>

export const SESSION_COOKIE = 'beacon_session'

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

export interface PresentedCredential {
  scheme: 'bearer' | 'apikey' | 'basic'
  /** Values to try as the secret, best guess first. */
  secrets: string[]
}

/** Decodes base64 text that is really base64 of printable text; otherwise undefined. */
function decodeBase64Text(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined
  const text = Buffer.from(value, 'base64').toString('utf8')
  return /^[\x20-\x7e]+$/.test(text) ? text : undefined
}

/** The secrets an Authorization header carries, or undefined when there is none or its scheme is unknown. */
export function parseAuthorization(value: string | undefined): PresentedCredential | undefined {
  if (!value) return undefined
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(value)
  if (!m) return undefined
  const scheme = m[1].toLowerCase()
  const token = m[2]
  if (scheme === 'bearer') return { scheme: 'bearer', secrets: [token] }
  if (scheme === 'apikey') {
    const decoded = decodeBase64Text(token)
    const secrets: string[] = []
    if (decoded !== undefined) {
      const colon = decoded.indexOf(':')
      // Elastic's format is base64(id:api_key); Beacon ignores the id part and checks the key.
      if (colon >= 0) secrets.push(decoded.slice(colon + 1))
      else secrets.push(decoded)
    }
    secrets.push(token)
    return { scheme: 'apikey', secrets: [...new Set(secrets)] }
  }
  if (scheme === 'basic') {
    const decoded = decodeBase64Text(token)
    if (decoded === undefined) return undefined
    const colon = decoded.indexOf(':')
    if (colon < 0) return undefined
    return { scheme: 'basic', secrets: [decoded.slice(colon + 1)] }
  }
  return undefined
}

/** One cookie's value from a Cookie header. */
export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim()
      try { return decodeURIComponent(v) } catch { return v }
    }
  }
  return undefined
}

/** The Set-Cookie value for a session (or, with `token` '', one that clears it). */
export function sessionCookie(token: string, opts: { secure: boolean; maxAgeSeconds: number }): string {
  const parts = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${token ? opts.maxAgeSeconds : 0}`]
  if (opts.secure) parts.push('Secure')
  return parts.join('; ')
}
