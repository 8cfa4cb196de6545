/**
 * Redaction at source: secrets never leave the process.
 *
 * The same rules as the platform's ingest redaction:
 *   - values under secret keys (password, token, secret, api key, authorization, cookie, cvv, …)
 *     become "[REDACTED]";
 *   - card numbers (13–19 digits, spaces or dashes allowed, Luhn-valid) keep their last 4 digits;
 *   - inside free text: `Bearer …`/`Basic …` credentials, `password=…`-style pairs and JWTs.
 *
 * Copy-on-write: a value that needs no change is returned as the same reference, so the common
 * case (nothing secret in a log line) allocates nothing.
 */

import { isSecretName, lastSegments, nameWords } from './secret-names.ts'

export const REDACTED = '[REDACTED]'

const CARD_KEYS = new Set(['card', 'cardnumber', 'pan', 'ccnumber', 'creditcard', 'creditcardnumber', 'cardno'])

const NONE = 0
const SECRET = 1
const CARD = 2
// Log keys repeat endlessly: classify each once (bounded, so hostile keys cannot grow it forever).
const keyKinds = new Map<string, number>()

function keyKind(key: string): number {
  let kind = keyKinds.get(key)
  if (kind === undefined) {
    // the secret names are the server's list (secret-names.ts); card keys are the SDK's own (it masks, the server finds cards by Luhn)
    kind = isSecretName(key) ? SECRET : CARD_KEYS.has(nameWords(lastSegments(key)[0]).join('')) ? CARD : NONE
    if (keyKinds.size < 10_000) keyKinds.set(key, kind)
  }
  return kind
}

/** A JSON key (quoted, before a colon). */
const JSON_KEY_RE = /"((?:[^"\\\n]|\\.){1,128})"\s*:/g

/**
 * True when JSON text may hold a value under a secret or card key (then it must be redacted
 * structurally); false means pattern redaction of the text (`redactString`) is enough.
 */
export function mayHaveSecretKeys(jsonText: string): boolean {
  JSON_KEY_RE.lastIndex = 0
  let m: RegExpExecArray | null
  while ((m = JSON_KEY_RE.exec(jsonText)) !== null) if (keyKind(m[1]) !== NONE) return true
  return false
}

/** True when a value stored under this key (last path segment, any case) must never be kept. */
export function isSecretKey(key: string): boolean {
  return keyKind(key) === SECRET
}


/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0
  let double = false
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48
    if (d < 0 || d > 9) return false
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
    double = !double
  }
  return sum % 10 === 0
}

/** "4111 1111 1111 1111" → "**** 1111" (only the last 4 digits survive). */
export function maskCard(digits: string): string {
  return `**** ${digits.slice(-4)}`
}

const CARD_RE = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g
const AUTH_RE = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/gi
/** What AUTH_RE needs to match at all: a test is ~4× cheaper than a replace that finds nothing (every log message with a space). */
const AUTH_WORD = /bearer|basic|token/i
/** `key=value` / `key: value` in text; the key is judged by the shared secret-name list. */
const PAIR_RE = /(?<![\p{L}\p{N}_.-])([\p{L}_][\p{L}\p{N}_.-]{0,63})(["']?\s*[=:]\s*["']?)([^\s&"',;}]+)/gu
/** `Authorization: Bearer …`: the scheme stays, the credential after it is redacted by AUTH_RE. */
const AUTH_SCHEME = /^(?:Bearer|Basic|Token|Digest)$/i
const JWT_RE = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g

/**
 * The last few strings `redactString` found clean (nothing to redact), compared by content: the same
 * text is often redacted twice in a row — a captured request or response body, then the request
 * record holding it at the log call — and text costs ≈ 6 µs per KB, ≈ 16 with a secret name in it (`PAIR_RE`). Exact, since
 * `redactString` is a pure function: f(s) = s was computed for these. Bounded: 4 strings of at most 64 KB.
 */
const clean: string[] = ['', '', '', '']
let cleanNext = 0
const CLEAN_MIN = 16
const CLEAN_MAX = 64 * 1024

