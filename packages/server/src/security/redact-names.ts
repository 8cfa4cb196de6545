import { isSecretName, lastSegments, nameWords } from '@beacon/sdk/secret-names'
import type { FieldRule } from './redact-policy.ts'
import { patternSource, type KeyMatcher } from './field-match.ts'

/**
 * Decides from an attribute key alone what the redactor does with its value. Used for attribute
 * keys (`http.request.header.authorization`) and for keys found inside text (`"password":`,
 * `api_key=`, `X-Api-Key:`). Decisions are cached per key by the caller.
 *
 * The built-in secret names are one list shared with the SDK (`@beacon/sdk/secret-names`): only
 * the last dotted segment names the field, split into words at `_`, `-`, spaces and camelCase humps,
 * so `DB_PASSWORD`, `dbPassword` and `db-password` are the same.
 */

/** What to do with a value. */
export const Action = {
  /** Scan the text for secrets, cards and personal data (the default). */
  scan: 0,
  /** Replace the whole value by `[REDACTED]`. */
  remove: 1,
  /** Replace the whole value by its first character and `***`. */
  mask: 2,
  /** A phone-number field: mask every value with seven or more digits, whatever its format. */
  phone: 3,
  /** An encrypted field: remove secrets and cards but do not mask personal data (it is encrypted next). */
  protect: 4,
} as const
export type ActionCode = (typeof Action)[keyof typeof Action]

export interface NameDecision {
  readonly action: ActionCode
  /** Counter name when the decision itself redacts (remove/mask). */
  readonly rule: string
}

/** Counter name of the built-in secret field names. */
export const SECRET_FIELD_RULE = 'secret-field'

const PHONE_WORDS = new Set(['phone', 'tel', 'telephone', 'mobile', 'msisdn', 'fax', 'cell', 'cellphone', 'phonenumber'])

const SCAN: NameDecision = Object.freeze({ action: Action.scan, rule: '' })
const PROTECT: NameDecision = Object.freeze({ action: Action.protect, rule: '' })
const PHONE: NameDecision = Object.freeze({ action: Action.phone, rule: 'phone' })
const SECRET: NameDecision = Object.freeze({ action: Action.remove, rule: SECRET_FIELD_RULE })

/** True when the built-in lists call this key a secret (the list shared with the SDK). */
export { isSecretName }

function isPhoneName(key: string): boolean {
  const w = nameWords(lastSegments(key)[0])
  return w.some((x) => PHONE_WORDS.has(x)) || w.join('').includes('phone')
}

interface CompiledFieldRule {
  test: RegExp
  decision: NameDecision
}

function compileFieldRule(rule: FieldRule): CompiledFieldRule {
  const name = rule.name ?? `field:${rule.field ?? rule.regex}`
  const test = rule.field !== undefined
    ? new RegExp(`^(?:.*\\.)?${patternSource(rule.field)}$`, 'i')
    : new RegExp(rule.regex as string, 'i')
  const action = rule.action === 'remove' ? Action.remove : rule.action === 'mask' ? Action.mask : Action.scan
  return { test, decision: Object.freeze({ action, rule: action === Action.scan ? '' : name }) }
}

export interface NameClassifierOptions {
  /** Operator rules, checked first, first match wins. */
  rules: readonly FieldRule[]
  /** Built-in secret names on (policy `secrets`). */
  secrets: boolean
  /** Built-in phone field names on (policy `phones`). */
  phones: boolean
  /** Encrypted fields (their values are not masked, only cleaned of secrets and cards). */
  protect: KeyMatcher
}

const CACHE_LIMIT = 50_000

/** Returns a cached classifier: key → decision. */
export function compileNameClassifier(opts: NameClassifierOptions): (key: string) => NameDecision {
  const rules = opts.rules.map(compileFieldRule)
  const cache = new Map<string, NameDecision>()
  const decide = (key: string): NameDecision => {
    for (const r of rules) {
      if (!r.test.test(key)) continue
      if (r.decision.action !== Action.scan) return r.decision
      return opts.protect(key) ? PROTECT : SCAN // `keep`: not a secret by name
    }
    if (opts.secrets && isSecretName(key)) return SECRET
    if (opts.protect(key)) return PROTECT
    if (opts.phones && isPhoneName(key)) return PHONE
    return SCAN
  }
  return (key) => {
    let d = cache.get(key)
    if (d === undefined) {
      d = decide(key)
      if (cache.size >= CACHE_LIMIT) cache.clear()
      cache.set(key, d)
    }
    return d
  }
}

/**
 * Literal text that must occur in a value for an operator's `field` rule to match a key inside it
 * (the longest `*`-free piece of the rule's last segment), for the redactor's prefilter.
 */
export function fieldRuleLiterals(rules: readonly FieldRule[]): string[] {
  const out: string[] = []
  for (const r of rules) {
    if (r.field === undefined || r.action === 'keep') continue
    const last = r.field.split('.').pop() as string
    const piece = last.split('*').reduce((a, b) => (b.length > a.length ? b : a), '')
    if (piece.length > 0) out.push(piece)
  }
  return out
}
