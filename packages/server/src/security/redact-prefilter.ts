/**
 * The redactor's prefilter: one pass over the characters of a value that answers "which built-in
 * rules could match here?" (none, for almost every value). It must never leave out a rule that
 * would match (tests compare the redactor with and without it); saying yes too often only costs time.
 *
 * Per character it checks, at once:
 *   - secret stems (`pass`, `token`, `bearer`, `eyJ`, `ghp_`, …), found through a table of their
 *     first two letters with a mask of possible third letters, then compared in full
 *     (case-insensitive unless marked);
 *   - digit chains long enough for a card or phone: 10+ digits in groups split by at most 3 of
 *     ` ` `-` `(` `)` `.` `_` `/` tab, line breaks (every card has 13+ digits, every phone without
 *     `+` 10+: `(555) 123-4567`), with a group of 4+ digits or a separator other than `.` (every
 *     card and phone has one, a dotted IPv4 address has neither), or `+` before a digit; a chain's
 *     digits count from its first group not glued to a word (`ORD-1236682 200`: the card and phone
 *     look-behinds keep either from starting at `1236682`, and `200` is 3 digits); in a value
 *     that starts like JSON, 6+ digits (a `"phone"` member is masked from 7 digits);
 *   - `@` (e-mails, URL credentials).
 * `key` after a space (`"api key": …`) counts only when the value holds a quote: a name with a
 * space is a name only as a JSON key or an XML attribute (`routing key order.created` is prose).
 * A hand-written scanner because V8 runs one regular expression with all these alternatives
 * several times slower than this loop (see redact.bench.ts).
 */

/** Where a stem must begin or end to count (keeps `shipping`, `author`, `task-`, `keyboard` from triggering). */
const StemAt = { none: 0, word: 1, afterWord: 2, wordStart: 3, exactCase: 4 } as const
type StemKind = (typeof StemAt)[keyof typeof StemAt]

interface Stem {
  text: string
  kind: StemKind
}

const BUILT_IN: Array<[string, StemKind]> = [
  ['pass', StemAt.none], ['pwd', StemAt.none], ['secret', StemAt.none], ['token', StemAt.none], ['cookie', StemAt.none],
  ['credential', StemAt.none], ['authorization', StemAt.none], ['cvv', StemAt.none], ['cvc', StemAt.none], ['mfa', StemAt.none],
  ['jwt', StemAt.none], ['bearer', StemAt.none], ['basic', StemAt.none], ['sessid', StemAt.none], ['sessionid', StemAt.none],
  ['session_id', StemAt.none], ['session-id', StemAt.none], ['session id', StemAt.none], ['sessionkey', StemAt.none],
  ['session_key', StemAt.none], ['session key', StemAt.none], ['securitycode', StemAt.none], ['security_code', StemAt.none],
  ['security-code', StemAt.none], ['security code', StemAt.none], ['-----begin', StemAt.none],
  ['ghp_', StemAt.none], ['gho_', StemAt.none], ['ghu_', StemAt.none], ['ghs_', StemAt.none], ['ghr_', StemAt.none],
  ['github_pat', StemAt.none], ['xox', StemAt.none], ['session', StemAt.none], ['signature', StemAt.none], ['kennwort', StemAt.none],
  ['contrase', StemAt.none], ['senha', StemAt.none], ['wachtwoord', StemAt.none], ['losenord', StemAt.none], ['salasana', StemAt.none],
  ['haslo', StemAt.none], ['cav2', StemAt.none], ['2fa', StemAt.none], ['cardverif', StemAt.none],
  // `verification_code`, `smsCode`, `security.code`: a code named by the word before it
  ['code', StemAt.afterWord],
  ['pw', StemAt.word], ['sid', StemAt.word], ['sig', StemAt.word], ['hotp', StemAt.word],
  ['csc', StemAt.word], ['cvn', StemAt.word], ['cid', StemAt.word], ['ccv', StemAt.word], ['cvd', StemAt.word],
  // `api_key`, `apiKey`, `x-api-key`, `"api key"`, `apikeyid` — any key name that ends a compound
  ['key', StemAt.afterWord],
  ['auth', StemAt.word], ['oauth', StemAt.word], ['pin', StemAt.word], ['otp', StemAt.word], ['totp', StemAt.word],
  ['sk_', StemAt.wordStart], ['sk-', StemAt.wordStart], ['rk_', StemAt.wordStart],
  ['eyJ', StemAt.exactCase], ['AKIA', StemAt.exactCase], ['ASIA', StemAt.exactCase], ['AIza', StemAt.exactCase],
]

export interface PrefilterOptions {
  /** Built-in secret stems (policy `secrets`). */
  secrets: boolean
  /** Extra case-insensitive literals (operator field names that may appear as keys in text). */
  literals: readonly string[]
  /** Card and phone digit shapes. */
  digits: boolean
  /** `@`. */
  at: boolean
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c
}
function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
}
function isUpper(c: number): boolean {
  return c >= 65 && c <= 90
}

