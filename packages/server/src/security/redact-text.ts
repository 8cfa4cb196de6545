import { isIPv6 } from 'node:net'
import type { EffectivePolicy } from './redact-policy.ts'
import { fieldRuleLiterals, type NameDecision } from './redact-names.ts'
import { compilePrefilter, Found } from './redact-prefilter.ts'
import { redactJson } from './redact-json.ts'
import { ENTITY, PERCENT, redactEntities, redactUrlEncoded, redactXml } from './redact-decode.ts'
import { redactKeyValues, REDACTED } from './redact-pairs.ts'
import { countDigits, maskCard, maskDigits, maskEmail } from './mask.ts'

/**
 * Finds secrets, card numbers and personal data inside one string and replaces them.
 *
 *   value ──► shorter than 5 chars? ──► unchanged
 *     ▼
 *   prefilter, one pass (redact-prefilter.ts) ──► nothing found: unchanged (almost every value)
 *     │ found: secret stem | digit shape | '@'  — only the rules of what was found run
 *     ▼
 *   secret stem: PEM keys → `Authorization:`/`Cookie:` lines → `"key": value` in JSON (and escaped
 *                JSON) → `key=value` / `key: value` → card codes in prose (`cvc 123`) → Bearer / Basic
 *                → JWT → known API-key shapes
 *   '@':         URL credentials (`scheme://user:pass@host`)
 *   digits:      card numbers (Luhn)
 *   masking (skipped for encrypted fields): e-mails ('@') → phones (digits) → IPs (if enabled)
 *     ▼
 *   operator patterns (not prefiltered: each one is tried on every value)
 *
 * Keys found inside text (`"password":`, `api_key=`) are judged by the same name classifier as
 * attribute keys. Every replacement reports its rule name to `hits` (the per-service counters).
 */

export interface Hits {
  add(rule: string): void
}

const PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g
const AUTH_LINE = /(?<![\w-])((?:proxy-)?authorization|set-cookie|cookie)([ \t]*:[ \t]*)(?!\[REDACTED\])([^\r\n]+)/gi
/** A card security code written as prose, without `=` or `:` (`cvc 123`, `CVV is 913`, `cvv2 code 4821`). */
const CARD_CODE = /(?<![\w-])(cv[vcdn]2?|csc|cid|ccv|cav2|security[ _-]?code|card[ _-]?code)(\s+(?:(?:is|was|code|number|no\.?|#)\s*:?\s*)?)(\d{3,4})(?![\w-])/gi
const CARD_CODE_TRIGGER = /cv[vcdn]|csc|cid|ccv|cav|code/i
const BEARER = /\b(bearer)(\s+)(?!\[REDACTED\])([A-Za-z0-9\-._~+/]+=*)/gi
const BASIC = /\b(basic)(\s+)([A-Za-z0-9+/]{4,}={0,2})(?![\w+/=])/gi
const JWT = /(?<![\w-])eyJ[\w-]{2,}\.[\w-]{2,}(?:\.[\w-]*){1,3}/g
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{1,15}:\/\/[^\s/:@]{0,128}:)(?!\[REDACTED\]@)([^\s/@]{1,256})@/gi
const KNOWN_TOKEN = /(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{40,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|sk-[\w-]{32,}|xox[abprs]-[A-Za-z0-9-]{10,}|A[KS]IA[0-9A-Z]{16}|AIza[\w-]{35})(?![\w-])/g

/**
 * 13–19 digits, contiguous or in groups (a first group of 4, then groups of 3–6) split by any
 * separator people and programs put there: space, `-`, `.`, `/`, `_`, tab, line breaks (also as
 * `\n` escapes), up to three of them. Not part of a longer alphanumeric run (trace ids, UUIDs,
 * `ORD-…` order numbers). Luhn and the issuer prefix decide (mask.ts).
 */
const CARD = /(?<![0-9A-Za-z][-.]?)(?:\d{13,19}|\d{4}(?:(?:[ \t\r\n._/-]|\\[nrt]){1,3}\d{3,6}){2,12})(?![-.]?[0-9A-Za-z])/g
/** Before a card written as a bare number in JSON (`"card": 4111…`, `[4111…`): the mask must be quoted to stay JSON. */
const JSON_NUMBER_BEFORE = /(?:"\s*:|[[,])\s*$/
const JSON_NUMBER_AFTER = /^\s*(?:[,}\]]|$)/
const EMAIL = /(?<![\w.%+-])([A-Za-z0-9][\w.%+-]{0,63})@([A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63})*)\.([A-Za-z]{2,24})(?![\w-])/g
/** International (`+7 912 345-67-89`), trunk-prefixed (`8-800-555-35-35`) and NANP (`(555) 123-4567`). */
const PHONE = /(?<![\w+.-])(?:\+\d{1,3}(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,4})(?:[ .-]?\d{2,4}){1,4}|8[ -]?\(?\d{3}\)?[ -]?\d{3}[ -]?\d{2}[ -]?\d{2}|(?:1[ .-])?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4})(?![\w-]|\.\d)/g
const IPV4 = /(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)/g

