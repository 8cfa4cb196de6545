import { Action, SECRET_FIELD_RULE, type NameDecision } from './redact-names.ts'
import { REDACTED } from './redact-pairs.ts'
import { maskWhole } from './mask.ts'

/**
 * Decoding layers of the redactor for text that hides what it says: URL (percent) encoding,
 * XML/HTML character entities, and XML elements whose tag names the field.
 *
 *   `a=1&password%3Dx%26card%3D4111…`  ─► each URL component decoded ─► redacted by the whole
 *                                          redactor ─► re-encoded only when it changed
 *   `{&quot;password&quot;:…}`          ─► entities decoded ─► redacted ─► re-escaped when changed
 *   `<password>x</password>`, `<entry key="pin">1234</entry>`
 *                                       ─► the element's name (or its name/key attribute) judged
 *                                          by the name rules, its text replaced
 *
 * Each layer changes only what it redacts; the rest of the text keeps its bytes. `text` is the
 * whole redactor, called one level deeper (so a component that is JSON is walked as JSON).
 */

export interface DecodeLayer {
  classify: (key: string) => NameDecision
  text: (value: string) => string
  maskPhone: (value: string) => string
  hit: (rule: string) => void
}

/** Applies a remove/mask/phone decision to a decoded value; undefined when the decision scans. */
function decided(d: NameDecision, value: string, layer: DecodeLayer): string | undefined {
  if (d.action === Action.remove) return value === REDACTED ? value : REDACTED
  if (d.action === Action.mask) return value.endsWith('***') ? value : maskWhole(value)
  if (d.action === Action.phone) return layer.maskPhone(layer.text(value))
  return undefined
}

function hitIfChanged(d: NameDecision, before: string, after: string, layer: DecodeLayer): void {
  if (before !== after && d.action !== Action.phone) layer.hit(d.rule === '' ? SECRET_FIELD_RULE : d.rule)
}

export const PERCENT = /%[0-9A-Fa-f]{2}/
/** A run of URL text holding at least one percent escape. */
const ENCODED_RUN = /[^\s"'<>{}()[\]\\,|^`]*%[0-9A-Fa-f]{2}[^\s"'<>{}()[\]\\,|^`]*/g

function decodeComponent(s: string): string | undefined {
  try {
    return decodeURIComponent(s.includes('+') ? s.replace(/\+/g, ' ') : s)
  } catch {
    return undefined
  }
}

function encodeComponent(s: string): string {
  return encodeURIComponent(s).replace(/%5BREDACTED%5D/g, REDACTED)
}

/** One run: components split at `? & ; # / =`, each decoded, judged, re-encoded if it changed. */
function redactRun(run: string, layer: DecodeLayer): string {
  const parts = run.split(/([?&;#/=])/)
  let changed = false
  for (let k = 0; k < parts.length; k += 2) {
    const raw = parts[k]
    if (raw === '') continue
    const keyRaw = parts[k - 1] === '=' && k >= 2 ? parts[k - 2] : undefined
    if (keyRaw !== undefined) {
      const key = decodeComponent(keyRaw) ?? keyRaw
      const d = layer.classify(key)
      const v = decodeComponent(raw) ?? raw
      const out = decided(d, v, layer)
      if (out !== undefined) {
        hitIfChanged(d, v, out, layer)
        if (out !== v) { parts[k] = encodeComponent(out); changed = true }
        continue
      }
    }
    if (!PERCENT.test(raw)) continue
    const decoded = decodeComponent(raw)
    if (decoded === undefined || decoded === raw) continue
    const r = layer.text(decoded)
    if (r !== decoded) { parts[k] = encodeComponent(r); changed = true }
  }
  return changed ? parts.join('') : run
}

/** URL-encoded text: query strings, form bodies, encoded values inside them. */
export function redactUrlEncoded(s: string, layer: DecodeLayer): string {
  return s.replace(ENCODED_RUN, (run) => redactRun(run, layer))
}

export const ENTITY = /&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|quot|apos|lt|gt|amp);/
const ENTITIES = /&(?:#(\d{1,7})|#x([0-9A-Fa-f]{1,6})|(quot|apos|lt|gt|amp));/g
const NAMED: Record<string, string> = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' }

function decodeEntities(s: string): string {
  return s.replace(ENTITIES, (m, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name]
    const code = dec !== undefined ? Number(dec) : parseInt(hex as string, 16)
    return code <= 0x10ffff ? String.fromCodePoint(code) : m
  })
}
const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&${c === '&' ? 'amp' : c === '<' ? 'lt' : c === '>' ? 'gt' : c === '"' ? 'quot' : 'apos'};`)

/** XML/HTML-escaped text (`&quot;password&quot;`, `&#64;`): decoded, redacted, re-escaped when changed. */
export function redactEntities(s: string, layer: DecodeLayer): string {
  const decoded = decodeEntities(s)
  if (decoded === s) return s
  const r = layer.text(decoded)
  return r === decoded ? s : escapeXml(r)
}

/** `<tag attrs>text</tag>` with a namespace prefix allowed; the text holds no markup. */
const ELEMENT = /<((?:[\p{L}_][\p{L}\p{N}_.-]*:)?([\p{L}_][\p{L}\p{N}_.-]{0,63}))(\s[^<>]*)?>([^<]*)<\/\1\s*>/gu
/** `name="password"` / `key='pin'` inside a tag: the element (or its `value=` attribute) holds that field. */
const NAME_ATTR = /\b(?:name|key|id|field)\s*=\s*(["'])([^"']{1,64})\1/i
const VALUE_ATTR = /(\bvalue\s*=\s*)(["'])([^"']*)\2/i
/** An empty element with name and value attributes: `<param name="password" value="x"/>`. */
const EMPTY_ELEMENT = /<[\p{L}_][\p{L}\p{N}_.:-]*(\s[^<>]*?)\/?>/gu

/** XML elements named by a secret (or carrying a secret `name=` attribute). */
export function redactXml(s: string, layer: DecodeLayer): string {
  let out = s.replace(ELEMENT, (m, _qname: string, local: string, attrs: string | undefined, inner: string) => {
    if (inner.length === 0) return m
    let d = layer.classify(local)
    if (d.action === Action.scan && attrs !== undefined) {
      const a = NAME_ATTR.exec(attrs)
      if (a !== null) d = layer.classify(a[2])
    }
    const value = decodeEntities(inner)
    const r = decided(d, value.trim(), layer)
    if (r === undefined || r === value.trim()) return m
    hitIfChanged(d, value, r, layer)
    return m.slice(0, m.length - inner.length - (m.length - m.lastIndexOf('</'))) + escapeXml(r) + m.slice(m.lastIndexOf('</'))
  })
  if (out.includes('value')) {
    out = out.replace(EMPTY_ELEMENT, (m, attrs: string | undefined) => {
      if (attrs === undefined) return m
      const a = NAME_ATTR.exec(attrs)
      const v = VALUE_ATTR.exec(attrs)
      if (a === null || v === null) return m
      const d = layer.classify(a[2])
      const r = decided(d, v[3], layer)
      if (r === undefined || r === v[3]) return m
      hitIfChanged(d, v[3], r, layer)
      return m.replace(VALUE_ATTR, (_x, head: string, q: string) => `${head}${q}${escapeXml(r)}${q}`)
    })
  }
  return out
}