const DIGIT = 1
const SEPARATOR = 2
const DOT = 3
const AT = 4
const PLUS = 5
/** Separators between card digit groups that no phone uses. */
const CARD_SEPARATOR = 6
/** `%`, `\\`, `&`: may start an escape (URL, JSON/C, XML entity) that hides what follows. */
const ESCAPE = 7
/** `(`: inside a phone number (`8 (912) 345-67-89`), a break for the other shapes. */
const OPEN = 8
const CLASS = new Uint8Array(128)
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT
for (const c of ' -)') CLASS[c.charCodeAt(0)] = SEPARATOR
for (const c of '_/\t\n\r') CLASS[c.charCodeAt(0)] = CARD_SEPARATOR
for (const c of '%\\&') CLASS[c.charCodeAt(0)] = ESCAPE
CLASS[46] = DOT
CLASS[64] = AT
CLASS[43] = PLUS
CLASS[40] = OPEN
/** Per ASCII character: its lower case (bits 0–6) and class (bits 8+), one table load per character. */
const INFO = new Uint16Array(128)
for (let c = 0; c < 128; c++) INFO[c] = lower(c) | (CLASS[c] << 8)

/** What the prefilter found; 0: nothing any built-in rule could match. */
export const Found = {
  /** A secret stem or operator literal: the secret rules must run. */
  secret: 1,
  /** A card or phone digit shape: the card and phone rules must run. */
  digits: 2,
  /** `@`: the e-mail and URL-credential rules must run. */
  at: 4,
  /** An escape (`%40`, `\\u0040`, `&#64;`): the text is decoded and every rule runs. */
  encoded: 8,
} as const

/** Secret names in scripts the pair table cannot hold (it folds case for ASCII only). */
const NON_ASCII_SECRET = /парол|секрет|токен|hasło|lösenord|contraseñ/i
/**
 * Per UTF-16 code unit: 1 when it is one of the non-ASCII letters of those names under the same
 * case folding (every name holds one), so text with only other non-ASCII (`—`, `é`, emoji) skips
 * the expression. Built by asking the expression's own letters, folding included (`ᲂ` → `О`).
 */
const NON_ASCII_SECRET_LETTER = new Uint8Array(65536)
{
  const letters = new RegExp(`[${[...new Set(NON_ASCII_SECRET.source.replace(/[ -~]/g, ''))].join('')}]`, 'i')
  for (let c = 128; c < 65536; c++) if (letters.test(String.fromCharCode(c))) NON_ASCII_SECRET_LETTER[c] = 1
}
const HEX = /^[0-9A-Fa-f]{2}/
const ENTITY_HEAD = /^&(?:#|quot;|apos;|lt;|gt;|amp;)/

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || isLetter(c)
}
/**
 * Whether a digit group starting at `i` is glued to a word before it: a letter or digit right
 * before, or `-` / `.` after one. Neither a card (`(?<![0-9A-Za-z][-.]?)`) nor a phone
 * (`(?<![\w+.-])`) can start there.
 */
function glued(s: string, i: number): boolean {
  const b = i > 0 ? s.charCodeAt(i - 1) : 0
  if (isAsciiAlnum(b)) return true
  return (b === 45 || b === 46) && i > 1 && isAsciiAlnum(s.charCodeAt(i - 2))
}

