/** JSON over HTTP between the company's services (fetch: traced by the SDK's undici instrumentation). */

export class UpstreamError extends Error {
  constructor(readonly service: string, readonly status: number, readonly body: unknown) {
    super(`${service} answered ${status}`)
    this.name = 'UpstreamError'
  }
}

export interface JsonClient {
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>
}

export function createJsonClient(service: string, baseUrl: string, timeoutMs = 10_000): JsonClient {
  return {
    async request(method, path, body, headers) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
      const text = await res.text()
      let parsed: unknown = text
      try { parsed = text ? JSON.parse(text) : undefined } catch { /* plain text */ }
      if (!res.ok) throw new UpstreamError(service, res.status, parsed)
      return parsed as any
    },
  }
}
