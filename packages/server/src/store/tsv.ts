/**
 * Encoding of values for ClickHouse's TabSeparated input format.
 *
 * TabSeparated is the fastest text format ClickHouse parses (several times JSONEachRow) and, being
 * text, goes through both the HTTP client and chDB's connection unchanged. Rules
 * (https://clickhouse.com/docs/interfaces/formats/TabSeparated):
 *  - a top-level String escapes `\` `\t` `\n` `\r` `\0` `\b` `\f` with a backslash;
 *  - inside Array/Map values, strings are single-quoted and additionally escape `'`.
 */

const TOP_SPECIAL = /[\\\t\n\r\0\b\f]/
const TOP_SPECIAL_G = /[\\\t\n\r\0\b\f]/g
const QUOTED_SPECIAL = /[\\\t\n\r\0\b\f']/
const QUOTED_SPECIAL_G = /[\\\t\n\r\0\b\f']/g

const ESCAPES: Record<string, string> = {
  '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', '\b': '\\b', '\f': '\\f', "'": "\\'",
}
const replaceEscape = (c: string): string => ESCAPES[c]

/** A String column value. */
export function tsvString(s: string): string {
  return TOP_SPECIAL.test(s) ? s.replace(TOP_SPECIAL_G, replaceEscape) : s
}

/** A string inside an Array or Map: `'…'` with escapes. */
export function tsvQuoted(s: string): string {
  return "'" + (QUOTED_SPECIAL.test(s) ? s.replace(QUOTED_SPECIAL_G, replaceEscape) : s) + "'"
}

/** A Map(String, String) value: `{'k':'v','k2':'v2'}`. */
export function tsvMap(m: Record<string, string>): string {
  let out = '{'
  let first = true
  for (const k in m) {
    if (!first) out += ','
    first = false
    out += tsvQuoted(k) + ':' + tsvQuoted(m[k])
  }
  return out + '}'
}

/** An Array(String) value. */
export function tsvStringArray(a: readonly string[]): string {
  let out = '['
  for (let i = 0; i < a.length; i++) out += (i ? ',' : '') + tsvQuoted(a[i])
  return out + ']'
}

/** An Array(Map(String,String)) value. */
export function tsvMapArray(a: readonly Record<string, string>[]): string {
  let out = '['
  for (let i = 0; i < a.length; i++) out += (i ? ',' : '') + tsvMap(a[i])
  return out + ']'
}

/**
 * A DateTime64(9) value from ns-since-epoch decimal digits: `seconds.nanoseconds`
 * (ClickHouse reads this as a Unix time with fraction in any time zone).
 */
export function tsvTime(unixNano: string): string {
  const n = unixNano.length
  if (n <= 9) return '0.' + unixNano.padStart(9, '0')
  return unixNano.slice(0, n - 9) + '.' + unixNano.slice(n - 9)
}

// ── Bytes straight into a Buffer ─────────────────────────────────────────────────────────────────
// The ingest path's encoder (encode.ts `logsBytes`/`spansBytes`) writes the same bytes as the string
// functions above followed by a UTF-8 conversion, but without building a string per field and per
// row: V8's concatenation and flattening of those strings, and the garbage they leave, cost more
// than the escaping itself. One pass per value escapes and UTF-8-encodes it (lone surrogates become
// U+FFFD, as `Buffer.from(s, 'utf8')` does).

/** Escape letters by char code (0 = written as is): top-level String values. */
const TOP_ESCAPE = new Uint8Array(128)
/** The same plus `'`: strings inside Array/Map values. */
const QUOTED_ESCAPE = new Uint8Array(128)
for (const [c, letter] of [[92, 92], [9, 116], [10, 110], [13, 114], [0, 48], [8, 98], [12, 102]] as const) {
  TOP_ESCAPE[c] = letter
  QUOTED_ESCAPE[c] = letter
}
QUOTED_ESCAPE[39] = 39

const NO_ESCAPE = new Uint8Array(128)
/** Strings at least this long are checked for escapes and, when they have none, written natively. */
const NATIVE_FROM = 32
/** A scratch buffer is kept between batches up to this size; a larger one (a huge request) is let go. */
const KEEP_BYTES = 4 * 1024 * 1024

/** A growing byte buffer that TSV values are written into. Reused: `take` hands out a view valid until the next `reset`. */
export class TsvWriter {
  private buf: Buffer
  private pos = 0

  constructor(private readonly initialBytes = 256 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes)
  }

  reset(): void {
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(this.initialBytes)
    this.pos = 0
  }

  /** The bytes written since `reset` (a view of the scratch buffer: copy it before the next reset). */
  take(): Buffer {
    return this.buf.subarray(0, this.pos)
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** One ASCII char (tab, newline, brackets…). */
  byte(c: number): void {
    this.reserve(1)
    this.buf[this.pos++] = c
  }

  /** A non-negative integer below 2^31 in decimal. */
  uint(n: number): void {
    if (n < 10) return this.byte(48 + n)
    this.raw(String(n))
  }

  /** Text as is (UTF-8), no escaping: what the string encoder concatenated unescaped (ids, times, enums). */
  raw(s: string): void {
    this.write(s, NO_ESCAPE)
  }

  /** A String column value (tsvString). */
  string(s: string): void {
    this.write(s, TOP_ESCAPE)
  }

  /** A string inside an Array or Map (tsvQuoted). */
  quoted(s: string): void {
    this.reserve(1)
    this.buf[this.pos++] = 39
    this.write(s, QUOTED_ESCAPE)
    this.reserve(1)
    this.buf[this.pos++] = 39
  }

  /** A DateTime64(9) value from ns-since-epoch digits (tsvTime). */
  time(unixNano: string): void {
    const n = unixNano.length
    if (n <= 9) {
      this.raw('0.' + unixNano.padStart(9, '0'))
      return
    }
    this.raw(unixNano.slice(0, n - 9))
    this.byte(46)
    this.raw(unixNano.slice(n - 9))
  }

  /** A Map(String, String) value (tsvMap). */
  map(m: Record<string, string>): void {
    this.byte(123)
    let first = true
    for (const k in m) {
      if (!first) this.byte(44)
      first = false
      this.quoted(k)
      this.byte(58)
      this.quoted(m[k])
    }
    this.byte(125)
  }

  /** An Array(String) value (tsvStringArray). */
  stringArray(a: readonly string[]): void {
    this.byte(91)
    for (let i = 0; i < a.length; i++) {
      if (i) this.byte(44)
      this.quoted(a[i])
    }
    this.byte(93)
  }

  /** An Array(Map(String,String)) value (tsvMapArray). */
  mapArray(a: readonly Record<string, string>[]): void {
    this.byte(91)
    for (let i = 0; i < a.length; i++) {
      if (i) this.byte(44)
      this.map(a[i])
    }
    this.byte(93)
  }

  /** Escapes (by `esc`) and UTF-8-encodes `s` in one pass. */
  private write(s: string, esc: Uint8Array): void {
    const n = s.length
    // ≤ 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units; an escape: 2 bytes for 1)
    this.reserve(n * 3)
    const buf = this.buf
    // A long value with nothing to escape (most bodies): the native UTF-8 write (which also turns a
    // lone surrogate into U+FFFD) beats the loop below; for short ones the call costs more than it saves.
    if (n >= NATIVE_FROM && (esc === NO_ESCAPE || !(esc === TOP_ESCAPE ? TOP_SPECIAL : QUOTED_SPECIAL).test(s))) {
      this.pos += buf.write(s, this.pos)
      return
    }
    let pos = this.pos
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c < 0x80) {
        const e = esc[c]
        if (e === 0) buf[pos++] = c
        else { buf[pos++] = 92; buf[pos++] = e }
      } else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6)
        buf[pos++] = 0x80 | (c & 0x3f)
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[pos++] = 0xe0 | (c >> 12)
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f)
        buf[pos++] = 0x80 | (c & 0x3f)
      } else {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
          buf[pos++] = 0xf0 | (cp >> 18)
          buf[pos++] = 0x80 | ((cp >> 12) & 0x3f)
          buf[pos++] = 0x80 | ((cp >> 6) & 0x3f)
          buf[pos++] = 0x80 | (cp & 0x3f)
          i++
        } else {
          buf[pos++] = 0xef // a lone surrogate: U+FFFD
          buf[pos++] = 0xbf
          buf[pos++] = 0xbd
        }
      }
    }
    this.pos = pos
  }
}
