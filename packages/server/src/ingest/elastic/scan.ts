import { atRangeEnd, beginRange, cachedText, colon, more, opens, parsed, peek, release, scalar } from '../otlp/json-bytes.ts'

/**
 * One `_bulk` document line read straight from the request bytes into its top-level members, in
 * order — what `Object.keys(JSON.parse(line))` and the values would give, without the line's
 * UTF-8 string and the parsed object. Strings come from the bytes (json-bytes.ts: Latin-1 slice
 * for ASCII, UTF-8 otherwise); arrays are parsed on their own (JSON.parse of their bytes), as
 * they are kept as JSON text anyway. For flat documents (ECS loggers, Vector, Fluent Bit):
 * the bench's lines cost 2.1–2.4 µs each here against 2.4–3.3 µs by UTF-8 string + JSON.parse.
 *
 * It gives up (undefined: the caller decodes the line and JSON.parses it, so every error message
 * stays the same) on anything where the member list could differ from JSON.parse's object:
 *  - invalid JSON, or not an object, or anything after it on the line;
 *  - a member name twice (JSON.parse keeps one key, at the first place, with the last value);
 *  - a member name starting with a digit (V8 lists integer-like keys first, whatever their place);
 *  - more than MAX_MEMBERS members (the duplicate check is quadratic);
 *  - a nested object: documents in that shape (Beats) are read faster by JSON.parse, and after a few
 *    such lines parseBulk stops asking (see `Scanning`).
 */
export class ScannedDocument {
  constructor(
    /** Member names in document order, each once (one list shared by the documents of one shape). */
    readonly keys: readonly string[],
    /** Their values, as JSON.parse gives them. */
    readonly values: unknown[],
  ) {}
}

const MAX_MEMBERS = 64

// Documents of one stream repeat their member names and many short values (`log.level`, routes,
// status codes) at the same places: the string read for the previous document is reused when the
// bytes match (json-bytes `cachedText`), which also lets the duplicate check below end at once.
const keyCache: string[] = []
const valueCache: string[] = []
/** Member names of the last document found free of duplicates (shared, never changed, by every document of that shape). */
let lastShape: string[] = []
// The members are collected here, then copied once at their final length (no growing arrays per document).
const keys: string[] = []
const values: unknown[] = []

/** The document in `body[start, end)` (one line, its newline excluded), or undefined (see above). */
export function scanDocument(body: Buffer, start: number, end: number): ScannedDocument | undefined {
  beginRange(body, start, end)
  let n = 0
  try {
    if (!opens(0x7b, 0x7d)) {
      do {
        if (n >= MAX_MEMBERS || peek() !== 0x22) return undefined
        const key = cachedText(keyCache, n)
        const first = key.charCodeAt(0)
        if (first >= 0x30 && first <= 0x39) return undefined
        colon()
        const c = peek()
        keys[n] = key
        // nested objects (Filebeat's `{"log":{"level":…},"host":{…}}`) are JSON.parse's: parsing each on
        // its own costs more than the whole line (measured: 18.4 against 10.1 µs per document)
        if (c === 0x7b) return undefined
        values[n] = c === 0x22 ? cachedText(valueCache, n) : c === 0x5b ? parsed() : scalar()
        n++
      } while (more(0x7d))
    }
    if (!atRangeEnd()) return undefined
    const names = shapeOf(n)
    return names === undefined ? undefined : new ScannedDocument(names, values.slice(0, n))
  } catch {
    // GIVE_UP, or JSON.parse's error on a nested value or an escaped string: the caller's path decides
    return undefined
  } finally {
    release()
  }
}

/** The first `n` collected names as a list, the last document's when they are the same; undefined when a name repeats. */
function shapeOf(n: number): string[] | undefined {
  if (n === lastShape.length) {
    let i = 0
    while (i < n && keys[i] === lastShape[i]) i++
    if (i === n) return lastShape
  }
  for (let i = 1; i < n; i++) {
    const k = keys[i]
    for (let j = 0; j < i; j++) if (keys[j] === k) return undefined
  }
  lastShape = keys.slice(0, n)
  return lastShape
}

/**
 * Whether to scan the next document lines of one body: the lines of one body come from one
 * shipper in one shape, so after several more give-ups than answers the rest of the body goes
 * straight to JSON.parse instead of being scanned first and parsed after.
 */
export class Scanning {
  private balance = 0

  get worthIt(): boolean {
    return this.balance < 8
  }

  note(answered: boolean): void {
    if (!answered) this.balance++
    else if (this.balance > 0) this.balance--
  }
}
