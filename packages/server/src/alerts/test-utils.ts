import { createServer, type Server } from 'node:http'
import { attrs, type LogRecord, type SpanRecord } from '../pipeline/record.ts'

/** What a local receiver (Slack, Telegram or webhook stand-in) got: one entry per request. */
export interface Received { at: number; path: string; headers: Record<string, string | string[] | undefined>; body: string; json: any }

export interface Receiver { url: string; received: Received[]; status: number; close(): Promise<void> }

/**
 * A real HTTP server on a free port that records every request and answers `status` (200 by
 * default; Telegram-style `{ ok: true }` body).
 */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = []
  const r: Receiver = { url: '', received, status: 200, close: async () => {} }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let json: unknown = null
      try { json = JSON.parse(body) } catch { /* not JSON */ }
      received.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, body, json })
      res.writeHead(r.status, { 'content-type': 'application/json' })
      res.end(r.status === 200 ? '{"ok":true,"result":{}}' : '{"ok":false,"description":"failing on purpose"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  r.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  r.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  return r
}

let seq = 0
/** A log record for tests, now, with attributes. */
export function testLog(p: Partial<LogRecord> & { a?: Record<string, string> } = {}): LogRecord {
  const attributes = attrs()
  Object.assign(attributes, p.a ?? {})
  const now = String(BigInt(Date.now()) * 1_000_000n + BigInt(seq++ % 1000))
  const { a: _a, ...rest } = p
  return {
    timeUnixNano: now, observedTimeUnixNano: now, severityText: 'INFO', severityNumber: 9, serviceName: 'shop-api', body: 'ok',
    traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: attrs(), attributes, ...rest,
  }
}

/** A span record for tests, now. */
export function testSpan(p: Partial<SpanRecord> & { a?: Record<string, string> } = {}): SpanRecord {
  const attributes = attrs()
  Object.assign(attributes, p.a ?? {})
  const { a: _a, ...rest } = p
  return {
    timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), durationNano: '1000000', traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), parentSpanId: '',
    traceState: '', name: 'span', kind: 'Internal', serviceName: 'crm-api', scopeName: '', scopeVersion: '', resource: attrs(), attributes,
    statusCode: 'Unset', statusMessage: '', events: [], links: [], ...rest,
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls until `fn` returns truthy or the deadline passes. */
export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}
