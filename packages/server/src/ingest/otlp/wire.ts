/**
 * A minimal protobuf wire-format reader for the OTLP request messages.
 *
 * Reads straight from the request Buffer: no intermediate message objects, strings decoded once
 * (invalid UTF-8 becomes U+FFFD, never an exception), 64-bit integers converted to exact decimal
 * strings without BigInt. Every read is bounded by the enclosing message's end, so a length that
 * points past it is reported as an error with its byte offset instead of being read.
 * Wire format: https://protobuf.dev/programming-guides/encoding/
 */

/** Wire types (the low 3 bits of a tag). */
export const VARINT = 0
export const I64 = 1
export const LEN = 2
export const I32 = 5

/** Node's internal, undocumented but long-stable slice decoders (skip toString's encoding dispatch). */
interface SliceBuffer extends Buffer {
  utf8Slice(start: number, end: number): string
  hexSlice(start: number, end: number): string
  base64Slice(start: number, end: number): string
}

/** Thrown by the reader; the decoders turn it into a 400 answer naming the byte offset. */
export class WireError extends Error {
  readonly offset: number
  constructor(offset: number, message: string) {
    super(`invalid protobuf at byte ${offset}: ${message}`)
    this.name = 'WireError'
    this.offset = offset
  }
}

const TWO_32 = 4294967296

/** Exact decimal text of the unsigned 64-bit integer hi·2³² + lo (both uint32). */
export function u64ToDecimal(hi: number, lo: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo) // < 2^53: exact as a double
  // Long division by 1e9 over four 16-bit limbs; every intermediate stays below 2^53.
  let r = 0
  let cur = r * 65536 + (hi >>> 16)
  const q3 = Math.floor(cur / 1e9); r = cur - q3 * 1e9
  cur = r * 65536 + (hi & 0xffff)
  const q2 = Math.floor(cur / 1e9); r = cur - q2 * 1e9
  cur = r * 65536 + (lo >>> 16)
  const q1 = Math.floor(cur / 1e9); r = cur - q1 * 1e9
  cur = r * 65536 + (lo & 0xffff)
  const q0 = Math.floor(cur / 1e9); r = cur - q0 * 1e9
  const q = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0 // < 2^64 / 1e9 < 2^35
  const low = String(r)
  return String(q) + '000000000'.slice(low.length) + low
}

/** Exact decimal text of the signed (two's complement) 64-bit integer hi·2³² + lo. */
export function i64ToDecimal(hi: number, lo: number): string {
  if ((hi & 0x80000000) === 0) return u64ToDecimal(hi, lo)
  const nlo = (~lo + 1) >>> 0
  const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0
  return '-' + u64ToDecimal(nhi, nlo)
}

export class WireReader {
  readonly buf: SliceBuffer
  pos = 0
  /** Set by varint64()/fixed64(): the high and low 32 bits of the value just read. */
  hi = 0
  lo = 0

  constructor(buf: Buffer) {
    this.buf = buf as SliceBuffer
  }

  fail(message: string, at = this.pos): never {
    throw new WireError(at, message)
  }

