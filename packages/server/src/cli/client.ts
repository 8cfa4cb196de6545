import { loadConfig } from '../config/load.ts'
import { readCredentials } from './credentials.ts'

/**
 * How every terminal command reaches Beacon: through the API of the running server, with the
 * user's token. Address: `--api`, else `BEACON_API_URL`, else the address `beacon login` stored,
 * else this machine's configuration. Token: `--token`, else `BEACON_TOKEN`, else the stored one.
 */
export interface ApiOptions { api?: string; token?: string; json?: boolean }

export interface ApiClient {
  base: string
  token: string | undefined
  /** GET returning parsed JSON; exits with a readable message on an error answer. */
  json<T>(path: string, params?: Record<string, string | undefined>): Promise<T>
  /** The raw response (streams: export, tail); exits on an error answer. */
  raw(path: string, params?: Record<string, string | undefined>, init?: RequestInit): Promise<Response>
}

/** Exit codes: 1 = the API refused (4xx/5xx), 3 = Beacon not reachable, 4 = not signed in. */
export class CliError extends Error {
  /** The server's own message, when the API answered with an error. */
  detail = ''
  constructor(message: string, readonly exitCode = 1) { super(message) }
}

function defaultBase(): string {
  try {
    const config = loadConfig()
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
    const scheme = config.security.tls.cert ? 'https' : 'http'
    return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.ports.api}`
  } catch {
    return 'http://127.0.0.1:5080'
  }
}

export function createClient(opts: ApiOptions): ApiClient {
  const stored = readCredentials()
  const base = (opts.api ?? process.env.BEACON_API_URL ?? stored?.api ?? defaultBase()).replace(/\/+$/, '')
  // A stored token is only sent to the server it came from.
  const token = opts.token ?? process.env.BEACON_TOKEN ?? (stored && stored.api.replace(/\/+$/, '') === base ? stored.token : undefined)

  async function raw(path: string, params: Record<string, string | undefined> = {}, init: RequestInit = {}): Promise<Response> {
    const search = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v)
    const url = `${base}${path}${search.size ? `?${search}` : ''}`
    const headers = new Headers(init.headers)
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`)
    let res: Response
    try {
      res = await fetch(url, { ...init, headers })
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause
      throw new CliError(`Cannot reach Beacon at ${base} (${cause?.code ?? cause?.message ?? (err as Error).message}). Is it running? Start it with: npm start (or pass --api <url>)`, 3)
    }
    if (res.ok) return res
    const text = await res.text()
    let body: { error?: string; message?: string; position?: number } = {}
    try { body = JSON.parse(text) } catch { /* not JSON */ }
    if (res.status === 401) {
      const e = new CliError(`Not signed in to ${base}${body.message ? ` (${body.message})` : ''}. Run: beacon login --api ${base}`, 4)
      e.detail = body.message ?? ''
      throw e
    }
    const err = new CliError(`Error ${res.status}: ${body.message ?? text.slice(0, 500)}`)
    ;(err as CliError & { position?: number }).position = body.position
    throw err
  }

  return {
    base,
    token,
    raw,
    async json<T>(path: string, params?: Record<string, string | undefined>): Promise<T> {
      return (await (await raw(path, params)).json()) as T
    },
  }
}

/** Prints JSON (control characters are escaped by JSON itself). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}
