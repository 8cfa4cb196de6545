import type { Logger } from 'pino'
import { CHANNELS, type ChannelConfig, type Notification, type NetworkPolicy, type SendOutcome } from './channels/index.ts'

/**
 * Delivery off the ingest path: one FIFO lane per rate key (a Slack webhook, a Telegram chat, a
 * webhook), each lane with its own timer, so a slow or failing channel only delays itself.
 *
 *   enqueue(n, channel) ─▶ lane[rateKey] ─▶ send ─ok─▶ log 'sent'
 *                                            └─fail─▶ retry after backoff (1 s, 2 s, 4 s … ≤ 60 s, or Retry-After)
 *                                                     └─ after maxAttempts or a permanent 4xx ─▶ log 'failed'
 */

export interface DeliveryRecord {
  at: number
  incidentId: string
  ruleId: string
  channelId: string
  channelName: string
  status: 'sent' | 'retrying' | 'failed' | 'silenced'
  attempt: number
  httpStatus: number
  error: string
  alerts: number
}

interface Job { n: Notification; channel: ChannelConfig; attempt: number; resolve?: (o: SendOutcome) => void }

interface Lane { jobs: Job[]; busy: boolean; nextAt: number; minIntervalMs: number }

export interface DeliveryOptions {
  policy: NetworkPolicy
  log: Logger
  record: (d: DeliveryRecord) => void
  maxAttempts?: number
  timeoutMs?: number
}

export class DeliveryQueue {
  private readonly lanes = new Map<string, Lane>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private stopped = false
  readonly maxAttempts: number

  constructor(private readonly opts: DeliveryOptions) {
    this.maxAttempts = opts.maxAttempts ?? 6
  }

  /** Queues a notification for a channel; resolves with the final outcome (tests, "send test"). */
  enqueue(n: Notification, channel: ChannelConfig): Promise<SendOutcome> {
    const impl = CHANNELS[channel.type]
    const key = impl.rateKey(channel)
    let lane = this.lanes.get(key)
    if (!lane) {
      lane = { jobs: [], busy: false, nextAt: 0, minIntervalMs: impl.minIntervalMs }
      this.lanes.set(key, lane)
    }
    return new Promise((resolve) => {
      lane.jobs.push({ n, channel, attempt: 0, resolve })
      this.pump(key, lane)
    })
  }

  /** Messages waiting in every lane. */
  get pending(): number {
    let n = 0
    for (const l of this.lanes.values()) n += l.jobs.length + (l.busy ? 1 : 0)
    return n
  }

  stop(): void {
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn() }, ms)
    t.unref()
    this.timers.add(t)
  }

  private pump(key: string, lane: Lane): void {
    if (lane.busy || this.stopped || lane.jobs.length === 0) return
    const wait = lane.nextAt - Date.now()
    if (wait > 0) {
      lane.busy = true
      this.later(wait, () => { lane.busy = false; this.pump(key, lane) })
      return
    }
    const job = lane.jobs[0]
    lane.busy = true
    job.attempt++
    void this.attempt(job).then((out) => {
      lane.busy = false
      lane.nextAt = Date.now() + lane.minIntervalMs
      const base = { at: Date.now(), incidentId: job.n.incidentIds[0] ?? '', ruleId: job.n.rule.id, channelId: job.channel.id, channelName: job.channel.name, attempt: job.attempt, alerts: job.n.alerts.length }
      if (out.ok) {
        lane.jobs.shift()
        this.opts.record({ ...base, status: 'sent', httpStatus: out.status, error: '' })
        job.resolve?.(out)
      } else if (out.permanent || job.attempt >= this.maxAttempts) {
        lane.jobs.shift()
        this.opts.record({ ...base, status: 'failed', httpStatus: out.status, error: out.error })
        this.opts.log.warn({ channel: job.channel.name, attempt: job.attempt, error: out.error }, 'alert notification failed; giving up')
        job.resolve?.(out)
      } else {
        this.opts.record({ ...base, status: 'retrying', httpStatus: out.status, error: out.error })
        const backoff = Math.min(60_000, 1000 * 2 ** (job.attempt - 1))
        lane.nextAt = Date.now() + Math.max(backoff, out.retryAfterMs ?? 0)
      }
      this.pump(key, lane)
    })
  }

  private async attempt(job: Job): Promise<SendOutcome> {
    try {
      return await CHANNELS[job.channel.type].send(job.n, job.channel, { policy: this.opts.policy, timeoutMs: this.opts.timeoutMs ?? 10_000 })
    } catch (err) {
      const e = err as Error
      return { ok: false, status: 0, error: e.message, permanent: e.name === 'BlockedTargetError' }
    }
  }
}