const IP_TRIGGER = /\d\.\d{1,3}\.\d{1,3}\.\d/

/** Encodings inside encodings decoded at most this deep (`%2525…` or JSON in JSON in JSON). */
const MAX_DECODE_DEPTH = 4

/** Values shorter than this cannot hold anything the built-in rules find (`pwd=x`, `a@b.co`). */
const MIN_LENGTH = 5

/** IPv6 → its first 48 bits (`2001:db8:abcd:12::1` → `2001:db8:abcd::`). */
function truncateIpv6(value: string): string {
  const [head, tail = ''] = value.split('::')
  const groups = head === '' ? [] : head.split(':')
  if (value.includes('::')) {
    const rest = tail === '' ? [] : tail.split(':')
    while (groups.length + rest.length < 8) groups.push('0')
    groups.push(...rest)
  }
  return `${groups.slice(0, 3).join(':')}::`
}

function looksLikeBasicCredentials(b64: string): boolean {
  if (b64.length % 4 !== 0) return false
  const text = Buffer.from(b64, 'base64').toString('latin1')
  return text.includes(':') && /^[\x20-\x7e]+$/.test(text)
}

/**
 * A digit run the card pattern took whole that is not one card (`4111.1111.1111.1111 / 5555_…`:
 * groups of two cards, or a card and a number): the cards among its groups, longest first.
 */
function maskCardsIn(m: string, hits: Hits): string | undefined {
  const parts = m.split(/(\D+)/)
  const groups: string[] = []
  const seps: string[] = []
  for (let k = 0; k < parts.length; k += 2) { groups.push(parts[k]); seps.push(parts[k + 1] ?? '') }
  let out = ''
  let changed = false
  for (let i = 0; i < groups.length;) {
    let j = Math.min(groups.length - 1, i + 4)
    let masked: string | undefined
    for (; j >= i; j--) {
      const digits = groups.slice(i, j + 1).join('')
      if (digits.length >= 13 && digits.length <= 19 && (masked = maskCard(digits)) !== undefined) break
    }
    if (masked !== undefined) { out += masked + seps[j]; hits.add('card'); changed = true; i = j + 1 } else { out += groups[i] + seps[i]; i++ }
  }
  return changed ? out : undefined
}

export interface TextRedactor {
  /** Prefilter: false only when no built-in rule can match in `text` (operator patterns aside). */
  mayContain(text: string): boolean
  /** Redacts one value; `protect` skips e-mail/phone/IP masking (encrypted fields). */
  redact(value: string, hits: Hits, protect?: boolean): string
  /** A phone-number field: masks the digits when there are seven or more. */
  maskPhoneField(value: string, hits: Hits): string
}

