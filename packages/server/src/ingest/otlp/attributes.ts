import type { Attributes } from '../../pipeline/record.ts'
import type { Config } from '../../config/schema.ts'

/** The prototype of every map from `newAttributes()`: frozen, empty, itself without a prototype. */
const NO_KEYS: object = Object.freeze(Object.create(null))

/**
 * A fresh attribute map with the guarantees of record.ts `attrs()` — no inherited keys, so
 * `__proto__` and `constructor` are ordinary keys — but ~5× cheaper to fill: V8 keeps
 * `Object.create(null)` objects in (slow) dictionary mode from the start, while an object whose
 * prototype is a frozen null-prototype object gets fast properties. The only observable
 * difference is `Object.getPrototypeOf(map) === NO_KEYS` instead of null.
 */
export function newAttributes(): Attributes {
  return Object.create(NO_KEYS) as Attributes
}

/**
 * Where decoded OTLP attributes land: flattened dotted keys with string values, with the limits
 * applied as they are written (DESIGN §4, config `limits`):
 * - more than `maxAttributes` keys: the first N are kept and `beacon.truncated` = 'attributes';
 * - a value longer than `maxAttributeValueBytes` (UTF-8) is cut to fit, ending with '…[truncated]';
 * - kvlists nested deeper than `maxDepth` are kept as JSON text (the decoders decide that).
 * One sink is reused for every map of a request (`reset`), so the per-record cost is a counter.
 */
export class AttributeSink {
  readonly maxAttributes: number
  readonly maxValueBytes: number
  readonly maxDepth: number
  readonly maxBodyBytes: number
  private target: Attributes = newAttributes()
  private count = 0

  constructor(limits: Config['limits']) {
    this.maxAttributes = limits.maxAttributes
    this.maxValueBytes = limits.maxAttributeValueBytes
    this.maxDepth = limits.maxDepth
    this.maxBodyBytes = limits.maxBodyFieldBytes
  }

  /** Directs the following puts into `target` (a map from attrs()), with a fresh count. */
  reset(target: Attributes): void {
    this.target = target
    this.count = 0
  }

  put(key: string, value: string): void {
    const t = this.target
    // an explicit dotted key and a flattened one (`a.b` and `a: {b}`) collide: keep both (`a.b#2`)
    if (t[key] !== undefined) key = freeKey(t, key)
    // `key` is a new key now
    if (this.count >= this.maxAttributes) {
      t[TRUNCATED_KEY] = 'attributes'
      return
    }
    this.count++
    // A UTF-16 unit is at most 3 UTF-8 bytes: most values skip the byte count.
    t[key] = value.length * 3 <= this.maxValueBytes ? value : truncateUtf8(value, this.maxValueBytes)
  }
}

/** `key#2`, `key#3`, …: the first name not yet in `t`. */
export function freeKey(t: Attributes, key: string): string {
  let n = 2
  while (t[`${key}#${n}`] !== undefined) n++
  return `${key}#${n}`
}

const TRUNCATED_KEY = 'beacon.truncated'
const TRUNCATION_MARKER = '…[truncated]'
const MARKER_BYTES = Buffer.byteLength(TRUNCATION_MARKER)

/**
 * `s` if it is at most `maxBytes` UTF-8 bytes; otherwise its longest prefix (cut on a character
 * boundary) that, followed by '…[truncated]', fits in `maxBytes`.
 */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s
  const bytes = Buffer.byteLength(s)
  if (bytes <= maxBytes) return s
  if (maxBytes <= MARKER_BYTES) return TRUNCATION_MARKER
  const keep = maxBytes - MARKER_BYTES
  const buf = Buffer.from(s)
  let cut = keep
  while (cut > 0 && (buf[cut] & 0xc0) === 0x80) cut-- // do not split a multi-byte character
  return buf.toString('utf8', 0, cut) + TRUNCATION_MARKER
}

/**
 * AnyValue nesting deeper than this is not followed (JSON text gets a placeholder). It bounds
 * recursion, so hostile input cannot overflow the stack.
 */
export const MAX_NESTING = 64
export const TOO_DEEP = '"…[nested too deep]"'

/** JSON text of a double; non-finite values (valid in OTLP) become strings as in proto3 JSON. */
export function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : n !== n ? '"NaN"' : n > 0 ? '"Infinity"' : '"-Infinity"'
}
