/**
 * The `_bulk` request body (NDJSON: an action line, then — for `index`/`create`/`update` — a
 * document line) → one item per action, in request order.
 * https://www.elastic.co/guide/en/elasticsearch/reference/8.17/docs-bulk.html
 *
 * Elasticsearch rejects a whole request for a malformed line; shippers then retry it forever.
 * Beacon is lenient instead, and fails only the item concerned:
 *  - empty and whitespace-only lines are skipped, CRLF line ends accepted, the final newline optional;
 *  - a document line that is not JSON, or not an object → that item fails (mapper_parsing_exception);
 *  - an action line that is not JSON or names an unknown action → that item fails; the line after it
 *    is taken as its document unless it looks like an action line itself;
 *  - an action whose "document" is another action line (`{"index":{…}}`) is missing its document:
 *    it fails and the line is read again as the next action;
 *  - `delete` and `update` are answered per item with 400: logs are append-only.
 *
 * Hot path: the body as received (a Buffer) is read line by line; each document line is read
 * straight from its bytes (scan.ts), and only the lines the scanner gives up on are decoded to a
 * string and JSON.parsed (which then makes every error message). Repeated action lines (the usual
 * `{"create":{}}`, or one line per index) are parsed once per request.
 */

import type { Document } from './ecs.ts'
import { Scanning, scanDocument } from './scan.ts'

export interface ItemError {
  status: number
  type: string
  reason: string
}

export interface BulkItem {
  /** The action as sent, which keys the response item (`index`, `create`, `delete`, `update`). */
  op: string
  /** Target index ('' when neither the action nor the URL names one). */
  index: string
  /** `_id` from the action, '' when none was given. */
  id: string
  /** The document (index/create that parsed): JSON.parse's object, or the scanner's member list. */
  doc?: Document
  error?: ItemError
}

export interface ParsedBulk {
  items: BulkItem[]
  /** Lines that were valid JSON; 0 with items present means the body is not NDJSON at all. */
  readableLines: number
}

interface Action {
  op: string
  index: string
  id: string
}

const SUPPORTED = new Set(['index', 'create'])
const missingIndex = (): ItemError => ({ status: 400, type: 'illegal_argument_exception', reason: 'index is missing: name it as "_index" in the action or send to /{index}/_bulk' })
const KNOWN = new Set(['index', 'create', 'delete', 'update'])

/**
 * Parses a bulk body. `defaultIndex` is the `{index}` of `/{index}/_bulk` ('' for `/_bulk`).
 * The body as received (a Buffer) is decoded line by line (LineReader).
 */
