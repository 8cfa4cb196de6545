import { Action, SECRET_FIELD_RULE, type NameDecision } from './redact-names.ts'
import { REDACTED } from './redact-pairs.ts'
import { maskWhole } from './mask.ts'

/**
 * The JSON layer of the redactor: a value that parses as JSON is walked as a structure, not as text.
 *
 *   raw text ──► tokenizer (positions kept) ──► per member: key decoded ──► name decision
 *        │            remove/mask/phone: the member's value replaced (any type, nested objects too)
 *        │            scan: strings decoded (escapes) and redacted by the whole redactor (nested
 *        │                  JSON, URL encoding, XML inside a string are layers of their own),
 *        │                  numbers checked for cards (replaced by a JSON string, so JSON stays JSON)
 *        │            `{"name":"password","value":"x"}` pairs: the value goes as well
 *        ▼
 *   edits applied to the raw text: what was not changed keeps its bytes and formatting
 *
 * Returns undefined when the text is not one JSON object or array (the text layers handle it).
 */

export interface JsonLayer {
  classify: (key: string) => NameDecision
  /** The whole redactor, for decoded strings (one level deeper). */
  text: (value: string) => string
  /** A number that is a card → its masked form; else undefined. */
  card: (digits: string) => string | undefined
  maskPhone: (value: string) => string
  hit: (rule: string) => void
}

/** Keys naming the field of a `{"name": …, "value": …}` pair (headers, parameters, form fields as lists). */
const PAIR_NAME_KEYS = new Set(['name', 'key', 'field', 'header', 'param', 'parameter', 'k'])
const PAIR_VALUE_KEYS = new Set(['value', 'val', 'values', 'v'])
const MAX_DEPTH = 64

class Fail extends Error {}
const FAIL = new Fail()

interface Edit { start: number; end: number; text: string }

/** Redacts JSON text structurally; undefined when `s` is not a JSON object or array. */
export function redactJson(s: string, layer: JsonLayer): string | undefined {
  let i = 0
  const edits: Edit[] = []
  const n = s.length

  const ws = (): void => { while (i < n && (s[i] === ' ' || s[i] === '\n' || s[i] === '\r' || s[i] === '\t')) i++ }
  const edit = (start: number, end: number, text: string): void => {
    // a replacement of a whole value supersedes edits inside it
    for (let k = edits.length - 1; k >= 0; k--) if (edits[k].start >= start && edits[k].end <= end) edits.splice(k, 1)
    edits.push({ start, end, text })
  }

  function stringToken(): string {
    const start = i
    let escaped = false
    i++
    while (i < n) {
      const c = s.charCodeAt(i)
      if (c === 92) { escaped = true; i += 2; continue }
      if (c === 34) { i++; return escaped ? (JSON.parse(s.slice(start, i)) as string) : s.slice(start + 1, i - 1) }
      if (c < 32) throw FAIL
      i++
    }
    throw FAIL
  }

  function value(depth: number, decision: NameDecision | undefined): void {
    if (depth > MAX_DEPTH) throw FAIL
    ws()
    const start = i
    const c = s[i]
    if (c === '{') object(depth)
    else if (c === '[') { i++; ws(); if (s[i] === ']') i++; else for (;;) { value(depth + 1, undefined); ws(); if (s[i] === ',') { i++; continue } if (s[i] === ']') { i++; break } throw FAIL } }
    else if (c === '"') {
      const v = stringToken()
      if (decision === undefined || decision.action === Action.scan || decision.action === Action.protect) {
        const r = layer.text(v)
        if (r !== v) edit(start, i, JSON.stringify(r))
      }
    } else {
      const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(s.slice(i, i + 400))
      if (m === null) throw FAIL
      i += m[0].length
      if (c !== '-' && c !== 't' && c !== 'f' && c !== 'n' && m[0].length >= 13 && /^\d+$/.test(m[0])) {
        const card = layer.card(m[0])
        if (card !== undefined) edit(start, i, JSON.stringify(card))
      }
    }
    if (decision !== undefined) decide(decision, start, i)
  }

  function decide(d: NameDecision, start: number, end: number): void {
    if (d.action === Action.scan || d.action === Action.protect) return
    const raw = s.slice(start, end)
    const inner = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw
    let out: string
    if (d.action === Action.remove) out = REDACTED
    else if (d.action === Action.mask) out = inner.endsWith('***') ? inner : maskWhole(inner)
    else out = layer.maskPhone(layer.text(inner))
    if (out === inner) return
    layer.hit(d.rule === '' ? SECRET_FIELD_RULE : d.rule)
    edit(start, end, JSON.stringify(out))
  }

  function object(depth: number): void {
    i++
    ws()
    if (s[i] === '}') { i++; return }
    let pairName: string | undefined
    let pairValue: [number, number] | undefined
    for (;;) {
      ws()
      if (s[i] !== '"') throw FAIL
      const keyStart = i
      const key = stringToken()
      const redactedKey = layer.text(key)
      if (redactedKey !== key) edit(keyStart, i, JSON.stringify(redactedKey))
      ws()
      if (s[i] !== ':') throw FAIL
      i++
      ws()
      const vStart = i
      const d = layer.classify(key)
      value(depth + 1, d.action === Action.scan ? undefined : d)
      const lower = key.toLowerCase()
      if (PAIR_NAME_KEYS.has(lower) && s[vStart] === '"') pairName = JSON.parse(s.slice(vStart, i)) as string
      else if (PAIR_VALUE_KEYS.has(lower)) pairValue = [vStart, i]
      ws()
      if (s[i] === ',') { i++; continue }
      if (s[i] === '}') { i++; break }
      throw FAIL
    }
    if (pairName !== undefined && pairValue !== undefined) {
      const d = layer.classify(pairName)
      if (d.action !== Action.scan && d.action !== Action.protect) decide(d, pairValue[0], pairValue[1])
    }
  }

  try {
    ws()
    if (s[i] !== '{' && s[i] !== '[') return undefined
    value(0, undefined)
    ws()
    if (i !== n) return undefined
  } catch (err) {
    if (err instanceof Fail || err instanceof SyntaxError) return undefined
    throw err
  }
  if (edits.length === 0) return s
  edits.sort((a, b) => a.start - b.start)
  let out = ''
  let last = 0
  for (const e of edits) {
    if (e.start < last) continue
    out += s.slice(last, e.start) + e.text
    last = e.end
  }
  return out + s.slice(last)
}
