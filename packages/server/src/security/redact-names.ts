import type { FieldRule } from './redact-policy.ts'
import { patternSource, type KeyMatcher } from './field-match.ts'

/**
 * Decides from an attribute key alone what the redactor does with its value. Used for attribute
 * keys (`http.request.header.authorization`) and for keys found inside text (`"password":`,
 * `api_key=`, `X-Api-Key:`). Decisions are cached per key by the caller.
 *
 * Only the last dotted segment names the field (`request.body.user.password` → `password`;
 * trailing array indexes such as `.0` are skipped). A segment is split into words at `_`, `-`,
 * spaces and camelCase humps and lower-cased, so `DB_PASSWORD`, `dbPassword` and `db-password`
 * are the same.
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

/** A segment whose squashed form contains one of these is a secret. */
const SECRET_PARTS = [
  'password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'accesskey',
  'signingkey', 'encryptionkey', 'masterkey', 'licensekey', 'licencekey', 'sharedkey', 'consumerkey',
  'authkey', 'sessionkey', 'authorization', 'cookie', 'credential', 'sessionid', 'sessid', 'cvv', 'cvc',
  'securitycode', 'mfacode', 'jwt', 'bearer',
]
/** A segment with one of these as a whole word is a secret (`db_pass`, `card_pin`, `x-auth`). */
const SECRET_WORDS = new Set(['pass', 'pwd', 'pin', 'otp', 'totp', 'auth', 'oauth'])
/** The last two segments squashed together (`api.key`, `private.key`, `card.cvv2`). */
const SECRET_COMPOUNDS = new Set(['apikey', 'privatekey', 'accesskey', 'secretkey', 'authtoken', 'accesstoken', 'refreshtoken', 'idtoken'])
/**
 * Counts and kinds of tokens (LLM usage, token types) — not secrets. Their values are still scanned
 * as text, so a real token inside one is still removed.
 */
const HARMLESS = /^(?:(?:max|min|prompt|completion|total|input|output|cached|reasoning|remaining|used|num)tokens?|tokens?(?:count|counts|type|usage|limit|length|len|ttl|expiry|expiresin|expiresat|used|remaining|total|estimate)|tokeni[sz](?:er|ed|ation))$/
const PHONE_WORDS = new Set(['phone', 'tel', 'telephone', 'mobile', 'msisdn', 'fax', 'cell', 'cellphone', 'phonenumber'])

const SCAN: NameDecision = Object.freeze({ action: Action.scan, rule: '' })
const PROTECT: NameDecision = Object.freeze({ action: Action.protect, rule: '' })
const PHONE: NameDecision = Object.freeze({ action: Action.phone, rule: 'phone' })
const SECRET: NameDecision = Object.freeze({ action: Action.remove, rule: SECRET_FIELD_RULE })

function words(segment: string): string[] {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)
}

/** Last meaningful segments of a dotted key: array indexes (`headers.0`) are skipped. */
function lastSegments(key: string): [string, string] {
  const segs = key.split('.')
  let i = segs.length - 1
  while (i > 0 && /^\d*$/.test(segs[i])) i--
  return [segs[i], i > 0 ? segs[i - 1] : '']
}

/** True when the built-in lists call this key a secret. */
export function isSecretName(key: string): boolean {
  const [last, prev] = lastSegments(key)
  const w = words(last)
  const squashed = w.join('')
  if (squashed === '' || HARMLESS.test(squashed)) return false
  if (w.some((x) => SECRET_WORDS.has(x))) return true
  if (SECRET_PARTS.some((p) => squashed.includes(p))) return true
  return prev !== '' && SECRET_COMPOUNDS.has(words(prev).join('') + squashed)
}

function isPhoneName(key: string): boolean {
  const w = words(lastSegments(key)[0])
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