export function parseBulk(body: string | Buffer, defaultIndex: string): ParsedBulk {
  const lines = new LineReader(body)
  const items: BulkItem[] = []
  let readableLines = 0
  let lineNo = 0
  let pushedBack: string | undefined
  let pushedBackNo = 0
  // Action lines repeat (`{"create":{}}`, one line per target index): each distinct one is parsed
  // once per request. Lines with unique ids never repeat, so caching stops after a few hundred.
  const actionCache = new Map<string, Action>()
  const scanning = new Scanning()

  /** The next non-blank line, or undefined at the end. */
  const next = (): string | undefined => {
    if (pushedBack !== undefined) {
      const l = pushedBack
      pushedBack = undefined
      lineNo = pushedBackNo
      return l
    }
    const line = lines.next()
    lineNo = lines.lineNo
    return line
  }
  const pushBack = (line: string): void => {
    pushedBack = line
    pushedBackNo = lineNo
  }

  for (let line = next(); line !== undefined; line = next()) {
    let action: Action | ItemError | undefined = line.length < 200 ? actionCache.get(line) : undefined
    if (action) {
      readableLines++
    } else {
      action = parseAction(line, lineNo, defaultIndex)
      if ('op' in action) {
        readableLines++
        if (line.length < 200 && actionCache.size < 256) actionCache.set(line, action)
      } else if (action.type !== 'json') readableLines++
    }
    const actionLine = lineNo

    if (!('op' in action)) {
      // Unreadable action: its document (if the next line is one) belongs to this failed item.
      items.push({ op: 'index', index: defaultIndex, id: '', error: { status: 400, type: 'illegal_argument_exception', reason: action.reason } })
      skipDocument(next, pushBack)
      continue
    }
    const item: BulkItem = { op: action.op, index: action.index, id: action.id }
    items.push(item)
    if (!KNOWN.has(action.op)) {
      item.error = {
        status: 400,
        type: 'illegal_argument_exception',
        reason: `Malformed action/metadata line [${actionLine}], expected one of [create, delete, index, update] but found [${action.op}]`,
      }
      skipDocument(next, pushBack)
      continue
    }
    if (!SUPPORTED.has(action.op)) {
      item.error = {
        status: 400,
        type: 'illegal_argument_exception',
        reason: `action [${action.op}] not supported: Beacon stores logs append-only; send index or create actions`,
      }
      if (action.op === 'update') skipDocument(next, pushBack)
      continue
    }
    let docLine: string | undefined
    if (pushedBack === undefined && lines.bytes !== undefined) {
      // the document line from its bytes; a line that may be an action, or that the scanner gives up on, as text
      docLine = undefined
      const found = lines.nextRange()
      lineNo = lines.lineNo // as next() sets it, also at the end
      if (found) {
        let scanned
        if (scanning.worthIt && !startsLikeAction(lines.bytes, lines.start, lines.end)) {
          scanned = scanDocument(lines.bytes, lines.start, lines.end)
          scanning.note(scanned !== undefined)
        }
        if (scanned !== undefined) {
          readableLines++
          if (item.index === '') item.error = missingIndex()
          else item.doc = scanned
          continue
        }
        docLine = lines.text()
      }
    } else docLine = next()
    if (docLine === undefined || looksLikeAction(docLine)) {
      if (docLine !== undefined) pushBack(docLine)
      item.error = {
        status: 400,
        type: 'illegal_argument_exception',
        reason: `action [${action.op}] on line [${actionLine}] is not followed by a document line`,
      }
      continue
    }
    let doc: unknown
    try {
      doc = JSON.parse(docLine)
    } catch (err) {
      item.error = { status: 400, type: 'mapper_parsing_exception', reason: `failed to parse the document on line [${lineNo}]: ${(err as Error).message}` }
      continue
    }
    readableLines++
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      item.error = {
        status: 400,
        type: 'mapper_parsing_exception',
        reason: `failed to parse the document on line [${lineNo}]: expected a JSON object but found ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`,
      }
      continue
    }
    if (item.index === '') {
      item.error = missingIndex()
      continue
    }
    item.doc = doc as Record<string, unknown>
  }
  return { items, readableLines }
}

/**
 * The non-blank lines of an NDJSON body, one at a time (`lineNo`: 1-based number of the last line
 * returned, blank lines counted). From a Buffer each line is decoded on its own: a request-sized
 * string is a V8 large object, several times dearer to create than the same text in line-sized
 * strings; a newline byte is never part of a multi-byte UTF-8 sequence, so the lines are the same text.
 */
export class LineReader {
  lineNo = 0
  /** The last line's bytes (`nextRange`): `bytes[start, end)`. */
  start = 0
  end = 0
  private pos = 0
  private readonly source: string | undefined
  readonly bytes: Buffer | undefined

  constructor(body: string | Buffer) {
    this.source = typeof body === 'string' ? body : undefined
    this.bytes = typeof body === 'string' ? undefined : body
  }

  /** The next non-blank line (without its `\n`; a CR before it is kept), or undefined at the end. */
  next(): string | undefined {
    const text = this.source
    if (text === undefined) return this.nextRange() ? this.text() : undefined
    const n = text.length
    while (this.pos < n) {
      let end = text.indexOf('\n', this.pos)
      if (end < 0) end = n
      const line = text.slice(this.pos, end)
      this.pos = end + 1
      this.lineNo++
      if (!isBlank(line)) return line
    }
    return undefined
  }

