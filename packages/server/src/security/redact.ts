import type { Stage } from '../pipeline/pipeline.ts'
import type { Attributes, Batch } from '../pipeline/record.ts'
import { BeaconError } from '../errors.ts'
import { effectivePolicy, redactionPolicySchema, type RedactionPolicy, type RedactionPolicyInput } from './redact-policy.ts'
import { Action, compileNameClassifier, type NameDecision } from './redact-names.ts'
import { compileTextRedactor, type Hits, type TextRedactor } from './redact-text.ts'
import { maskWhole } from './mask.ts'
import { REDACTED } from './redact-pairs.ts'
import { BLIND_INDEX_SUFFIX, compileKeyMatcher } from './field-match.ts'
import { isEncrypted } from './crypto.ts'

/**
 * The redaction stage: secrets never stored, card numbers cut to the last four, personal data masked.
 *
 *   record ──► per service: its compiled redactor (global policy + override)
 *     │
 *     ├─ attributes, resource, span event / link attributes:
 *     │     key ──► cached name decision ──► remove | mask | phone field | encrypted field | scan
 *     │     value ─► text redactor: one-pass prefilter scan, precise rules only on a hit (redact-text.ts)
 *     └─ every other string stored: service name (first: it picks the policy), log body, event name,
 *        severity text, scope name/version, span name, status message, trace state, span event
 *        names, link trace state — text redactor (store.test pins that no string column is missed)
 *     ▼
 *   hits of the record ──► counters[service][rule]   (only when something was redacted)
 *
 * Runs before the encrypt stage. Encrypted fields (`encryptedFields`) are cleaned of secrets and
 * card numbers but not masked, so the encrypt stage stores the real e-mail or phone encrypted;
 * values that already are encryption tokens are left alone.
 */

export interface RedactStageOptions {
  /** Attribute keys the encrypt stage encrypts (same patterns as its `fields`). */
  encryptedFields?: readonly string[]
}

export interface RedactStage extends Stage {
  /** Redactions so far: service → rule → count. */
  counters(): Record<string, Record<string, number>>
  /** Redacts one free-text string as the stage would for `service` (for Beacon's own logs, error texts). */
  redactText(text: string, service?: string): string
}

/** Services tracked separately in the counters; the rest are added up under `(other)`. */
const MAX_COUNTED_SERVICES = 1000
const OTHER_SERVICES = '(other)'

interface Redactor {
  classify: (key: string) => NameDecision
  text: TextRedactor
}

class RecordHits implements Hits {
  rules: string[] = []
  add(rule: string): void {
    this.rules.push(rule)
  }
}

function parsePolicy(input: RedactionPolicyInput): RedactionPolicy {
  const r = redactionPolicySchema.safeParse(input)
  if (r.success) return r.data
  const problems = r.error.issues.map((i) => `security.redaction.${i.path.join('.')}: ${i.message}`)
  throw new BeaconError('config_invalid', `invalid redaction policy:\n${problems.join('\n')}`, { problems })
}

/**
 * Creates the redaction stage.
 * @example
 * const redact = createRedactStage({ ips: true }, { encryptedFields: ['customer.email'] })
 * redact.process(batch)
 * redact.counters() // { checkout: { 'secret-field': 3, card: 1, email: 2 } }
 */
