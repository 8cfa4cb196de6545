import { z } from 'zod'

/**
 * Configuration of the redaction stage (`security.redaction` in beacon.config.yaml).
 *
 * Every switch defaults to the safe side: secrets and card numbers are removed, e-mails and phone
 * numbers masked; only IP truncation is off. Services may override the switches and add rules.
 *
 * @example
 * ```yaml
 * security:
 *   redaction:
 *     ips: true
 *     fields:
 *       - { field: x-session, action: remove }          # a header name, any nesting
 *       - { regex: '^internal\..*\.pin$', action: remove }
 *       - { field: gen_ai.usage.token_total, action: keep }
 *     patterns:
 *       - { name: employee-id, regex: 'EMP-\d{6}', replacement: 'EMP-******' }
 *     services:
 *       call-center: { phones: false }
 * ```
 */

/** What a field-name rule does with the value of a matching attribute (or JSON / `key=value` key). */
export const FIELD_ACTIONS = ['remove', 'mask', 'keep'] as const
export type FieldAction = (typeof FIELD_ACTIONS)[number]

function regexProblem(source: string, flags: string): string | undefined {
  try {
    new RegExp(source, flags)
    return undefined
  } catch (err) {
    return `invalid regular expression: ${(err as Error).message}`
  }
}

export const fieldRuleSchema = z
  .object({
    /** Counter name; default `field:<field or regex>`. */
    name: z.string().min(1).max(64).optional(),
    /** Exact key or dotted suffix of a key, case-insensitive (`authorization` matches `http.request.header.authorization`). `*` matches any run of characters. */
    field: z.string().min(1).max(256).optional(),
    /** Regular expression tested against the whole key, case-insensitive. */
    regex: z.string().min(1).max(1024).optional(),
    /** `remove` → `[REDACTED]`; `mask` → first character + `***`; `keep` → not a secret by name (its text is still scanned). */
    action: z.enum(FIELD_ACTIONS).default('remove'),
  })
  .superRefine((rule, ctx) => {
    if ((rule.field === undefined) === (rule.regex === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of `field` or `regex`' })
    }
    if (rule.regex !== undefined) {
      const problem = regexProblem(rule.regex, 'i')
      if (problem) ctx.addIssue({ code: 'custom', path: ['regex'], message: problem })
    }
  })

export const patternRuleSchema = z
  .object({
    /** Counter name. */
    name: z.string().min(1).max(64),
    /** Regular expression searched in every value (global). Keep it simple: it runs on every value. */
    regex: z.string().min(1).max(1024),
    /** Replacement text (`$1`… refer to groups). */
    replacement: z.string().default('[REDACTED]'),
    ignoreCase: z.boolean().default(false),
  })
  .superRefine((rule, ctx) => {
    const problem = regexProblem(rule.regex, 'g')
    if (problem) ctx.addIssue({ code: 'custom', path: ['regex'], message: problem })
    else if (new RegExp(rule.regex).test('')) ctx.addIssue({ code: 'custom', path: ['regex'], message: 'must not match the empty string' })
  })

const toggles = {
  /** Remove secrets (passwords, tokens, keys, cookies, authorization, CVV) by field name and in text. */
  secrets: z.boolean(),
  /** Replace Luhn-valid card numbers by `****-****-****-<last 4>`. */
  cards: z.boolean(),
  /** Mask e-mail addresses (`j***@e***.com`). */
  emails: z.boolean(),
  /** Mask phone numbers, keeping the last two digits. */
  phones: z.boolean(),
  /** Truncate IP addresses (IPv4 → last octet 0, IPv6 → first 48 bits). */
  ips: z.boolean(),
}

export const serviceOverrideSchema = z.object({
  secrets: toggles.secrets.optional(),
  cards: toggles.cards.optional(),
  emails: toggles.emails.optional(),
  phones: toggles.phones.optional(),
  ips: toggles.ips.optional(),
  /** Added to (and checked before) the global field rules. */
  fields: z.array(fieldRuleSchema).default([]),
  /** Added after the global patterns. */
  patterns: z.array(patternRuleSchema).default([]),
})

export const redactionPolicySchema = z.object({
  /** Off only for throw-away test data: nothing is redacted at all. */
  enabled: z.boolean().default(true),
  secrets: toggles.secrets.default(true),
  cards: toggles.cards.default(true),
  emails: toggles.emails.default(true),
  phones: toggles.phones.default(true),
  ips: toggles.ips.default(false),
  fields: z.array(fieldRuleSchema).default([]),
  patterns: z.array(patternRuleSchema).default([]),
  /** Per service name (`service.name`). */
  services: z.record(z.string().min(1), serviceOverrideSchema).default({}),
})

export type RedactionPolicy = z.infer<typeof redactionPolicySchema>
export type RedactionPolicyInput = z.input<typeof redactionPolicySchema>
export type FieldRule = z.infer<typeof fieldRuleSchema>
export type PatternRule = z.infer<typeof patternRuleSchema>
export type ServiceOverride = z.infer<typeof serviceOverrideSchema>

/** Secrets and cards removed, e-mails and phones masked, IPs kept, no extra rules. */
export const defaultRedactionPolicy: RedactionPolicy = redactionPolicySchema.parse({})

/** The switches and rules that apply to one service: the global policy with its override applied. */
export interface EffectivePolicy {
  secrets: boolean
  cards: boolean
  emails: boolean
  phones: boolean
  ips: boolean
  fields: FieldRule[]
  patterns: PatternRule[]
}

export function effectivePolicy(policy: RedactionPolicy, service?: string): EffectivePolicy {
  const o = service === undefined ? undefined : policy.services[service]
  return {
    secrets: o?.secrets ?? policy.secrets,
    cards: o?.cards ?? policy.cards,
    emails: o?.emails ?? policy.emails,
    phones: o?.phones ?? policy.phones,
    ips: o?.ips ?? policy.ips,
    fields: [...(o?.fields ?? []), ...policy.fields],
    patterns: [...policy.patterns, ...(o?.patterns ?? [])],
  }
}
