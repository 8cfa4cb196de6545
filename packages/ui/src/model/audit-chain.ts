/**
 * What the UI can check of the audit chain from a listing (newest first): each entry's `prevHash`
 * is the hash of the entry before it, with no gap in sequence numbers. Recomputing the hashes is
 * the server's job (`beacon audit verify`); this catches a listing with entries removed or altered.
 */
export interface ChainEntry { seq: number; hash: string; prevHash: string }

export function checkLinks(newestFirst: ChainEntry[]): { ok: boolean; checked: number; brokenAtSeq?: number } {
  const asc = [...newestFirst].sort((a, b) => a.seq - b.seq)
  for (let i = 1; i < asc.length; i++) {
    if (asc[i].seq === asc[i - 1].seq + 1 && asc[i].prevHash !== asc[i - 1].hash) return { ok: false, checked: i, brokenAtSeq: asc[i].seq }
  }
  return { ok: true, checked: Math.max(0, asc.length - 1) }
}
