import type { NetworkPolicy } from './http-post.ts'

/** One alert inside a notification (a rule's alerts that changed together are sent as one message). */
export interface AlertItem {
  /** Group labels: `{ service: 'shop-api' }`; empty for an ungrouped rule. */
  labels: Record<string, string>
  value: number
  startsAt: string
  endsAt?: string
  /** Anomaly rules: the band the value was expected in. */
  expected?: { low: number; high: number; center: number }
  /** The newest matching record, already redacted. */
  sample?: { time: string; service: string; message: string; traceId?: string; orderId?: string }
  links: { search: string; trace?: string; order?: string }
}

/** What a channel sends: firing or resolved alerts of one rule, or a test. */
export interface Notification {
  status: 'firing' | 'resolved' | 'test'
  rule: { id: string; name: string; severity: 'critical' | 'warning' | 'info'; condition: string }
  alerts: AlertItem[]
  /** Incident ids, in `alerts` order where known. */
  incidentIds: string[]
  sentAt: string
}

/** A configured channel: settings are shown by the API, secrets never leave in full. */
export interface ChannelConfig {
  id: string
  name: string
  type: ChannelKind
  isDefault: boolean
  settings: Record<string, string>
  secrets: Record<string, string>
}

export type ChannelKind = 'slack' | 'telegram' | 'webhook' | 'email'

export type SendOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number; error: string; retryAfterMs?: number; permanent?: boolean }

export interface SendContext { policy: NetworkPolicy; timeoutMs: number }

/** One kind of channel (Slack, Telegram, webhook, e-mail). Registered in channels/index.ts. */
export interface Channel {
  kind: ChannelKind
  /** Which request fields are secrets (stored encrypted, shown masked). */
  secretFields: readonly string[]
  /** Problems with a configuration (empty when fine). */
  validate(settings: Record<string, string>, secrets: Record<string, string>): string[]
  /** Rate-limit key: messages to the same key are spaced by `minIntervalMs`. */
  rateKey(c: ChannelConfig): string
  minIntervalMs: number
  send(n: Notification, c: ChannelConfig, ctx: SendContext): Promise<SendOutcome>
}

/** Status line shared by the formats. */
export function headline(n: Notification): string {
  const count = n.alerts.length
  const what = n.status === 'test' ? 'TEST' : n.status === 'firing' ? 'FIRING' : 'RESOLVED'
  return `[${what}${count > 1 ? ` ×${count}` : ''}] ${n.rule.name}`
}

/** Labels as `service=shop-api, route=/orders`. */
export function labelText(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ')
}

/** A value rounded for people. */
export function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 3 : 1)
}

/** Maps an HTTP answer to an outcome: 2xx ok; 429/5xx retryable; other 4xx permanent. */
export function outcomeOf(status: number, body: string, retryAfter?: string | string[]): SendOutcome {
  if (status >= 200 && status < 300) return { ok: true, status }
  const ra = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter
  const retryAfterMs = ra && /^\d+$/.test(ra) ? Number(ra) * 1000 : undefined
  return { ok: false, status, error: `HTTP ${status}: ${body.slice(0, 200)}`, retryAfterMs, permanent: status >= 400 && status < 500 && status !== 429 && status !== 408 }
}

/** Shows the start of a secret only: `https://hooks.slack.com/serv…` / `1234…`. */
export function maskSecret(value: string): string {
  if (value.length <= 8) return '…'
  return `${value.slice(0, Math.min(24, Math.floor(value.length / 3)))}…`
}
