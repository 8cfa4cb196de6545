import { Action, SECRET_FIELD_RULE, type NameDecision } from './redact-names.ts'
import { maskWhole } from './mask.ts'

/**
 * Secrets named by a key inside text: JSON (`{"user":{"password":"x"}}`), JSON escaped inside a
 * JSON string (`{\"token\":\"x\"}`), and `key=value` / `key: value` text (query strings, headers,
 * env dumps, logfmt). The key is judged by the name classifier; a secret's whole value goes —
 * including a nested object or array (`"credentials": {...}`) — and JSON stays valid JSON.
 *
 * Keys that are not secrets do not swallow their value, so a secret nested below them is found.
 */

export const REDACTED = '[REDACTED]'

export interface PairHits {
  add(rule: string): void
}

/** `"key": value`, and Ruby's `"key" => value`. */
const JSON_KEY = /"((?:[^"\\\n]|\\.){1,128})"\s*(?::|=>)\s*/g
const ESCAPED_JSON_KEY = /\\"([^"\\]{1,128})\\"\s*:\s*/g
/**
 * `key=value`, `key: value`, `'key': value` (Python), `key => value`, `key -> value`, `key := value`,
 * `Key is: value`, `key is value`; names in any script (`пароль: x`).
 */
const TEXT_KEY = /(?<![\p{L}\p{N}_.-])(['"]?)([\p{L}_][\p{L}\p{N}_.-]{0,63})\1(?:[ \t]*(?:=>|->|→|:=|[:=])|[ \t]+is(?:[ \t]*:)?(?=[ \t]))[ \t]*/gu
/** Characters that end an unquoted value: in text (`a=1&b=2`, `x: 1, y`) and in JSON (`1,`, `1}`). */
const TEXT_END = charSet(' \t\r\n\f\v&,;\'"}]<>)')
const JSON_END = charSet(' \t\r\n\f\v,}]\\')
function charSet(chars: string): Uint8Array {
  const set = new Uint8Array(128)
  for (const c of chars) set[c.charCodeAt(0)] = 1
  return set
}
function ends(set: Uint8Array, s: string, j: number): boolean {
  const c = s.charCodeAt(j)
  return c < 128 && set[c] === 1
}

/** Authentication schemes whose credential follows after a space (`authorization=Bearer abc`). */
const AUTH_SCHEME = /^(?:bearer|basic|digest|negotiate|token|apikey)$/i

/** End (exclusive) of a JSON string starting at `i` (the opening quote). */
function stringEnd(s: string, i: number, escaped: boolean): number {
  if (escaped) {
    const j = s.indexOf('\\"', i + 2)
    return j < 0 ? s.length : j + 2
  }
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j)
    if (c === 92) j++
    else if (c === 34) return j + 1
  }
  return s.length
}

/** End (exclusive) of the JSON value starting at `i`; an unbalanced (truncated) value runs to the end. */
function jsonValueEnd(s: string, i: number, escaped: boolean): number {
  const c = s[i]
  if (c === '"' || (escaped && c === '\\' && s[i + 1] === '"')) return stringEnd(s, i, escaped)
  if (c === '{' || c === '[') {
    let depth = 0
    for (let j = i; j < s.length; j++) {
      const d = s[j]
      if (d === '"' || (escaped && d === '\\' && s[j + 1] === '"')) { j = stringEnd(s, j, escaped) - 1; continue }
      if (d === '{' || d === '[') depth++
      else if (d === '}' || d === ']') { depth--; if (depth === 0) return j + 1 }
    }
    return s.length
  }
  let j = i
  while (j < s.length && !ends(JSON_END, s, j)) j++
  return j
}

/** End (exclusive) of a free-text value starting at `i`. */
function textValueEnd(s: string, i: number): number {
  const c = s[i]
  if (c === '"' || c === "'") {
    for (let j = i + 1; j < s.length; j++) {
      if (s[j] === '\\') j++
      else if (s[j] === c) return j + 1
    }
    return s.length
  }
  let j = i
  while (j < s.length && !ends(TEXT_END, s, j)) j++
  // `Bearer abc`: the scheme is not the secret, the credential after it is
  if (AUTH_SCHEME.test(s.slice(i, j)) && s[j] === ' ') {
    let k = j
    while (s[k] === ' ') k++
    if (k < s.length && !ends(TEXT_END, s, k)) {
      j = k
      while (j < s.length && !ends(TEXT_END, s, j)) j++
    }
  }
  return j
}

type Mode = 'json' | 'escaped' | 'text'

function redactPairs(s: string, mode: Mode, classify: (key: string) => NameDecision, hits: PairHits): string {
  const re = mode === 'json' ? JSON_KEY : mode === 'escaped' ? ESCAPED_JSON_KEY : TEXT_KEY
  re.lastIndex = 0
  let out = ''
  let last = 0
  let changed = false
  let m: RegExpExecArray | null
  while ((m = re.exec(s)) !== null) {
    const d = classify(mode === 'text' ? m[2] : m[1])
    if (d.action !== Action.remove && d.action !== Action.mask) continue
    const start = re.lastIndex
    if (start >= s.length) break
    if (s.startsWith(REDACTED, start)) continue
    const end = mode === 'text' ? textValueEnd(s, start) : jsonValueEnd(s, start, mode === 'escaped')
    if (end <= start) continue
    const raw = s.slice(start, end)
    const q = mode === 'json' ? '"' : mode === 'escaped' ? '\\"' : raw.length >= 2 && (raw[0] === '"' || raw[0] === "'") && raw.endsWith(raw[0]) ? raw[0] : ''
    const inner = q !== '' && raw.startsWith(q) && raw.endsWith(q) && raw.length >= 2 * q.length ? raw.slice(q.length, raw.length - q.length) : raw
    if (inner === REDACTED || inner.endsWith('***')) { re.lastIndex = end; continue }
    const replacement = d.action === Action.remove ? `${q}${REDACTED}${q}` : `${q}${maskWhole(inner)}${q}`
    out += s.slice(last, start) + replacement
    last = end
    changed = true
    re.lastIndex = end
    hits.add(d.rule === '' ? SECRET_FIELD_RULE : d.rule)
  }
  return changed ? out + s.slice(last) : s
}

/** Runs the JSON, escaped-JSON and text passes (each only when its marker character is present). */
export function redactKeyValues(s: string, classify: (key: string) => NameDecision, hits: PairHits): string {
  if (s.includes('"')) {
    s = redactPairs(s, 'json', classify, hits)
    if (s.includes('\\"')) s = redactPairs(s, 'escaped', classify, hits)
  }
  return redactPairs(s, 'text', classify, hits)
}