  /** From a Buffer: steps to the next non-blank line (`start`, `end`); false at the end. */
  nextRange(): boolean {
    const bytes = this.bytes!
    const n = bytes.length
    while (this.pos < n) {
      let end = bytes.indexOf(10, this.pos)
      if (end < 0) end = n
      const start = this.pos
      this.pos = end + 1
      this.lineNo++
      let i = start
      while (i < end && isSpace(bytes[i])) i++
      if (i < end) {
        this.start = start
        this.end = end
        return true
      }
    }
    return false
  }

  /** The line `nextRange` stepped to, as text. */
  text(): string {
    return this.bytes!.toString('utf8', this.start, this.end)
  }
}

const ACTION_NAMES = ['index"', 'create"', 'delete"', 'update"'].map((s) => Buffer.from(s, 'latin1'))

/** Whether `bytes[start, end)` begins like an action line (`{"index"`, `{ "create"`, …): looksLikeAction decides those. */
function startsLikeAction(bytes: Buffer, start: number, end: number): boolean {
  let i = start
  while (i < end && isSpace(bytes[i])) i++
  if (bytes[i] !== 123 /* { */) return false
  i++
  while (i < end && isSpace(bytes[i])) i++
  if (bytes[i] !== 34 /* " */) return false
  for (const name of ACTION_NAMES) {
    let j = 0
    while (j < name.length && bytes[i + 1 + j] === name[j]) j++
    if (j === name.length) return true
  }
  return false
}

/** Reads (and drops) the document line of a failed action, unless the next line is an action. */
function skipDocument(next: () => string | undefined, pushBack: (l: string) => void): void {
  const l = next()
  if (l !== undefined && looksLikeAction(l)) pushBack(l)
}

/** An action line parsed; an ItemError of type 'json' when it is not JSON at all. */
function parseAction(line: string, lineNo: number, defaultIndex: string): Action | ItemError {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (err) {
    return { status: 400, type: 'json', reason: `Malformed action/metadata line [${lineNo}]: ${(err as Error).message}` }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { status: 400, type: 'shape', reason: `Malformed action/metadata line [${lineNo}], expected START_OBJECT` }
  }
  const keys = Object.keys(parsed)
  if (keys.length !== 1) {
    return { status: 400, type: 'shape', reason: `Malformed action/metadata line [${lineNo}], expected one action but found [${keys.join(', ')}]` }
  }
  const op = keys[0]
  const meta = (parsed as Record<string, unknown>)[op]
  if (meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) {
    return { status: 400, type: 'shape', reason: `Malformed action/metadata line [${lineNo}], expected START_OBJECT after [${op}]` }
  }
  const m = (meta ?? {}) as Record<string, unknown>
  const idx = Object.hasOwn(m, '_index') ? m._index : undefined
  const id = Object.hasOwn(m, '_id') ? m._id : undefined
  return {
    op,
    index: typeof idx === 'string' && idx !== '' ? idx : defaultIndex,
    id: typeof id === 'string' || typeof id === 'number' ? String(id) : '',
  }
}

/** `{"index":{…}}`-shaped: one of the four actions as the only key, an object as its value. */
export function looksLikeAction(line: string): boolean {
  let i = 0
  while (i < line.length && isSpace(line.charCodeAt(i))) i++
  if (line.charCodeAt(i) !== 123 /* { */) return false
  i++
  while (i < line.length && isSpace(line.charCodeAt(i))) i++
  if (line.charCodeAt(i) !== 34 /* " */) return false
  const rest = line.slice(i + 1, i + 8)
  if (!(rest.startsWith('index"') || rest.startsWith('create"') || rest.startsWith('delete"') || rest.startsWith('update"'))) return false
  try {
    const v = JSON.parse(line) as Record<string, unknown>
    const keys = Object.keys(v)
    const meta = v[keys[0]]
    return keys.length === 1 && KNOWN.has(keys[0]) && typeof meta === 'object' && !Array.isArray(meta)
  } catch {
    return false
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10
}

function isBlank(line: string): boolean {
  if (line.length === 0) return true
  // Only lines starting with whitespace need the full check; JSON lines start with `{`.
  if (!isSpace(line.charCodeAt(0))) return false
  for (let i = 1; i < line.length; i++) if (!isSpace(line.charCodeAt(i))) return false
  return true
}
