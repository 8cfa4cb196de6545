import { createHmac } from 'node:crypto'
import { httpPost } from './http-post.ts'
import { outcomeOf, type Channel, type Notification } from './types.ts'

/**
 * Generic webhook: the notification as JSON. With a signing secret, `X-Beacon-Signature:
 * sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` and `X-Beacon-Timestamp: <unix seconds>`,
 * so a receiver can verify the sender and refuse replays.
 */

export function webhookBody(n: Notification): string {
  return JSON.stringify({
    status: n.status,
    rule: n.rule,
    count: n.alerts.length,
    alerts: n.alerts,
    incidents: n.incidentIds,
    sentAt: n.sentAt,
  })
}

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

export const webhookChannel: Channel = {
  kind: 'webhook',
  secretFields: ['url', 'signingSecret'],
  minIntervalMs: 0,
  validate(_settings, secrets) {
    return /^https?:\/\//.test(secrets.url ?? '') ? [] : ['url: an http(s) URL']
  },
  rateKey: (c) => `webhook:${c.id}`,
  async send(n, c, ctx) {
    const body = webhookBody(n)
    const headers: Record<string, string> = {}
    if (c.secrets.signingSecret) {
      const ts = String(Math.floor(Date.now() / 1000))
      headers['x-beacon-timestamp'] = ts
      headers['x-beacon-signature'] = signature(c.secrets.signingSecret, ts, body)
    }
    const res = await httpPost(c.secrets.url, body, headers, ctx.policy, ctx.timeoutMs)
    return outcomeOf(res.status, res.body, res.headers['retry-after'])
  },
}
