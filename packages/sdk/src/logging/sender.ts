/**
 * Sends one batch of pino lines, or of span lines (telemetry/span-export.ts), to Beacon as they are:
 * a resource line, then the lines, to `POST {endpoint}/v1/pino-lines` or `{endpoint}/v1/span-lines`
 * (Beacon maps them at ingest), retrying transient failures (network errors, 429, 502–504) with
 * backoff until the export timeout. When a lines endpoint answers 404 (an OpenTelemetry collector, or
 * a Beacon older than the endpoint), this batch and every later one of that kind are converted to
 * OTLP/JSON and sent to `{endpoint}/v1/logs` or `{endpoint}/v1/traces` instead.
 * Runs in the export worker (export-worker.ts), or in-process when the worker cannot start.
 */
import { request as httpRequest, Agent as HttpAgent } from 'node:http'
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https'
import { encodeOtlpLogs, linesToRecords, resourceLine, type Attributes, type Scope } from './records.ts'
import { encodeOtlpSpans, linesToSpans } from '../telemetry/span-lines.ts'

export interface SenderConfig {
  /** Full URL of the OTLP/HTTP logs endpoint (used when `linesUrl` is not set, or answers 404). */
  url: string
  /** Full URL of Beacon's pino lines endpoint (`{endpoint}/v1/pino-lines`). */
  linesUrl?: string
  /** Full URL of the OTLP/HTTP traces endpoint (span batches when `spanLinesUrl` is not set, or answers 404). */
  tracesUrl?: string
  /** Full URL of Beacon's span lines endpoint (`{endpoint}/v1/span-lines`). */
  spanLinesUrl?: string
  headers: Record<string, string>
  resource: Attributes
  scope: Scope
  /** Per batch, retries included. */
  timeoutMs: number
}

/** At most this many records per request. */
export const MAX_RECORDS_PER_REQUEST = 512

const RETRYABLE = new Set([429, 502, 503, 504])
const NDJSON = 'application/x-ndjson'
const JSON_TYPE = 'application/json'
const isOk = (status: number): boolean => status >= 200 && status < 300

/** One kind of batch (logs or spans): its lines endpoint, until that answers 404, and its OTLP/JSON fallback. */
interface LinesRoute {
  target: URL | undefined
  /** The resource line, UTF-8. */
  readonly firstBytes: Buffer
  readonly noun: string
  readonly fallbackName: string
  readonly fallback: (ndjson: string, deadline: number) => Promise<boolean>
}

export class OtlpLogSender {
  private readonly agent: HttpAgent
  private readonly request: typeof httpRequest
  private readonly target: URL
  private readonly tracesTarget: URL | undefined
  private readonly logs: LinesRoute
  private readonly spans: LinesRoute

