import { httpPost } from './http-post.ts'
import { fmt, headline, labelText, outcomeOf, type Channel, type Notification } from './types.ts'

/**
 * Telegram Bot API `sendMessage` with `parse_mode: HTML` (https://core.telegram.org/bots/api#sendmessage):
 * text at most 4,096 characters after entity parsing; only &, < and > need escaping. At most one
 * message per second per chat; a 429 carries `parameters.retry_after` (seconds).
 */

export const TELEGRAM_LIMIT = 4096
const ICON = { critical: '🔴', warning: '🟠', info: '🔵' }

export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** The message text; alerts that do not fit are summarised as "…and N more" (never cut mid-tag). */
export function telegramText(n: Notification): string {
  const icon = n.status === 'resolved' ? '✅' : ICON[n.rule.severity]
  const head = `${icon} <b>${escapeHtml(headline(n))}</b>\n<i>${escapeHtml(n.rule.condition)}</i>\n`
  const parts: string[] = []
  let length = head.length
  let shown = 0
  for (const a of n.alerts) {
    const lines = [`\n<b>${escapeHtml(labelText(a.labels) || n.rule.name)}</b>: ${fmt(a.value)}`]
    if (a.expected) lines.push(`expected ${fmt(a.expected.low)}–${fmt(a.expected.high)}`)
    if (a.sample) lines.push(`<code>${escapeHtml(a.sample.service)}</code> ${escapeHtml(a.sample.message.slice(0, 600))}`)
    const links = [`<a href="${escapeHtml(a.links.search)}">search</a>`]
    if (a.links.trace) links.push(`<a href="${escapeHtml(a.links.trace)}">trace</a>`)
    if (a.links.order) links.push(`<a href="${escapeHtml(a.links.order)}">order</a>`)
    lines.push(links.join(' · '))
    const block = lines.join('\n') + '\n'
    // Reserve room for the "…and N more" line.
    if (length + block.length > TELEGRAM_LIMIT - 40) break
    parts.push(block)
    length += block.length
    shown++
  }
  const more = n.alerts.length - shown
  return head + parts.join('') + (more > 0 ? `\n…and ${more} more` : '')
}

export const telegramChannel: Channel = {
  kind: 'telegram',
  secretFields: ['botToken'],
  minIntervalMs: 1000,
  validate(settings, secrets) {
    const p: string[] = []
    if (!/^\d+:[A-Za-z0-9_-]{10,}$/.test(secrets.botToken ?? '')) p.push('botToken: the bot token from @BotFather (123456:ABC…)')
    if (!/^-?\d+$|^@[A-Za-z0-9_]{4,}$/.test(settings.chatId ?? '')) p.push('chatId: a numeric chat id or @channelname')
    if (settings.apiBaseUrl && !/^https?:\/\//.test(settings.apiBaseUrl)) p.push('apiBaseUrl: an http(s) URL')
    return p
  },
  rateKey: (c) => `telegram:${c.settings.chatId}`,
  async send(n, c, ctx) {
    const base = (c.settings.apiBaseUrl || 'https://api.telegram.org').replace(/\/+$/, '')
    const body = JSON.stringify({ chat_id: c.settings.chatId, text: telegramText(n), parse_mode: 'HTML', disable_web_page_preview: true })
    const res = await httpPost(`${base}/bot${c.secrets.botToken}/sendMessage`, body, {}, ctx.policy, ctx.timeoutMs)
    const out = outcomeOf(res.status, res.body, res.headers['retry-after'])
    if (!out.ok && res.status === 429) {
      try {
        const ra = (JSON.parse(res.body) as { parameters?: { retry_after?: number } }).parameters?.retry_after
        if (typeof ra === 'number') out.retryAfterMs = ra * 1000
      } catch { /* keep the header's value */ }
    }
    // Never echo the URL: it holds the bot token.
    if (!out.ok) out.error = out.error.split(c.secrets.botToken).join('…')
    return out
  },
}
