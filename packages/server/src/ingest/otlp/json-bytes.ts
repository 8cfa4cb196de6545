/**
 * A JSON reader over request bytes, for decoders that know the document's shape (json-scan.ts):
 * they ask for the value they expect next, and everything else throws `GIVE_UP`, after which the
 * caller decodes the document with JSON.parse instead. It accepts only valid JSON (RFC 8259: raw
 * control characters in strings, leading zeros, trailing garbage all give up).
 *
 *   begin(body) ─▶ opens / nameId / text / scalar / skip / more … ─▶ release()
 *
 * Strings come straight from the bytes (Latin-1 slice for ASCII, UTF-8 otherwise; JSON.parse of
 * the one string for those with escapes): the text JSON.parse would give.
 */

const PLAIN = 0
const QUOTE = 1
const BACKSLASH = 2
const CONTROL = 3
const HIGH = 4
/** Class of each byte inside a JSON string. */
const CLASS = new Uint8Array(256)
for (let c = 0; c < 0x20; c++) CLASS[c] = CONTROL
CLASS[0x22] = QUOTE
CLASS[0x5c] = BACKSLASH
for (let c = 0x80; c < 0x100; c++) CLASS[c] = HIGH

/** Thrown when the input is not what the caller asked for (or not JSON); the caller decodes the document some other way. */
export const GIVE_UP = new Error('JSON outside the scanned shape')

/** Member names as bytes, for `nameId`: their index is the answer. */
export function names(...list: string[]): Uint8Array[] {
  return list.map((s) => Buffer.from(s, 'latin1'))
}

const TRUE = names('true')[0]
const FALSE = names('false')[0]
const NULL = names('null')[0]

/** Strings of this many characters or fewer are kept by `cachedText`. */
const CACHED_LENGTH = 32

// Reading is synchronous: one document at a time, in module state.
interface SliceBuffer extends Buffer { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string }
const NOTHING = Buffer.alloc(0) as SliceBuffer
let b = NOTHING
let p = 0
let end = 0
/** Whether the last string read was plain ASCII without escapes (its chars are its bytes). */
let plain = false

/** Starts reading `body` (after a UTF-8 byte order mark, if any). */
export function begin(body: Buffer): void {
  b = body as SliceBuffer
  end = body.length
  p = end >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0
}

/** Starts reading `body[start, stop)`: one line of NDJSON (no byte order mark skipped). */
export function beginRange(body: Buffer, start: number, stop: number): void {
  b = body as SliceBuffer
  end = stop
  p = start
}

/** Lets go of the body. */
export function release(): void {
  b = NOTHING
}

/** The byte at the reading position (undefined past the end). */
export function peek(): number {
  return b[p]
}

export function position(): number {
  return p
}

/** Back to a position from `position()`. */
export function rewind(to: number): void {
  p = to
}

/** Whether only whitespace is left. */
export function atEnd(): boolean {
  ws()
  return p === end
}

/**
 * Whether only whitespace is left before the end of a range (`beginRange`). The readers' whitespace
 * steps do not stop at the range's end (the line's newline is whitespace to them), so a document
 * that ran on into the next line is caught here: it is past the end.
 */
export function atRangeEnd(): boolean {
  if (p > end) return false
  for (let i = p; i < end; i++) {
    const c = b[i]
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false
  }
  return true
}

/** Past whitespace. */
export function ws(): void {
  const buf = b
  let i = p
  let c = buf[i]
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++i]
  p = i
}

/** At `open` (after whitespace): steps in; true when the container is empty (then also past `close`). */
export function opens(open: number, close: number): boolean {
  ws()
  if (b[p] !== open) throw GIVE_UP
  p++
  ws()
  if (b[p] !== close) return false
  p++
  return true
}

/** After a member or element: true when a `,` announces another (then at its start), false at `close`. */
export function more(close: number): boolean {
  ws()
  const c = b[p++]
  if (c === 0x2c) {
    ws()
    return true
  }
  if (c === close) return false
  throw GIVE_UP
}

/**
 * A member name and its `:`: its index in `table`, or -1 for a member nobody reads. `strict`: a
 * snake_case name gives up (it may be a field the decoder reads under that spelling too).
 */
export function nameId(table: readonly Uint8Array[], strict = true): number {
  const buf = b
  if (buf[p] !== 0x22) throw GIVE_UP
  const q0 = p + 1
  // the names this level reads, compared in place (a name without quote or backslash that is
  // followed by a quote is the whole name)
  for (let k = 0; k < table.length; k++) {
    const t = table[k]
    const n = t.length
    if (buf[q0 + n] !== 0x22) continue
    let j = 0
    while (j < n && buf[q0 + j] === t[j]) j++
    if (j === n) {
      p = q0 + n + 1
      colon()
      return k
    }
  }
  let i = q0
  let underscore = false
  for (; i < end; i++) {
    const c = buf[i]
    if (c === 0x22) break
    if (c === 0x5f) underscore = true
    else if (c === 0x5c || c < 0x20) throw GIVE_UP
  }
  if (i >= end) throw GIVE_UP
  p = i + 1
  colon()
  // a snake_case name may be a field the decoder reads under its other spelling
  if (underscore && strict) throw GIVE_UP
  return -1
}

