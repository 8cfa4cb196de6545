import { z } from 'zod'
import { isIP } from 'node:net'
import { parseQuery, QueryError } from '@beacon/query'
import { ruleInputSchema, ruleProblems } from './rule.ts'
import { CHANNELS } from './channels/index.ts'
import { DETECTORS, DEFAULT_BODY_HASH_ATTRIBUTE } from './detectors.ts'

/**
 * The `alerts` block of beacon.config.yaml (alerts as code): settings, channels and rules, checked
 * at start with every problem listed (queries with their position, unknown channel names).
 */

export const channelInputSchema = z.object({
  name: z.string().min(1).max(100),
  type: z.enum(['slack', 'telegram', 'webhook', 'email']),
  /** slack, webhook: the URL (a secret). */
  url: z.string().max(2000).optional(),
  /** telegram */
  botToken: z.string().max(200).optional(),
  chatId: z.string().max(100).optional(),
  apiBaseUrl: z.string().max(500).optional(),
  /** webhook: HMAC-SHA256 signing secret. */
  signingSecret: z.string().max(500).optional(),
  /** email: smtp://user:pass@host:587 or smtps://…:465 (a secret), the sender, the recipients (comma-separated). */
  smtpUrl: z.string().max(2000).optional(),
  from: z.string().max(300).optional(),
  to: z.string().max(2000).optional(),
  /** A default channel receives the built-in detectors and rules without channels. */
  default: z.boolean().default(false),
}).strict()

export type ChannelInput = z.input<typeof channelInputSchema>

/** Splits a channel input into shown settings and stored-encrypted secrets; lists problems. */
export function channelParts(c: z.output<typeof channelInputSchema>): { settings: Record<string, string>; secrets: Record<string, string>; problems: string[] } {
  const impl = CHANNELS[c.type]
  const all: Record<string, string> = {}
  for (const k of ['url', 'botToken', 'chatId', 'apiBaseUrl', 'signingSecret', 'smtpUrl', 'from', 'to'] as const) if (c[k] !== undefined && c[k] !== '') all[k] = c[k]
  const settings: Record<string, string> = {}
  const secrets: Record<string, string> = {}
  for (const [k, v] of Object.entries(all)) (impl.secretFields.includes(k) ? secrets : settings)[k] = v
  return { settings, secrets, problems: impl.validate(settings, secrets) }
}

const cidr = z.string().refine((s) => {
  const [addr, bits, extra] = s.split('/')
  const v = isIP(addr ?? '')
  return v !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128)))
}, 'expected an IP address or a CIDR network such as 127.0.0.0/8')

const configRuleSchema = ruleInputSchema

export const alertsConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** How often windowed rules are evaluated, seconds. */
  evaluationSeconds: z.number().int().min(1).max(300).default(10),
  /** Networks channel targets may resolve to even though private/loopback (BEACON_ALERT_ALLOW_NETWORKS). */
  allowNetworks: z.array(cidr).default([]),
  /** The request-body hash attribute the identical-requests detector counts (BEACON_ALERT_BODY_HASH_ATTRIBUTE). */
  bodyHashAttribute: z.string().regex(/^[A-Za-z_][\w.@-]*$/, 'expected an attribute name such as http.request.body.hash').max(256).default(DEFAULT_BODY_HASH_ATTRIBUTE),
  /** Built-in detectors: `false` switches one off; an object overrides its fields (threshold, window…). */
  detectors: z.record(z.string(), z.union([z.literal(false), z.record(z.string(), z.unknown())])).default({}),
  channels: z.array(channelInputSchema).default([]),
  rules: z.array(configRuleSchema).default([]),
}).superRefine((a, ctx) => {
  const names = new Set(a.channels.map((c) => c.name))
  for (const [id, override] of Object.entries(a.detectors)) {
    if (!DETECTORS[id]) { ctx.addIssue({ code: 'custom', path: ['detectors', id], message: `no built-in detector ${id}; known: ${Object.keys(DETECTORS).join(', ')}` }); continue }
    if (override === false) continue
    const r = ruleInputSchema.safeParse({ ...DETECTORS[id], ...override })
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['detectors', id, ...i.path.map(String)], message: i.message })
  }
  a.channels.forEach((c, i) => {
    for (const p of channelParts(c).problems) ctx.addIssue({ code: 'custom', path: ['channels', i], message: `${c.name}: ${p}` })
  })
  a.rules.forEach((r, i) => {
    for (const [field, text] of [['query', r.query], ['ratioOf', r.aggregate === 'ratio' ? r.ratioOf : '']] as const) {
      try { parseQuery(text) } catch (err) {
        if (err instanceof QueryError) ctx.addIssue({ code: 'custom', path: ['rules', i, field], message: `${r.name}: ${err.message}` })
      }
    }
    for (const p of ruleProblems(r)) ctx.addIssue({ code: 'custom', path: ['rules', i], message: `${r.name}: ${p}` })
    for (const c of r.channels) if (!names.has(c)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'channels'], message: `${r.name}: no channel named ${JSON.stringify(c)} in alerts.channels` })
  })
})

export type AlertsConfig = z.infer<typeof alertsConfigSchema>

export const DEFAULT_ALERTS_CONFIG: AlertsConfig = { enabled: true, evaluationSeconds: 10, allowNetworks: [], bodyHashAttribute: DEFAULT_BODY_HASH_ATTRIBUTE, detectors: {}, channels: [], rules: [] }