/** Builds the text redactor of one effective policy; every regular expression is compiled here, once. */
export function compileTextRedactor(p: EffectivePolicy, classify: (key: string) => NameDecision, options: { prefilter?: boolean } = {}): TextRedactor {
  const custom = p.patterns.map((r) => ({ name: r.name, re: new RegExp(r.regex, r.ignoreCase ? 'gi' : 'g'), replacement: r.replacement }))
  const scan = compilePrefilter({ secrets: p.secrets, literals: fieldRuleLiterals(p.fields), digits: p.cards || p.phones, at: p.emails || p.secrets })
  const minLength = custom.length > 0 ? 1 : MIN_LENGTH

  /** Which built-in rules could match in `s` (bits of `Found`); 0 for almost every value. */
  const found = options.prefilter === false ? () => Found.secret | Found.digits | Found.at | Found.encoded : scan

  function secrets(s: string, hits: Hits): string {
    if (!p.secrets) return redactKeyValues(s, classify, hits)
    if (s.includes('-----BEGIN')) s = s.replace(PEM, () => { hits.add('private-key'); return REDACTED })
    if (s.includes(':')) s = s.replace(AUTH_LINE, (_m, k: string, sep: string) => { hits.add('auth-header'); return `${k}${sep}${REDACTED}` })
    s = redactKeyValues(s, classify, hits)
    if (CARD_CODE_TRIGGER.test(s)) s = s.replace(CARD_CODE, (_m, word: string, sep: string) => { hits.add('card-code'); return `${word}${sep}${REDACTED}` })
    s = s.replace(BEARER, (m, word: string, sp: string, token: string) => {
      // "the bearer of", "Bearer authentication": prose, not a credential
      if (/^[a-z]+$/.test(token) && token.length < 16) return m
      hits.add('bearer')
      return `${word}${sp}${REDACTED}`
    })
    s = s.replace(BASIC, (m, word: string, sp: string, b64: string) => {
      if (!looksLikeBasicCredentials(b64)) return m
      hits.add('basic-auth')
      return `${word}${sp}${REDACTED}`
    })
    if (s.includes('eyJ')) s = s.replace(JWT, () => { hits.add('jwt'); return REDACTED })
    return s.replace(KNOWN_TOKEN, () => { hits.add('known-token'); return REDACTED })
  }

  function personal(s: string, f: number, hits: Hits): string {
    if (p.emails && (f & Found.at) !== 0) {
      s = s.replace(EMAIL, (_m, local: string, domain: string, tld: string) => { hits.add('email'); return maskEmail(local, domain, tld) })
    }
    if (p.phones && (f & Found.digits) !== 0) {
      s = s.replace(PHONE, (m: string) => {
        const n = countDigits(m)
        if (n < 8 || n > 15) return m
        // a trunk/NANP number written without any separator is more likely an id than a phone
        if (m[0] !== '+' && /^\d+$/.test(m)) return m
        hits.add('phone')
        return maskDigits(m)
      })
    }
    if (p.ips && IP_TRIGGER.test(s)) {
      s = s.replace(IPV4, (m, a: string, b: string, c: string, d: string) => {
        if (+a > 255 || +b > 255 || +c > 255 || +d > 255 || d === '0') return m
        hits.add('ip')
        return `${a}.${b}.${c}.0`
      })
    }
    return s
  }

  /**
   * One value: the prefilter, then what it found. Creates no closure, so a clean value (almost
   * every one) allocates nothing: a function that creates closures gets a context object on each
   * call, created or not (~50–90 bytes per value, most of redaction's allocation before 2026-11-30).
   */
  function run(value: string, hits: Hits, protect: boolean, depth: number): string {
    if (value.length < minLength) return value
    const f = found(value)
    if (f !== 0) return runFound(value, f, hits, protect, depth)
    const s = p.ips && !protect ? textRules(value, 0, hits, protect) : value
    return custom.length === 0 ? s : customRules(s, hits)
  }

  /** The decoding layers (JSON walk, URL encoding, entities, XML), then the text rules. */
  function runFound(value: string, f: number, hits: Hits, protect: boolean, depth: number): string {
    let s = value
    // an escape may hide anything: decode, then every rule runs
    if ((f & Found.encoded) !== 0) f = Found.secret | Found.digits | Found.at | Found.encoded
    let walked = false
    if (depth < MAX_DECODE_DEPTH) {
      const inner = (v: string): string => run(v, hits, protect, depth + 1)
      const c = s.charCodeAt(0) === 32 || s.charCodeAt(0) === 10 ? s.trimStart().charCodeAt(0) : s.charCodeAt(0)
      if (c === 123 || c === 91) {
        const r = redactJson(s, {
          classify, text: inner, hit: (rule) => hits.add(rule), maskPhone: (v) => textRedactor.maskPhoneField(v, hits),
          card: (digits) => { if (!p.cards) return undefined; const r = maskCard(digits); if (r !== undefined) hits.add('card'); return r },
        })
        if (r !== undefined) { s = r; walked = true }
      }
      if (!walked) {
        const layer = { classify, text: inner, hit: (rule: string) => hits.add(rule), maskPhone: (v: string) => textRedactor.maskPhoneField(v, hits) }
        if ((f & Found.encoded) !== 0) {
          if (PERCENT.test(s)) s = redactUrlEncoded(s, layer)
          if (ENTITY.test(s)) s = redactEntities(s, layer)
        }
        if ((f & Found.secret) !== 0 && (s.includes('</') || s.includes('/>'))) s = redactXml(s, layer)
      }
    }
    if (!walked) s = textRules(s, f, hits, protect)
    return custom.length === 0 ? s : customRules(s, hits)
  }

  /** The operator's patterns, on every value. */
  function customRules(s: string, hits: Hits): string {
    for (let i = 0; i < custom.length; i++) {
      const c = custom[i]
      c.re.lastIndex = 0
      if (!c.re.test(s)) continue
      const n = s.match(c.re)?.length ?? 1
      for (let k = 0; k < n; k++) hits.add(c.name)
      s = s.replace(c.re, c.replacement)
    }
    return s
  }

  /** The free-text pass: secrets, URL credentials, cards, then personal data. */
  function textRules(s: string, f: number, hits: Hits, protect: boolean): string {
    if ((f & Found.secret) !== 0) s = secrets(s, hits)
    if (p.secrets && (f & Found.at) !== 0 && s.includes('://')) s = urlCredentials(s, hits)
    if (p.cards && (f & Found.digits) !== 0) s = cards(s, hits)
    if (!protect) {
      if (f !== 0 || p.ips) s = personal(s, f, hits)
      if (p.ips && s.length <= 45 && s.includes(':') && isIPv6(s)) {
        const t = truncateIpv6(s)
        if (t !== s) { hits.add('ip'); s = t }
      }
    }
    return s
  }

  function urlCredentials(s: string, hits: Hits): string {
    return s.replace(URL_CREDENTIALS, (_m, head: string) => { hits.add('url-credentials'); return `${head}${REDACTED}@` })
  }

  function cards(s: string, hits: Hits): string {
    return s.replace(CARD, (m: string, at: number, whole: string) => {
      const r = maskCard(m) ?? maskCardsIn(m, hits)
      if (r === undefined) return m
      if (r.length === 19 && r.startsWith('****')) hits.add('card')
      const bare = /^\d+$/.test(m) && JSON_NUMBER_BEFORE.test(whole.slice(Math.max(0, at - 64), at)) && JSON_NUMBER_AFTER.test(whole.slice(at + m.length, at + m.length + 16))
      return bare ? `"${r}"` : r
    })
  }

  const textRedactor: TextRedactor = {
    mayContain: (s) => found(s) !== 0 || (p.ips && (IP_TRIGGER.test(s) || s.includes(':'))),
    redact: (value, hits, protect = false) => run(value, hits, protect, 0),
    maskPhoneField(value, hits) {
      if (countDigits(value) < 7 || value.includes('*')) return value
      hits.add('phone')
      return maskDigits(value)
    },
  }
  return textRedactor
}