/** Redacts secrets inside free text (card numbers, credentials, `password=` pairs, JWTs). */
export function redactString(s: string): string {
  // Cheap precheck: nothing below can match a short string without digits or '='/' '.
  if (s.length < 12) return s
  const memo = s.length >= CLEAN_MIN && s.length <= CLEAN_MAX
  if (memo && (s === clean[0] || s === clean[1] || s === clean[2] || s === clean[3])) return s
  let out = s
  if (/\d{4}/.test(out)) {
    out = out.replace(CARD_RE, (m) => {
      const digits = m.replace(/[ -]/g, '')
      return luhnValid(digits) ? maskCard(digits) : m
    })
  }
  if (out.includes(' ') && AUTH_WORD.test(out)) out = out.replace(AUTH_RE, (_m, scheme: string) => `${scheme} ${REDACTED}`)
  if ((out.includes('=') || out.includes(':')) && mayHaveSecretPair(out)) out = redactPairs(out)
  if (out.includes('eyJ')) out = out.replace(JWT_RE, REDACTED)
  if (memo && out === s) {
    clean[cleanNext] = s
    cleanNext = (cleanNext + 1) & 3
  }
  return out
}

/**
 * What a secret key name holds once lower-cased with `_`, `-` and `.` removed (the letters
 * `isSecretName` compares: a key's words joined, the segment before it too): every name of
 * `SECRET_PARTS` and `SECRET_COMPOUNDS` and the words and segments below, or a stem of them.
 */
const SECRET_FOLDED = new RegExp([
  'pass', 'pw', 'otp', 'auth', 'secret', 'token', 'sess', 'mfa', '2fa', 'cookie', 'credential', 'jwt', 'bearer', 'signature',
  'cvv', 'cvc', 'csc', 'cvn', 'ccv', 'cvd', 'cav2',
  'apikey', 'privatekey', 'accesskey', 'signingkey', 'encryptionkey', 'masterkey', 'licensekey', 'licencekey', 'sharedkey', 'consumerkey',
  'securitycode', 'verificationcode', 'smscode', 'confirmationcode', 'resetcode', 'logincode', 'onetimecode', 'recoverycode',
  'backupcode', 'twofactorcode', 'cardcode', 'cardverification',
  'kennwort', 'contraseña', 'contrasena', 'senha', 'wachtwoord', 'lösenord', 'losenord', 'salasana', 'hasło', 'haslo', 'парол', 'секрет', 'токен',
].join('|'))
/**
 * The secret words too common inside other words to look for in folded text (`shipping`, `design`,
 * `decide`): counted only as words of their own (`hasSecretWord`).
 */
const SECRET_WORD = /[pP][iI][nN]|[sS][iI][gG]|[cC][iI][dD]/g

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}
function isAsciiUpper(c: number): boolean {
  return c >= 65 && c <= 90
}

/**
 * A 3-letter secret word as a word of a key name (split at non-letters and camelCase humps, as
 * `nameWords` does): `pin`, `dbPin`, `x-sig`, `CID`; not `shipping`, `Pins`, `PINCode`. A non-ASCII
 * letter next to it counts as a boundary (may say yes too often, never too rarely). One scan with a
 * plain expression and the boundaries checked here: ≈ 25× cheaper than the same test as lookarounds.
 */
function hasSecretWord(s: string): boolean {
  SECRET_WORD.lastIndex = 0
  let m: RegExpExecArray | null
  while ((m = SECRET_WORD.exec(s)) !== null) {
    const i = m.index
    const end = i + 3
    const before = i > 0 ? s.charCodeAt(i - 1) : 0
    const first = s.charCodeAt(i)
    const last = s.charCodeAt(end - 1)
    const after = end < s.length ? s.charCodeAt(end) : 0
    // a word starts after a non-letter, or at a hump: a lower-case letter or digit, then upper case
    const starts = !isAsciiAlnum(before) || (!isAsciiUpper(before) && isAsciiUpper(first))
    // and ends before a non-letter, or before a hump (upper case after its lower-case last letter)
    const ends = !isAsciiAlnum(after) || (!isAsciiUpper(last) && isAsciiUpper(after))
    if (starts && ends) return true
    SECRET_WORD.lastIndex = i + 1
  }
  return false
}
/** `sid` as a whole name segment (`sid`, `S_ID`, `sId`), not inside `inside`. */
const SID_SEGMENT = /(?<![A-Za-z0-9_-])[_-]*[sS][_-]*[iI][_-]*[dD][_-]*(?![A-Za-z0-9_-])/
/** The two letters whose lower case is (or holds) an ASCII letter: `İ` → `i̇` (then split), Kelvin `K` → `k`. */
const FOLDS_TO_ASCII = /[\u0130\u212a]/

