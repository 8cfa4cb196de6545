import { httpPost } from './http-post.ts'
import { fmt, headline, labelText, outcomeOf, type Channel, type Notification } from './types.ts'

/**
 * Slack incoming webhook with Block Kit: header, condition, one section per alert (labels, value,
 * the newest record's message), link buttons into the UI; the attachment colour shows severity.
 * https://api.slack.com/messaging/webhooks — at most 1 message per second per webhook.
 */

const COLOUR = { critical: '#d32f2f', warning: '#f9a825', info: '#1976d2', resolved: '#2e7d32' }
const MAX_SECTIONS = 10

/** Slack mrkdwn needs only &, < and > escaped. */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

export function slackPayload(n: Notification): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(headline(n), 150) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: esc(`${n.rule.severity} · ${n.rule.condition}`) }] },
  ]
  for (const a of n.alerts.slice(0, MAX_SECTIONS)) {
    const lines = [`*${esc(labelText(a.labels) || n.rule.name)}* — value *${fmt(a.value)}*`]
    if (a.expected) lines.push(`expected ${fmt(a.expected.low)}–${fmt(a.expected.high)}`)
    if (a.sample) lines.push(`\`${esc(a.sample.service)}\` ${esc(cut(a.sample.message, 500))}`)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(lines.join('\n'), 2900) } })
    const buttons = [{ type: 'button', text: { type: 'plain_text', text: 'Search' }, url: a.links.search }]
    if (a.links.trace) buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Trace' }, url: a.links.trace })
    if (a.links.order) buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Order' }, url: a.links.order })
    blocks.push({ type: 'actions', elements: buttons })
  }
  if (n.alerts.length > MAX_SECTIONS) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${n.alerts.length - MAX_SECTIONS} more` }] })
  const colour = n.status === 'resolved' ? COLOUR.resolved : COLOUR[n.rule.severity]
  return { text: headline(n), attachments: [{ color: colour, blocks }] }
}

export const slackChannel: Channel = {
  kind: 'slack',
  secretFields: ['url'],
  minIntervalMs: 1000,
  validate(_settings, secrets) {
    return /^https?:\/\//.test(secrets.url ?? '') ? [] : ['url: the Slack incoming-webhook URL (https://hooks.slack.com/services/…)']
  },
  rateKey: (c) => `slack:${c.secrets.url}`,
  async send(n, c, ctx) {
    const res = await httpPost(c.secrets.url, JSON.stringify(slackPayload(n)), {}, ctx.policy, ctx.timeoutMs)
    return outcomeOf(res.status, res.body, res.headers['retry-after'])
  },
}
