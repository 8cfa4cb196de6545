import { LineReader } from './elastic/bulk.ts'
import type { DecodeResult } from './otlp/fields.ts'

/** A parsed JSON object (a line's or the resource line's). */
export type JsonObject = Record<string, any>

const RESOURCE_LINE = 'the first line must be the resource line, e.g. {"resource":{"service.name":"shop-api"}}'

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/**
 * The NDJSON bodies of the SDK's line receivers (pino lines, span lines): a resource line, then one
 * JSON object per line. `start` gets the resource line (`{"resource":{…},…}`) and answers the
 * function that maps each following line to a record, or to the reason it is rejected.
 *
 * A body whose first line is not a resource line is undecodable (400); a line that is not a JSON
 * object, or that the mapper refuses, is rejected on its own (partial success, the first reason
 * with its line number), unless no line is JSON: then the body is not NDJSON (400).
 */
export function decodeLines<T>(
  body: Buffer, noun: string, start: (head: JsonObject) => (line: JsonObject) => T | string,
): DecodeResult<T> {
  const lines = new LineReader(body)
  const first = lines.next()
  if (first === undefined) return { ok: true, records: [], rejected: 0 }
  let head: unknown
  try {
    head = JSON.parse(first)
  } catch (err) {
    return { ok: false, message: `line ${lines.lineNo}: ${RESOURCE_LINE}; it is not JSON (${(err as Error).message})` }
  }
  if (!isObject(head) || !isObject(head.resource)) return { ok: false, message: `line ${lines.lineNo}: ${RESOURCE_LINE}` }
  const map = start(head)

  const records: T[] = []
  let rejected = 0
  let readable = 0
  let firstReason = ''
  const reject = (reason: string): void => {
    if (rejected++ === 0) firstReason = `line ${lines.lineNo}: ${reason}`
  }
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch (err) {
      reject(`not JSON (${(err as Error).message})`)
      continue
    }
    readable++
    if (!isObject(parsed)) {
      reject(`expected a JSON object, found ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}`)
      continue
    }
    const r = map(parsed)
    if (typeof r === 'string') reject(r)
    else records.push(r)
  }
  if (readable === 0 && rejected > 0) {
    return { ok: false, message: `the body is not NDJSON: no line after the resource line is valid JSON (${firstReason}). Send one ${noun} per line, each ending with a newline (a compressed body needs Content-Encoding: gzip)` }
  }
  if (rejected === 0) return { ok: true, records, rejected: 0 }
  const message = `${rejected} line${rejected === 1 ? '' : 's'} rejected: ${firstReason}${rejected > 1 ? ' (first of these errors)' : ''}`
  return { ok: true, records, rejected, rejectionMessage: message }
}
