/**
 * One WAL entry = one ingested batch, already encoded for the store:
 * `[u32 metaLength][meta JSON][logs TSV][spans TSV]`.
 */
export interface EntryMeta {
  /** Batch id (request content id) — replays of the same id are not stored twice. */
  id: string
  logs: number
  spans: number
  logBytes: number
  spanBytes: number
  /** Append time, ms since epoch (bounds how long a batch id is remembered). */
  at: number
}

export interface DecodedEntry { meta: EntryMeta; logs: Buffer; spans: Buffer }

/** The TSV as a string, or as its UTF-8 bytes (copied into the entry, so a scratch buffer may be passed). */
export function encodeEntry(id: string, logs: number, spans: number, logTsv: string | Buffer, spanTsv: string | Buffer): Buffer {
  const logBuf = typeof logTsv === 'string' ? Buffer.from(logTsv, 'utf8') : logTsv
  const spanBuf = typeof spanTsv === 'string' ? Buffer.from(spanTsv, 'utf8') : spanTsv
  const meta: EntryMeta = { id, logs, spans, logBytes: logBuf.length, spanBytes: spanBuf.length, at: Date.now() }
  const metaBuf = Buffer.from(JSON.stringify(meta), 'utf8')
  const head = Buffer.allocUnsafe(4)
  head.writeUInt32LE(metaBuf.length, 0)
  return Buffer.concat([head, metaBuf, logBuf, spanBuf])
}

export function decodeEntry(payload: Buffer): DecodedEntry {
  const metaLen = payload.readUInt32LE(0)
  const meta = JSON.parse(payload.subarray(4, 4 + metaLen).toString('utf8')) as EntryMeta
  const start = 4 + metaLen
  return {
    meta,
    logs: payload.subarray(start, start + meta.logBytes),
    spans: payload.subarray(start + meta.logBytes, start + meta.logBytes + meta.spanBytes),
  }
}