/** `s` lower-cased without `_`, `-`, `.`: a key's squashed words (and the segment before them) stay together. */
function folded(s: string): string {
  return s.toLowerCase().replaceAll('_', '').replaceAll('-', '').replaceAll('.', '')
}

/**
 * False when no `key=value` pair in `s` can have a secret key, so `redactPairs` would change nothing
 * (true may be wrong; false never is — a test compares `redactPairs` over generated text). `PAIR_RE`
 * costs ≈ 15 µs per KB of JSON, this ≈ 4 (bench/sdk-body-redact.ts): a body without a secret name
 * is redacted for ≈ 6 µs per KB instead of 16.
 */
export function mayHaveSecretPair(s: string): boolean {
  return hasSecretWord(s) || SID_SEGMENT.test(s) || FOLDS_TO_ASCII.test(s) || SECRET_FOLDED.test(folded(s))
}

/**
 * `key=value` pairs whose key is a secret name. A pair under an ordinary key is looked into, since
 * its value can hold another pair (`paid: password=hunter2`, `"note":"token=…"`) that the outer
 * match would otherwise pass over.
 */
export function redactPairs(s: string): string {
  return s.replace(PAIR_RE, (m, k: string, sep: string, v: string) => {
    if (isSecretKey(k)) return AUTH_SCHEME.test(v) ? m : `${k}${sep}${REDACTED}`
    if (!v.includes('=') && !v.includes(':')) return m
    const inner = redactPairs(v)
    return inner === v ? m : `${k}${sep}${inner}`
  })
}

function redactCardValue(v: unknown): unknown {
  if (typeof v === 'number') v = String(v)
  if (typeof v !== 'string') return REDACTED
  const digits = v.replace(/[ -]/g, '')
  return /^\d{12,19}$/.test(digits) ? maskCard(digits) : REDACTED
}

/**
 * Returns `value` with secrets removed (deep, copy-on-write, cycle-safe, depth-limited).
 * @example redact({ user: 'ann', password: 'x', card: '4111 1111 1111 1111' })
 *   // → { user: 'ann', password: '[REDACTED]', card: '**** 1111' }
 */
export function redact<T>(value: T, maxDepth = 8): T {
  return redactAny(value, maxDepth, undefined) as T
}

function redactAny(v: unknown, depth: number, seen: WeakSet<object> | undefined): unknown {
  if (typeof v === 'string') return redactString(v)
  if (v === null || typeof v !== 'object') return v
  if (depth <= 0) return v
  if (v instanceof Error || v instanceof Date || Buffer.isBuffer(v)) return v
  // The cycle guard starts at the first nested object: a flat log record (the common case) allocates
  // no WeakSet and adds no entry to one (weak collections cost the collector extra work).
  if (seen !== undefined) {
    if (seen.has(v)) return '[Circular]'
    seen.add(v)
  }
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < v.length; i++) {
      const x = v[i]
      const r = x !== null && typeof x === 'object' ? redactAny(x, depth - 1, seen ??= new WeakSet([v])) : redactAny(x, depth - 1, seen)
      if (r !== v[i]) {
        copy ??= v.slice()
        copy[i] = r
      }
    }
    return copy ?? v
  }
  let copy: Record<string, unknown> | undefined
  const obj = v as Record<string, unknown>
  for (const key of Object.keys(obj)) {
    const cur = obj[key]
    let r: unknown
    if (cur === undefined || cur === null) continue
    const kind = keyKind(key)
    if (kind === SECRET) r = REDACTED
    else if (kind === CARD) r = typeof cur === 'object' ? redactAny(cur, depth - 1, seen ??= new WeakSet([v])) : redactCardValue(cur)
    else if (typeof cur === 'string') r = cur.length < 12 ? cur : redactString(cur)
    else if (typeof cur !== 'object') continue
    else r = redactAny(cur, depth - 1, seen ??= new WeakSet([v]))
    if (r !== cur) {
      copy ??= { ...obj }
      copy[key] = r
    }
  }
  return copy ?? v
}

/** HTTP headers without credentials: authorization, cookies, API keys and tokens are redacted. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return redact(headers, 2)
}