/** Past the `:` after a member name read by `text`/`cachedText` (and the whitespace around it). */
export function colon(): void {
  ws()
  if (b[p] !== 0x3a) throw GIVE_UP
  p++
  ws()
}

/** A string at the reading position, as text. */
export function text(): string {
  // locals in the loop: module state lives in a context slot V8 would load and store per byte
  const buf = b
  const n = end
  const q0 = p + 1
  let i = q0
  let high = 0
  for (;;) {
    // The tight inner loop over plain bytes runs about twice as fast as one loop with the class
    // tests in its body. It needs no bound: it stops at the line's newline (a control byte) or
    // past the buffer's end (undefined), and both are then `i >= n`.
    let k
    while ((k = CLASS[buf[i]]) === PLAIN) i++
    if (i >= n) throw GIVE_UP
    if (k === QUOTE) {
      p = i + 1
      plain = high === 0
      return high === 0 ? buf.latin1Slice(q0, i) : buf.utf8Slice(q0, i)
    }
    if (k === HIGH) {
      high = 1
      i++
    } else if (k === BACKSLASH) {
      p = i
      return escaped(q0)
    } else throw GIVE_UP
  }
}

/** The rest of a string with escapes: found by its closing quote, decoded by JSON.parse (which checks the escapes). */
function escaped(q0: number): string {
  for (; p < end; p++) {
    const c = b[p]
    if (c === 0x22) {
      p++
      plain = false
      return JSON.parse(b.utf8Slice(q0 - 1, p)) as string
    }
    if (c < 0x20) throw GIVE_UP
    if (c === 0x5c) p++
  }
  throw GIVE_UP
}

/** A string at the reading position: the one in `cache[slot]` when the bytes are the same, else read (and cached when short and plain). */
export function cachedText(cache: string[], slot: number): string {
  const prev = cache[slot]
  if (prev !== undefined) {
    const n = prev.length
    const q0 = p + 1
    const buf = b
    if (q0 + n < end && buf[q0 + n] === 0x22) {
      let j = 0
      while (j < n && buf[q0 + j] === prev.charCodeAt(j)) j++
      if (j === n) {
        p = q0 + n + 1
        return prev
      }
    }
  }
  const s = text()
  if (plain && s.length <= CACHED_LENGTH) cache[slot] = s
  return s
}

/** A string, number, true, false or null, as JSON.parse gives it; anything else gives up. */
export function scalar(): unknown {
  const c = b[p]
  if (c === 0x22) return text()
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return number()
  if (c === 0x74) return literal(TRUE, true)
  if (c === 0x66) return literal(FALSE, false)
  if (c === 0x6e) return literal(NULL, null)
  throw GIVE_UP
}

function literal<T>(bytes: Uint8Array, value: T): T {
  for (let i = 0; i < bytes.length; i++) if (b[p + i] !== bytes[i]) throw GIVE_UP
  p += bytes.length
  return value
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** A JSON number (the full grammar); small unsigned integers are computed here. */
function number(): number {
  const q0 = p
  if (b[p] === 0x2d) p++
  if (b[p] === 0x30) p++
  else if (b[p] >= 0x31 && b[p] <= 0x39) while (isDigit(b[p])) p++
  else throw GIVE_UP
  let integer = true
  if (b[p] === 0x2e) {
    p++
    if (!isDigit(b[p])) throw GIVE_UP
    while (isDigit(b[p])) p++
    integer = false
  }
  if (b[p] === 0x65 || b[p] === 0x45) {
    p++
    if (b[p] === 0x2b || b[p] === 0x2d) p++
    if (!isDigit(b[p])) throw GIVE_UP
    while (isDigit(b[p])) p++
    integer = false
  }
  if (integer && b[q0] !== 0x2d && p - q0 <= 9) {
    let n = 0
    for (let i = q0; i < p; i++) n = n * 10 + b[i] - 0x30
    return n
  }
  return Number(b.latin1Slice(q0, p))
}

/** Any JSON value, checked and passed over. */
export function skip(depth: number): void {
  const c = b[p]
  if (c === 0x7b || c === 0x5b) {
    if (depth >= 64) throw GIVE_UP
    const close = c + 2
    if (opens(c, close)) return
    do {
      if (c === 0x7b) {
        if (b[p] !== 0x22) throw GIVE_UP
        text()
        colon()
      }
      skip(depth + 1)
    } while (more(close))
    return
  }
  scalar()
}

/** At `close` (after whitespace): steps past it and answers true; false (and stays) at anything else. */
export function closes(close: number): boolean {
  ws()
  if (b[p] !== close) return false
  p++
  return true
}

/** Any JSON value, parsed on its own by JSON.parse (as it would be inside the whole document). */
export function parsed(): unknown {
  const start = p
  skip(0)
  return JSON.parse(b.utf8Slice(start, p))
}
