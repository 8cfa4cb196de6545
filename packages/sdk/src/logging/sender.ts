/**
 * Sends one batch of pino lines to Beacon as OTLP/JSON (`POST {endpoint}/v1/logs`), or one batch
 * of span lines (telemetry/span-export.ts) to `{endpoint}/v1/traces`, retrying
 * transient failures (network errors, 429, 502–504) with backoff until the export timeout.
 * Runs in the export worker (export-worker.ts), or in-process when the worker cannot start.
 */
import { request as httpRequest, Agent as HttpAgent } from 'node:http'
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https'
import { encodeOtlpLogs, linesToRecords, type Attributes } from './records.ts'
import { linesToOtlpSpans } from '../telemetry/span-export.ts'

export interface SenderConfig {
  /** Full URL of the OTLP/HTTP logs endpoint. */
  url: string
  /** Full URL of the OTLP/HTTP traces endpoint (span batches). */
  tracesUrl?: string
  headers: Record<string, string>
  resource: Attributes
  scope: { name: string; version?: string }
  /** Per batch, retries included. */
  timeoutMs: number
}

/** At most this many records per request. */
export const MAX_RECORDS_PER_REQUEST = 512

const RETRYABLE = new Set([429, 502, 503, 504])

export class OtlpLogSender {
  private readonly agent: HttpAgent
  private readonly request: typeof httpRequest
  private readonly target: URL
  private readonly tracesTarget: URL | undefined

  constructor(private readonly config: SenderConfig) {
    this.target = new URL(config.url)
    this.tracesTarget = config.tracesUrl === undefined ? undefined : new URL(config.tracesUrl)
    const https = this.target.protocol === 'https:'
    this.agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 4 }) : new HttpAgent({ keepAlive: true, maxSockets: 4 })
    this.request = (https ? httpsRequest : httpRequest) as typeof httpRequest
  }

  /** Converts and sends a batch (NDJSON). Resolves true when Beacon accepted it; never rejects. */
  async send(ndjson: string): Promise<boolean> {
    try {
      const records = linesToRecords(ndjson)
      if (records.length === 0) return true
      const deadline = Date.now() + this.config.timeoutMs
      let ok = true
      for (let i = 0; i < records.length; i += MAX_RECORDS_PER_REQUEST) {
        const body = Buffer.from(encodeOtlpLogs(records.slice(i, i + MAX_RECORDS_PER_REQUEST), this.config.resource, this.config.scope))
        if (!(await this.post(this.target, body, deadline))) ok = false
      }
      return ok
    } catch {
      return false
    }
  }

  /** Converts and sends a batch of span lines. Resolves true when Beacon accepted it; never rejects. */
  async sendSpans(ndjson: string): Promise<boolean> {
    try {
      if (this.tracesTarget === undefined) return false
      const text = linesToOtlpSpans(ndjson, this.config.resource)
      if (text === undefined) return true
      return await this.post(this.tracesTarget, Buffer.from(text), Date.now() + this.config.timeoutMs)
    } catch {
      return false
    }
  }

  private async post(target: URL, body: Buffer, deadline: number): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const status = await this.once(target, body, deadline)
      if (status >= 200 && status < 300) return true
      if (status !== 0 && !RETRYABLE.has(status)) return false
      const wait = Math.min(100 * 2 ** attempt, 2000) * (0.8 + Math.random() * 0.4)
      if (Date.now() + wait >= deadline) return false
      await new Promise((r) => setTimeout(r, wait))
    }
  }

  /** One attempt: the HTTP status, or 0 for a network error or timeout. */
  private once(target: URL, body: Buffer, deadline: number): Promise<number> {
    return new Promise((resolve) => {
      const timeout = Math.max(1, deadline - Date.now())
      const req = this.request(target, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.config.headers, 'content-type': 'application/json', 'content-length': String(body.length) },
        timeout,
      }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', () => resolve(0))
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => resolve(0))
      req.end(body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}
