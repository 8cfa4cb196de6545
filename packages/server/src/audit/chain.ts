import { createHash } from 'node:crypto'

/**
 * The access audit's hash chain. Each entry's `hash` is
 *   sha256_hex(prev_hash + canonical_json(entry without prev_hash and hash))
 * where canonical JSON has the keys in this fixed (alphabetical) order and `time` in epoch
 * milliseconds. The first entry's prev_hash is 64 zeros. Changing, removing or inserting any
 * row breaks the chain from that row on; `beacon audit verify` finds the first broken link.
 */
export const GENESIS_HASH = '0'.repeat(64)

export type AuditResult = 'allowed' | 'denied' | 'error'

/** What a caller records. */
export interface AuditEvent {
  /** `user:alice`, `key:3f2a0c1b9d7e`, `anonymous`, `cli:<os user>`, or the name tried at a failed login (`login:<name>`). */
  actor: string
  /** e.g. `search`, `trace.read`, `auth.login`, `auth.login_failed`, `user.create`, `key.revoke`, `sensitive.decrypt`, `access.denied`. */
  action: string
  /** What was accessed: query and range, trace id, order id, user name… (JSON text or plain text). */
  target: string
  /** Client address ('' for the CLI). */
  client: string
  result: AuditResult
  /** Records returned (reads), values decrypted (decrypt). */
  rows?: number
  /** Anything else worth keeping (HTTP status, reason). */
  detail?: string
}

export interface AuditEntry extends Required<AuditEvent> {
  seq: number
  timeMs: number
  prevHash: string
  hash: string
}

/** Text as ClickHouse will give it back: well-formed UTF-16 (lone surrogates become U+FFFD). */
export function wellFormed(s: string, max: number): string {
  return s.slice(0, max).replace(LONE_SURROGATE, '\uFFFD')
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export function canonicalJson(e: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return JSON.stringify({
    action: e.action, actor: e.actor, client: e.client, detail: e.detail, result: e.result,
    rows: e.rows, seq: e.seq, target: e.target, time: e.timeMs,
  })
}

export function entryHash(prevHash: string, e: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalJson(e), 'utf8').digest('hex')
}

/** Builds the next entry of the chain. */
export function chainEntry(prev: { seq: number; hash: string }, event: AuditEvent, timeMs: number): AuditEntry {
  const body = {
    seq: prev.seq + 1,
    timeMs,
    actor: wellFormed(event.actor, 512),
    action: wellFormed(event.action, 128),
    target: wellFormed(event.target, 16_384),
    client: wellFormed(event.client, 128),
    result: event.result,
    rows: Math.max(0, Math.floor(event.rows ?? 0)),
    detail: wellFormed(event.detail ?? '', 4096),
  }
  return { ...body, prevHash: prev.hash, hash: entryHash(prev.hash, body) }
}