  /** A varint that fits 32 bits (tags, lengths, enums); higher bits are read and dropped. */
  varint32(end: number): number {
    const buf = this.buf
    let pos = this.pos
    let result = 0
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= end) this.fail('truncated varint', this.pos)
      const b = buf[pos++]
      if (shift < 32) result |= (b & 0x7f) << shift
      if (b < 0x80) {
        this.pos = pos
        return result >>> 0
      }
    }
    return this.fail('varint longer than 10 bytes', this.pos)
  }

  /** A full 64-bit varint into this.hi / this.lo. */
  varint64(end: number): void {
    const buf = this.buf
    const start = this.pos
    let pos = start
    let lo = 0
    let hi = 0
    for (let i = 0; i < 10; i++) {
      if (pos >= end) this.fail('truncated varint', start)
      const b = buf[pos++]
      if (i < 4) lo |= (b & 0x7f) << (7 * i)
      else if (i === 4) {
        lo |= (b & 0x0f) << 28
        hi = (b & 0x7f) >> 4
      } else hi |= (b & 0x7f) << (7 * i - 32)
      if (b < 0x80) {
        this.pos = pos
        this.lo = lo >>> 0
        this.hi = hi >>> 0
        return
      }
    }
    this.fail('varint longer than 10 bytes', start)
  }

  /** A little-endian fixed64 into this.hi / this.lo. */
  fixed64(end: number): void {
    if (this.pos + 8 > end) this.fail('truncated fixed64')
    this.lo = this.buf.readUInt32LE(this.pos)
    this.hi = this.buf.readUInt32LE(this.pos + 4)
    this.pos += 8
  }

  fixed32(end: number): number {
    if (this.pos + 4 > end) this.fail('truncated fixed32')
    const v = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return v
  }

  double(end: number): number {
    if (this.pos + 8 > end) this.fail('truncated double')
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }

  /** Reads a length prefix and returns where the length-delimited field ends (this.pos is its start). */
  lengthEnd(end: number): number {
    const at = this.pos
    const len = this.varint32(end)
    const fieldEnd = this.pos + len
    if (fieldEnd > end) this.fail(`length ${len} exceeds the ${end - this.pos} bytes left in the enclosing message`, at)
    return fieldEnd
  }

  /** A length-delimited UTF-8 string; invalid sequences become U+FFFD. */
  string(end: number): string {
    const fieldEnd = this.lengthEnd(end)
    const start = this.pos
    this.pos = fieldEnd
    return utf8(this.buf, start, fieldEnd)
  }

  /** A length-delimited string that is likely to repeat (attribute keys): see cachedKey. */
  key(end: number): string {
    const fieldEnd = this.lengthEnd(end)
    const start = this.pos
    this.pos = fieldEnd
    return cachedKey(this.buf, start, fieldEnd)
  }

  /** A length-delimited bytes field as lowercase hex. */
  hex(end: number): string {
    const fieldEnd = this.lengthEnd(end)
    const start = this.pos
    this.pos = fieldEnd
    return this.buf.hexSlice(start, fieldEnd)
  }

  /**
   * Skips a field the caller does not read. `readFields` (see fieldMask) lists the field numbers
   * the caller does read: meeting one of them here means its wire type was wrong, which is an error.
   */
  skip(tag: number, end: number, message: string, readFields: number): void {
    const field = tag >>> 3
    const wireType = tag & 7
    const at = this.pos - (tag < 0x80 ? 1 : tag < 0x4000 ? 2 : tag < 0x200000 ? 3 : tag < 0x10000000 ? 4 : 5) // the tag's offset
    if (field === 0) this.fail(`field number 0 in ${message}`, at)
    if (field < 32 && (readFields & (1 << field)) !== 0) {
      this.fail(`${message} field ${field} has wire type ${wireType}, which does not match its declared type`, at)
    }
    switch (wireType) {
      case VARINT: this.varint64(end); return
      case I64: if (this.pos + 8 > end) this.fail('truncated fixed64'); this.pos += 8; return
      case LEN: this.pos = this.lengthEnd(end); return
      case I32: if (this.pos + 4 > end) this.fail('truncated fixed32'); this.pos += 4; return
      default: this.fail(`unsupported wire type ${wireType} (field ${field} of ${message})`, at)
    }
  }
}

/** UTF-8 → string; invalid sequences become U+FFFD. */
export function utf8(buf: Buffer, start: number, end: number): string {
  return start === end ? '' : (buf as SliceBuffer).utf8Slice(start, end)
}

const KEY_SLOTS = 4096
const MAX_CACHED_KEY = 64
const cachedKeys: string[] = new Array<string>(KEY_SLOTS).fill('')
const cachedKeyBytes: Buffer[] = new Array<Buffer>(KEY_SLOTS).fill(Buffer.alloc(0))

/**
 * Attribute keys repeat across records ("http.route", "order.id"): returning the same string
 * object for the same bytes skips a UTF-8 decode and, more importantly, lets V8 find the property
 * by an already-internalized key. A direct-mapped cache; a collision just replaces the slot.
 */
export function cachedKey(buf: Buffer, start: number, end: number): string {
  const n = end - start
  if (n > MAX_CACHED_KEY || n === 0) return utf8(buf, start, end)
  let h = n
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + buf[i]) | 0
  const slot = (h ^ (h >>> 15)) & (KEY_SLOTS - 1)
  const bytes = cachedKeyBytes[slot]
  if (bytes.length === n) {
    let same = true
    for (let i = 0; i < n; i++) {
      if (bytes[i] !== buf[start + i]) {
        same = false
        break
      }
    }
    if (same) return cachedKeys[slot]
  }
  const key = utf8(buf, start, end)
  cachedKeys[slot] = key
  cachedKeyBytes[slot] = Buffer.from(buf.subarray(start, end))
  return key
}

/** The bitmask of declared field numbers used by WireReader.skip (all OTLP fields used here are < 32). */
export function fieldMask(...fields: number[]): number {
  let m = 0
  for (const f of fields) m |= 1 << f
  return m
}