export function createRedactStage(policyInput: RedactionPolicyInput = {}, options: RedactStageOptions = {}): RedactStage {
  const policy = parsePolicy(policyInput)
  const protect = compileKeyMatcher(options.encryptedFields ?? [])

  function compile(service?: string): Redactor {
    const p = effectivePolicy(policy, service)
    const classify = compileNameClassifier({ rules: p.fields, secrets: p.secrets, phones: p.phones, protect })
    return { classify, text: compileTextRedactor(p, classify) }
  }
  const base = compile()
  const byService = new Map<string, Redactor>()
  for (const service of Object.keys(policy.services)) byService.set(service, compile(service))
  const redactorFor = (service: string): Redactor => (byService.size === 0 ? base : byService.get(service) ?? base)

  const counts = new Map<string, Map<string, number>>()
  const hits = new RecordHits()

  function count(service: string): void {
    let perRule = counts.get(service)
    if (perRule === undefined) {
      if (counts.size >= MAX_COUNTED_SERVICES && service !== OTHER_SERVICES) return count(OTHER_SERVICES)
      perRule = new Map()
      counts.set(service, perRule)
    }
    for (const rule of hits.rules) perRule.set(rule, (perRule.get(rule) ?? 0) + 1)
  }

  function value(r: Redactor, v: string, encryptedField = false): string {
    // an encryption token is random base64url: nothing to find, and masking would destroy it
    if (v.length > 40 && v.charCodeAt(0) === 101 && isEncrypted(v)) return v
    return r.text.redact(v, hits, encryptedField)
  }

  function attributes(r: Redactor, a: Attributes): void {
    for (const key in a) {
      const v = a[key]
      if (v.length === 0) continue
      const d = r.classify(key)
      let out: string
      switch (d.action) {
        case Action.scan: out = value(r, v); break
        case Action.remove: out = REDACTED; if (v !== REDACTED) hits.add(d.rule); break
        case Action.mask: out = v.endsWith('***') ? v : maskWhole(v); if (out !== v) hits.add(d.rule); break
        case Action.phone: out = r.text.maskPhoneField(value(r, v), hits); break
        // an encrypted field: secrets and cards go, personal data stays for the encrypt stage;
        // a client-sent `<field>.bidx` is not an index Beacon made, so it is scanned in full
        default: out = value(r, v, !key.endsWith(BLIND_INDEX_SUFFIX))
      }
      if (out !== v) a[key] = out
    }
  }

  function process(batch: Batch): void {
    if (!policy.enabled) return
    // receivers share one resource map among the records of a resource; redact it once
    let resource: Attributes | undefined
    for (const log of batch.logs) {
      hits.rules.length = 0
      // the service name is data too (`service.name`, an index name): redacted before it picks the policy
      log.serviceName = value(base, log.serviceName)
      const r = redactorFor(log.serviceName)
      if (log.body.length > 0) log.body = value(r, log.body)
      if (log.eventName.length > 0) log.eventName = value(r, log.eventName)
      if (log.scopeName.length > 0) log.scopeName = value(r, log.scopeName)
      if (log.scopeVersion.length > 0) log.scopeVersion = value(r, log.scopeVersion)
      if (log.severityText.length > 0) log.severityText = value(r, log.severityText)
      attributes(r, log.attributes)
      if (log.resource !== resource) attributes(r, (resource = log.resource))
      if (hits.rules.length > 0) count(log.serviceName)
    }
    for (const span of batch.spans) {
      hits.rules.length = 0
      span.serviceName = value(base, span.serviceName)
      const r = redactorFor(span.serviceName)
      span.name = value(r, span.name)
      if (span.traceState.length > 0) span.traceState = value(r, span.traceState)
      if (span.scopeName.length > 0) span.scopeName = value(r, span.scopeName)
      if (span.scopeVersion.length > 0) span.scopeVersion = value(r, span.scopeVersion)
      if (span.statusMessage.length > 0) span.statusMessage = value(r, span.statusMessage)
      attributes(r, span.attributes)
      if (span.resource !== resource) attributes(r, (resource = span.resource))
      for (const e of span.events) {
        e.name = value(r, e.name)
        attributes(r, e.attributes)
      }
      for (const l of span.links) {
        if (l.traceState.length > 0) l.traceState = value(r, l.traceState)
        attributes(r, l.attributes)
      }
      if (hits.rules.length > 0) count(span.serviceName)
    }
  }

  return {
    name: 'redact',
    process,
    counters() {
      const out: Record<string, Record<string, number>> = {}
      for (const [service, perRule] of counts) out[service] = Object.fromEntries(perRule)
      return out
    },
    redactText(text, service) {
      if (!policy.enabled) return text
      const r = service === undefined ? base : redactorFor(service)
      const saved = hits.rules
      hits.rules = []
      try {
        return value(r, text)
      } finally {
        hits.rules = saved
      }
    },
  }
}
