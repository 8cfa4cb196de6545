/** A small client for Beacon's API (the demo's summary and the integration tests read through it). */

export interface BeaconApi {
  search(q: string, opts?: { from?: string; limit?: number; target?: 'logs' | 'spans' }): Promise<{ total: number; events: any[] }>
  trace(traceId: string): Promise<any | undefined>
  timeline(orderId: string, from?: string): Promise<any>
  services(): Promise<any>
}

export function createBeaconApi(apiUrl: string, token?: string): BeaconApi {
  async function get(path: string): Promise<{ status: number; body: any }> {
    const res = await fetch(apiUrl + path, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(30_000) })
    const text = await res.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* text */ }
    return { status: res.status, body }
  }
  const ok = (r: { status: number; body: any }, what: string) => {
    if (r.status !== 200) throw new Error(`Beacon ${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
    return r.body
  }
  return {
    async search(q, opts = {}) {
      const p = new URLSearchParams({ q, from: opts.from ?? 'now-1h', limit: String(opts.limit ?? 100), target: opts.target ?? 'logs' })
      return ok(await get(`/api/search?${p}`), `search ${q}`)
    },
    async trace(traceId) {
      const r = await get(`/api/traces/${traceId}`)
      return r.status === 404 ? undefined : ok(r, `trace ${traceId}`)
    },
    async timeline(orderId, from = 'now-1h') {
      return ok(await get(`/api/orders/${encodeURIComponent(orderId)}/timeline?from=${encodeURIComponent(from)}`), `timeline ${orderId}`)
    },
    async services() {
      return ok(await get('/api/services'), 'services')
    },
  }
}

/** Signs in to Beacon and returns a bearer token. */
export async function beaconLogin(apiUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  const body = await res.json() as { token?: string }
  if (!res.ok || !body.token) throw new Error(`Beacon login failed: ${res.status} ${JSON.stringify(body)}`)
  return body.token
}
