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