/** Builds the scanner for one policy's enabled rules: text → bit set of `Found`. */
export function compilePrefilter(opts: PrefilterOptions): (text: string) => number {
  const stems: Stem[] = [
    ...(opts.secrets ? BUILT_IN.map(([text, kind]) => ({ text, kind })) : []),
    ...opts.literals.filter((l) => l.length >= 2).map((l) => ({ text: l.toLowerCase(), kind: StemAt.none as StemKind })),
  ]
  // a one-character or non-ASCII operator literal does not fit the pair table: always run every rule
  if (opts.literals.some((l) => l.length < 2 || /[^\x20-\x7e]/.test(l))) return () => Found.secret | Found.digits | Found.at
  const byPair: Array<Stem[] | undefined> = new Array(1 << 14)
  for (const s of stems) {
    const k = ((lower(s.text.charCodeAt(0)) & 127) << 7) | (lower(s.text.charCodeAt(1)) & 127)
    ;(byPair[k] ??= []).push(s)
  }
  // per leading pair, a 32-bit mask of the third characters (lower-cased, mod 32) that can follow
  const pairs = new Uint32Array(1 << 14)
  byPair.forEach((list, k) => { for (const st of list ?? []) pairs[k] |= st.text.length > 2 ? 1 << (st.text.charCodeAt(2) & 31) : -1 })
  const { digits, at } = opts
  const all = (stems.length > 0 ? Found.secret : 0) | (digits ? Found.digits : 0) | (at ? Found.at : 0) | Found.encoded
  const nonAsciiStems = opts.secrets

  /** 1: a stem at `i`; 2: only `key` after a space, a name if the value holds a quote; 0: none. */
  function stemAt(s: string, i: number, list: Stem[]): number {
    let spaced = 0
    next: for (const stem of list) {
      const w = stem.text
      const end = i + w.length
      if (end > s.length) continue
      if (stem.kind === StemAt.exactCase) {
        if (s.startsWith(w, i)) return 1
        continue
      }
      for (let q = 2; q < w.length; q++) if (lower(s.charCodeAt(i + q)) !== w.charCodeAt(q)) continue next
      const before = i > 0 ? s.charCodeAt(i - 1) : 0
      const after = end < s.length ? s.charCodeAt(end) : 0
      switch (stem.kind) {
        case StemAt.none: return 1
        case StemAt.word:
          // a word of its own or a camelCase hump (`dbPin`), not inside `shipping` or `author`
          if ((!isLetter(before) || isUpper(s.charCodeAt(i))) && !(after >= 97 && after <= 122)) return 1
          break
        case StemAt.afterWord:
          // after something (`api_key`), not at the start of a word (`key`, `keyboard`)
          if (before !== 0 && before !== 34 && before !== 39 && before !== 10 && !(before === 32 && !isLetter(s.charCodeAt(i - 2)))) {
            // `api key` with a space is a key name only quoted (JSON, XML attributes): the caller checks for a quote
            if (before === 32 && w === 'key') spaced = 2
            else return 1
          }
          break
        case StemAt.wordStart:
          if (!isLetter(before)) return 1
          break
      }
    }
    return spaced
  }

  return (s) => {
    let found = 0
    let prev = 0
    let plus = false
    let secretLetter = false
    let spacedKey = false // `… key` after a space, a secret name only if the value holds a quote
    let chain = 0 // digits in the current chain of digit groups
    let chainSeps = 0 // separators since the chain's last digit
    let run = 0 // digits in the chain's current group
    // a group of 4+ digits or a separator other than `.`: every card and phone has one, an IPv4 address has neither
    let shaped = false
    let glue = false // the current group is glued to a word: its digits do not count
    let skipped = false // a glued group was passed over
    // a JSON value is walked when anything is found, and a phone-named member is masked from 7 digits
    const c0 = s.charCodeAt(0)
    const head = c0 === 32 || c0 === 10 ? s.trimStart().charCodeAt(0) : c0
    const minChain = head === 123 || head === 91 ? 6 : 10
    for (let i = 0; i < s.length; i++) {
      const raw = s.charCodeAt(i)
      if (raw >= 128 && NON_ASCII_SECRET_LETTER[raw] === 1) secretLetter = true
      const info = raw < 128 ? INFO[raw] : raw & 127
      const c = info & 127
      const pair = (prev << 7) | c
      const third = pairs[pair]
      // `& 31` ignores case: upper and lower case letters differ only in bit 5
      if (third !== 0 && ((third >>> (s.charCodeAt(i + 1) & 31)) & 1) === 1 && (found & Found.secret) === 0) {
        const stem = stemAt(s, i - 1, byPair[pair] as Stem[])
        if (stem === 1) {
          found |= Found.secret
          if (found === all) return found
        } else if (stem === 2) spacedKey = true
      }
      prev = c
      const t = info >>> 8
      if (t === 0) {
        // letters and most punctuation, the common case: only a digit group to forget
        if ((chain | chainSeps | run) !== 0) { chain = chainSeps = run = 0; shaped = false }
        plus = false
        continue
      }
      if (t === DIGIT) {
        // a group glued to a word (`ORD-1236682`, `v2.1234567`, `A1234567`) cannot start a card or
        // a phone (their look-behinds), so a chain's digits count from its first free group on
        if (run === 0) glue = chain === 0 && minChain === 10 && glued(s, i)
        if (glue) { run++; skipped = true; continue }
        chainSeps = 0
        if (++run >= 4) shaped = true
        if (digits && ((++chain >= minChain && shaped) || plus)) {
          found |= Found.digits
          if (found === all) return found
        }
      } else if (t === SEPARATOR || t === DOT || t === CARD_SEPARATOR || t === OPEN) {
        // the card and phone patterns allow at most 3 separators between digit groups
        run = 0
        if (chain > 0) {
          if (t !== DOT) shaped = true
          if (++chainSeps > 3) { chain = chainSeps = 0; shaped = false }
        }
      } else {
        if (t === AT && at) {
          found |= Found.at
          if (found === all) return found
        } else if (t === ESCAPE && (found & Found.encoded) === 0) {
          if (raw === 92 || (raw === 37 && HEX.test(s.slice(i + 1, i + 3))) || (raw === 38 && ENTITY_HEAD.test(s.slice(i, i + 6)))) {
            found |= Found.encoded
            if (found === all) return found
          }
        }
        chain = chainSeps = run = 0
        shaped = false
      }
      plus = t === PLUS
    }
    if (spacedKey && (found & Found.secret) === 0 && (s.includes('"') || s.includes("'"))) found |= Found.secret
    if (secretLetter && nonAsciiStems && (found & Found.secret) === 0 && NON_ASCII_SECRET.test(s)) found |= Found.secret
    // the secret rules may replace the word a group is glued to (`Basic dXNlcjpwYXNz.4111…` →
    // `Basic [REDACTED].4111…`), and the card and phone rules run after them: count it after all
    if (skipped && digits && (found & Found.secret) !== 0) found |= Found.digits
    return found
  }
}
