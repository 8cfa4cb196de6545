/** JSON over HTTP between the company's services (fetch: traced by the SDK's undici instrumentation). */

export class UpstreamError extends Error {
  constructor(readonly service: string, readonly status: number, readonly body: unknown, options?: { cause?: unknown }) {
    super(`${service} answered ${status}${status === 503 && (body as { error?: string })?.error ? ` (${(body as { error: string }).error})` : ''}`, options)
    this.name = 'UpstreamError'
  }
}

export interface JsonClient {
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>
}

export function createJsonClient(service: string, baseUrl: string, timeoutMs = 10_000): JsonClient {
  return {
    async request(method, path, body, headers) {
      let res: Response
      try {
        res = await fetch(baseUrl + path, {
          method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (err) {
        // Unreachable or too slow: the caller answers 502, and the cause stays in the error record.
        const cause = (err as { cause?: { code?: string; message?: string } }).cause
        throw new UpstreamError(service, 503, { error: `${(err as Error).message}${cause ? `: ${cause.code ?? cause.message}` : ''}` }, { cause: err })
      }
      const text = await res.text()
      let parsed: unknown = text
      try { parsed = text ? JSON.parse(text) : undefined } catch { /* plain text */ }
      if (!res.ok) throw new UpstreamError(service, res.status, parsed)
      return parsed as any
    },
  }
}
