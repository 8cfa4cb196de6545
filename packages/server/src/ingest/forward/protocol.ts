import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { Packr, Unpackr, addExtension } from 'msgpackr'

/**
 * Fluentd Forward protocol v1 (https://github.com/fluent/fluentd/wiki/Forward-Protocol-Specification-v1):
 * a TCP stream of MessagePack arrays, one of
 *
 *   Message                  [tag, time, record, option?]
 *   Forward                  [tag, [[time, record], …], option?]
 *   PackedForward            [tag, bin(concatenated msgpack [time, record] entries), option?]
 *   CompressedPackedForward  the same, with option.compressed = 'gzip' (gzip members back to back)
 *
 * time is integer seconds or EventTime (ext type 0: uint32 seconds, uint32 nanoseconds, big-endian).
 * option.chunk asks for `{ack: chunk}` once the events are stored.
 */

/** An EventTime as read from the wire. */
export class EventTime {
  constructor(readonly seconds: number, readonly nanoseconds: number) {}
}

// Unpacking only (msgpackr refuses to pack extension type 0, which it reserves for `undefined`).
// Registered process-wide: nothing else in Beacon reads MessagePack.
addExtension({ type: 0, unpack: (b: Buffer) => (b.length === 8 ? new EventTime(b.readUInt32BE(0), b.readUInt32BE(4)) : undefined) } as never)

/** Plain MessagePack (no msgpackr records extension: other implementations cannot read it). */
export const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' })
export const packr = new Packr({ useRecords: false, variableMapSize: true })

export type Entry = [time: unknown, record: unknown]
export interface ForwardMessage { tag: string; entries: Entry[]; chunk?: string }

/** The event time in ns since epoch (decimal string), or undefined when `t` is not a time. */
export function eventTimeNano(t: unknown): string | undefined {
  if (t instanceof EventTime) return (BigInt(t.seconds) * 1_000_000_000n + BigInt(t.nanoseconds)).toString()
  if (typeof t === 'number' && Number.isFinite(t) && t >= 0) return (BigInt(Math.floor(t)) * 1_000_000_000n + BigInt(Math.round((t % 1) * 1e9))).toString()
  return undefined
}

/**
 * One decoded stream item → its events, or why it is not a Forward message.
 * `maxInflatedBytes` bounds CompressedPackedForward (gzip-bomb guard).
 */
export function readMessage(item: unknown, maxInflatedBytes: number): ForwardMessage | { error: string } {
  if (!Array.isArray(item) || item.length < 2 || typeof item[0] !== 'string') return { error: 'a Forward message is an array [tag, …]' }
  const tag = item[0]
  const second = item[1]
  let entries: Entry[]
  let option: unknown
  if (Array.isArray(second)) {
    entries = second as Entry[]
    option = item[2]
  } else if (second instanceof Uint8Array || typeof second === 'string') {
    option = item[2]
    let bytes = typeof second === 'string' ? Buffer.from(second, 'latin1') : Buffer.from(second.buffer, second.byteOffset, second.byteLength)
    if (isObject(option) && option.compressed === 'gzip') {
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: maxInflatedBytes })
      } catch (err) {
        return { error: `CompressedPackedForward: cannot inflate (${(err as Error).message})` }
      }
    }
    try {
      entries = bytes.length === 0 ? [] : (unpackr.unpackMultiple(bytes) as Entry[])
    } catch (err) {
      return { error: `PackedForward: entries are not MessagePack (${(err as Error).message})` }
    }
  } else if (item.length >= 3) {
    entries = [[second, item[2]]]
    option = item[3]
  } else {
    return { error: 'a Message is [tag, time, record, option?]' }
  }
  const chunk = isObject(option) && typeof option.chunk === 'string' && option.chunk !== '' ? option.chunk : undefined
  return { tag, entries, chunk }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** sha512 hex of the parts, as the handshake computes its digests. */
function digest(...parts: (string | Buffer)[]): string {
  const h = createHash('sha512')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export interface Handshake {
  nonce: Buffer
  /** Empty when no user authentication is asked for. */
  authSalt: Buffer
  helo: Buffer
}

/** HELO: `['HELO', {nonce, auth, keepalive}]`, sent first on every connection when a shared key is set. */
export function helo(withUserAuth: boolean): Handshake {
  const nonce = randomBytes(16)
  const authSalt = withUserAuth ? randomBytes(16) : Buffer.alloc(0)
  return { nonce, authSalt, helo: packr.pack(['HELO', { nonce, auth: withUserAuth ? authSalt : '', keepalive: true }]) }
}

export type PingResult =
  | { ok: true; clientHostname: string; username: string; pong: Buffer }
  | { ok: false; reason: string; pong: Buffer }

/**
 * Checks PING `['PING', client_hostname, shared_key_salt, sha512_hex(salt + client_hostname + nonce
 * + shared_key), username, sha512_hex(auth_salt + username + password)]` and builds the PONG
 * `['PONG', ok, reason, server_hostname, sha512_hex(salt + server_hostname + nonce + shared_key)]`.
 */
export function checkPing(
  msg: unknown, hs: Handshake, sharedKey: string, serverHostname: string,
  passwordOf: ((username: string) => string | undefined) | undefined,
): PingResult {
  const fail = (reason: string): PingResult => ({ ok: false, reason, pong: packr.pack(['PONG', false, reason, serverHostname, '']) })
  if (!Array.isArray(msg) || msg[0] !== 'PING' || msg.length < 4) return fail('expected PING after HELO')
  const [, clientHostname, salt, keyDigest, username = '', passwordDigest = ''] = msg as unknown[]
  if (typeof clientHostname !== 'string' || typeof keyDigest !== 'string') return fail('malformed PING')
  const saltBytes = typeof salt === 'string' ? Buffer.from(salt) : salt instanceof Uint8Array ? Buffer.from(salt) : Buffer.alloc(0)
  if (!sameText(keyDigest, digest(saltBytes, clientHostname, hs.nonce, sharedKey))) return fail('shared key mismatch')
  const user = typeof username === 'string' ? username : ''
  if (passwordOf) {
    const password = user === '' ? undefined : passwordOf(user)
    if (password === undefined || typeof passwordDigest !== 'string' || !sameText(passwordDigest, digest(hs.authSalt, user, password))) {
      return fail('username/password mismatch')
    }
  }
  return { ok: true, clientHostname, username: user, pong: packr.pack(['PONG', true, '', serverHostname, digest(saltBytes, serverHostname, hs.nonce, sharedKey)]) }
}
