import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import nodemailer from 'nodemailer'
import { escapeHtml } from './telegram.ts'
import { BlockedTargetError } from './http-post.ts'
import { fmt, headline, labelText, type Channel, type Notification } from './types.ts'

/**
 * E-mail over SMTP (nodemailer). `smtpUrl` is a secret (it may hold the password):
 * `smtp://user:pass@mail.example.com:587` (STARTTLS when the server offers it) or
 * `smtps://…:465` (TLS from the start). `from` one address, `to` a comma-separated list.
 * The server's address passes the same network policy as webhooks (BEACON_ALERT_ALLOW_NETWORKS);
 * the connection goes to the address checked, TLS still verifies the host name.
 */

const ADDRESS = /^[^\s@<>,]+@[^\s@<>,]+$/

/** Plain-text body: what the Telegram message says, without markup. */
export function emailText(n: Notification): string {
  const lines = [headline(n), n.rule.condition, '']
  for (const a of n.alerts) {
    lines.push(`${labelText(a.labels) || n.rule.name}: ${fmt(a.value)}`)
    if (a.expected) lines.push(`  expected ${fmt(a.expected.low)}–${fmt(a.expected.high)}`)
    if (a.sample) lines.push(`  ${a.sample.service}: ${a.sample.message.slice(0, 1000)}`)
    lines.push(`  search: ${a.links.search}`)
    if (a.links.trace) lines.push(`  trace: ${a.links.trace}`)
    if (a.links.order) lines.push(`  order: ${a.links.order}`)
    lines.push('')
  }
  return lines.join('\n')
}

export function emailHtml(n: Notification): string {
  const items = n.alerts.map((a) => {
    const links = [`<a href="${escapeHtml(a.links.search)}">search</a>`]
    if (a.links.trace) links.push(`<a href="${escapeHtml(a.links.trace)}">trace</a>`)
    if (a.links.order) links.push(`<a href="${escapeHtml(a.links.order)}">order</a>`)
    return `<li><b>${escapeHtml(labelText(a.labels) || n.rule.name)}</b>: ${escapeHtml(fmt(a.value))}`
      + (a.expected ? ` (expected ${escapeHtml(fmt(a.expected.low))}–${escapeHtml(fmt(a.expected.high))})` : '')
      + (a.sample ? `<br><code>${escapeHtml(a.sample.service)}</code> ${escapeHtml(a.sample.message.slice(0, 1000))}` : '')
      + `<br>${links.join(' · ')}</li>`
  })
  return `<p><b>${escapeHtml(headline(n))}</b><br><i>${escapeHtml(n.rule.condition)}</i></p><ul>${items.join('')}</ul>`
}

function parseSmtpUrl(text: string | undefined): URL | null {
  try {
    const u = new URL(text ?? '')
    return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname ? u : null
  } catch {
    return null
  }
}

export const emailChannel: Channel = {
  kind: 'email',
  secretFields: ['smtpUrl'],
  minIntervalMs: 1000,
  validate(settings, secrets) {
    const p: string[] = []
    if (!parseSmtpUrl(secrets.smtpUrl)) p.push('smtpUrl: smtp://user:password@host:587 or smtps://…:465')
    if (!ADDRESS.test(settings.from ?? '')) p.push('from: one e-mail address')
    const to = (settings.to ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    if (to.length === 0 || !to.every((a) => ADDRESS.test(a))) p.push('to: e-mail addresses, comma-separated')
    return p
  },
  rateKey: (c) => `email:${parseSmtpUrl(c.secrets.smtpUrl)?.host ?? ''}`,
  async send(n, c, ctx) {
    const url = parseSmtpUrl(c.secrets.smtpUrl)
    if (!url) return { ok: false, status: 0, error: 'smtpUrl is not an smtp:// or smtps:// URL', permanent: true }
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const password = decodeURIComponent(url.password)
    const hide = (s: string): string => (password ? s.split(password).join('…') : s)
    try {
      const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address)
      const blocked = addresses.find((a) => !ctx.policy.allows(a))
      if (blocked !== undefined || addresses.length === 0) throw new BlockedTargetError(host, blocked ?? host)
      const address = addresses[0]
      const transport = nodemailer.createTransport({
        host: address, port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587), secure: url.protocol === 'smtps:',
        auth: url.username ? { user: decodeURIComponent(url.username), pass: password } : undefined,
        tls: { servername: isIP(host) ? undefined : host },
        connectionTimeout: ctx.timeoutMs, greetingTimeout: ctx.timeoutMs, socketTimeout: ctx.timeoutMs,
      })
      try {
        const info = await transport.sendMail({
          from: c.settings.from, to: c.settings.to, subject: headline(n).slice(0, 200), text: emailText(n), html: emailHtml(n),
          headers: { 'X-Beacon-Rule': n.rule.id, 'X-Beacon-Status': n.status },
        })
        const code = Number(/^(\d{3})/.exec(String(info.response ?? ''))?.[1] ?? 250)
        return { ok: true, status: code }
      } finally {
        transport.close()
      }
    } catch (err) {
      if (err instanceof BlockedTargetError) return { ok: false, status: 0, error: err.message, permanent: true }
      const e = err as Error & { responseCode?: number }
      const code = e.responseCode ?? 0
      // SMTP 5xx is a permanent refusal (bad recipient, auth failed); 4xx and network errors are retried.
      return { ok: false, status: code, error: hide(e.message).slice(0, 500), permanent: code >= 500 && code < 600 }
    }
  },
}
