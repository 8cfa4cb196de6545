import type { LiveRecord } from './record-fields.ts'
import { MAX_GROUPS, shedFewest } from './rollups.ts'

/** An absence rule's group: when it was last seen (ms), its labels, and how many records it had. */
export interface Seen { ms: number; labels: Record<string, string>; n: number }

/**
 * When each group of an absence rule was last seen, for up to a day of silence. Bounded like the
 * rollups (MAX_GROUPS): a rule grouped by a key without a natural bound (`client.ip`) under a
 * flood of distinct keys would otherwise keep one entry per key for a day. At the bound the groups
 * with the fewest records (1, then up to 2, 4, …) are dropped until half remain, so the groups that
 * keep sending — the services an absence rule watches — stay, and keys seen once go (their silence
 * is not alerted: they were never steady).
 */
export class LastSeen extends Map<string, Seen> {
  /** Groups dropped at the bound since start. */
  shed = 0

  /** One matching record of a group, at `ms`; labels made only for a group not yet tracked. */
  note(groupKey: string, ms: number, labels: (r: LiveRecord) => Record<string, string>, r: LiveRecord): void {
    const g = this.get(groupKey)
    if (g) { g.ms = ms; g.n++; return }
    if (this.size >= MAX_GROUPS) this.shed += shedFewest(this, (g) => g.n)
    this.set(groupKey, { ms, labels: labels(r), n: 1 })
  }
}