  constructor(private readonly config: SenderConfig) {
    this.target = new URL(config.url)
    this.tracesTarget = config.tracesUrl === undefined ? undefined : new URL(config.tracesUrl)
    this.logs = {
      target: config.linesUrl === undefined ? undefined : new URL(config.linesUrl),
      firstBytes: Buffer.from(resourceLine(config.resource, config.scope)),
      noun: 'logs',
      fallbackName: this.target.href,
      fallback: (ndjson, deadline) => this.postOtlp(this.target, linesToRecords(ndjson), deadline,
        (chunk) => encodeOtlpLogs(chunk, this.config.resource, this.config.scope)),
    }
    this.spans = {
      target: config.spanLinesUrl === undefined ? undefined : new URL(config.spanLinesUrl),
      // Each span line names its own scope.
      firstBytes: Buffer.from(resourceLine(config.resource)),
      noun: 'spans',
      fallbackName: config.tracesUrl ?? '(no traces endpoint)',
      fallback: async (ndjson, deadline) => this.tracesTarget !== undefined
        && this.postOtlp(this.tracesTarget, linesToSpans(ndjson), deadline, (chunk) => encodeOtlpSpans(chunk, this.config.resource)),
    }
    const https = this.target.protocol === 'https:'
    this.agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 4 }) : new HttpAgent({ keepAlive: true, maxSockets: 4 })
    this.request = (https ? httpsRequest : httpRequest) as typeof httpRequest
  }

  /** Sends a batch (NDJSON: pino lines). Resolves true when Beacon accepted it; never rejects. */
  send(ndjson: string): Promise<boolean> {
    return this.sendVia(this.logs, ndjson)
  }

  /** Sends a batch of span lines (NDJSON). Resolves true when Beacon accepted it; never rejects. */
  sendSpans(ndjson: string): Promise<boolean> {
    return this.sendVia(this.spans, ndjson)
  }

  /**
   * The same, for a batch already encoded as UTF-8 (the shipper writes lines into a buffer and
   * transfers it to this thread): posted without a copy into a string and back.
   */
  sendBytes(ndjson: Uint8Array, spans = false): Promise<boolean> {
    return this.sendVia(spans ? this.spans : this.logs, Buffer.from(ndjson.buffer, ndjson.byteOffset, ndjson.byteLength))
  }

  private async sendVia(route: LinesRoute, ndjson: string | Buffer): Promise<boolean> {
    try {
      if (ndjson.length === 0) return true
      const deadline = Date.now() + this.config.timeoutMs
      const lines = route.target
      if (lines !== undefined) {
        const bytes = typeof ndjson === 'string' ? Buffer.from(ndjson) : ndjson
        const status = await this.sendLineBytes(lines, route.firstBytes, bytes, deadline)
        if (status !== 404) return isOk(status)
        if (route.target === lines) {
          route.target = undefined
          process.stderr.write(`[beacon] ${lines.href} answered 404: sending ${route.noun} as OTLP/JSON to ${route.fallbackName} from now on\n`)
        }
      }
      return await route.fallback(typeof ndjson === 'string' ? ndjson : ndjson.toString('utf8'), deadline)
    } catch {
      return false
    }
  }

  /**
   * No parse, no conversion: Beacon maps the lines at ingest (records.ts, shared with the server).
   * A batch refused as too large (413: the server's `limits.maxBodyBytes` is below the batch size)
   * is split in two at the line end nearest its middle byte and each half sent again; the last
   * status that was not a success.
   */
  private async sendLineBytes(target: URL, first: Buffer, ndjson: Buffer, deadline: number): Promise<number> {
    const status = await this.post(target, [first, ndjson], deadline, NDJSON) // two writes: no 1 MB copy
    if (status !== 413) return status
    const half = ndjson.length >> 1
    let cut = ndjson.indexOf(10, half) + 1
    if (cut <= 0 || cut >= ndjson.length) cut = ndjson.lastIndexOf(10, half - 1) + 1
    if (cut <= 0 || cut >= ndjson.length) return status // one line, too large alone
    const a = await this.sendLineBytes(target, first, ndjson.subarray(0, cut), deadline)
    const b = await this.sendLineBytes(target, first, ndjson.subarray(cut), deadline)
    return isOk(b) ? a : b
  }

  /** The batch converted to OTLP/JSON (`encode`: undefined sends nothing), posted in requests of at most MAX_RECORDS_PER_REQUEST. */
  private async postOtlp<T>(target: URL, items: T[], deadline: number, encode: (chunk: T[]) => string | undefined): Promise<boolean> {
    let ok = true
    for (let i = 0; i < items.length; i += MAX_RECORDS_PER_REQUEST) {
      const text = encode(items.slice(i, i + MAX_RECORDS_PER_REQUEST))
      if (text !== undefined && !isOk(await this.post(target, Buffer.from(text), deadline, JSON_TYPE))) ok = false
    }
    return ok
  }

  /** Posts with retries; the last HTTP status (0: network error or timeout). */
  private async post(target: URL, body: Buffer | Buffer[], deadline: number, type: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const status = await this.once(target, body, deadline, type)
      if (status >= 200 && status < 300) return status
      if (status !== 0 && !RETRYABLE.has(status)) return status
      const wait = Math.min(100 * 2 ** attempt, 2000) * (0.8 + Math.random() * 0.4)
      if (Date.now() + wait >= deadline) return status
      await new Promise((r) => setTimeout(r, wait))
    }
  }

  /** One attempt: the HTTP status, or 0 for a network error or timeout. */
  private once(target: URL, body: Buffer | Buffer[], deadline: number, type: string): Promise<number> {
    return new Promise((resolve) => {
      const length = Array.isArray(body) ? body.reduce((n, b) => n + b.length, 0) : body.length
      const timeout = Math.max(1, deadline - Date.now())
      const req = this.request(target, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.config.headers, 'content-type': type, 'content-length': String(length) },
        timeout,
      }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', () => resolve(0))
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => resolve(0))
      if (Array.isArray(body)) {
        for (const b of body) req.write(b)
        req.end()
      } else req.end(body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}
