/**
 * Text from log data on a terminal. A log line may carry ANSI escapes (colours, cursor moves, a
 * title change, OSC 8 links), a carriage return that overwrites what was printed, backspaces or
 * bidirectional overrides that make text read differently than it is. Nothing from the data
 * reaches the terminal raw: every such character is shown escaped (`\x1b`, `\r`, `\u202e`).
 */

/** C0 controls, DEL, C1 controls, and Unicode line separators and bidirectional controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\0': '\\0' }

function escapeChar(c: string): string {
  const code = c.charCodeAt(0)
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
}

/**
 * One value as printable text: control characters escaped, backslashes left as they are.
 *
 * @example
 * safe('\x1b[31mred\x1b[0m\r\nnext') // '\\x1b[31mred\\x1b[0m\\r\\nnext'
 */
export function safe(value: unknown): string {
  const s = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value)
  return s.replace(UNSAFE, escapeChar)
}

/** Like `safe`, but keeps line breaks (for multi-line output such as CSV on a terminal). */
export function safeLines(text: string): string {
  return text.split(/(\r?\n)/).map((part) => (part === '\n' || part === '\r\n' ? part : safe(part))).join('')
}

/** Pads printable text to `width` (never cuts). */
export const pad = (value: unknown, width: number): string => safe(value).padEnd(width)

/** `12.3 ms`, `4.56 s`, `3 min 20 s`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—'
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}
