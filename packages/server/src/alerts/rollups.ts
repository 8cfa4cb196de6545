import type { Store } from '../store/connection.ts'
import { tsvMap, tsvString, tsvStringArray } from '../store/tsv.ts'
import { ROLLUPS_TABLE } from './tables.ts'
import type { LiveRecord } from './record-fields.ts'

/**
 * Live per-rule rollups: records matched by a windowed rule update the aggregate of their
 * (group, 10 s interval); an evaluation merges the intervals of the window. Nothing scans raw rows.
 * Closed intervals are written to ClickHouse, so a restart resumes the pending windows.
 *
 *   record ─match─▶ interval[t - t % 10 s][group] { count, denom, sum, distinct set, samples }
 *   tick   ─────▶ merge intervals in [now - window, now] per group ─▶ value
 */

export const INTERVAL_SECONDS = 10
/** Distinct values and quantile samples kept per interval (bounded memory; samples are a reservoir). */
const MAX_DISTINCT = 20_000
const MAX_SAMPLES = 512
/**
 * Groups kept per rule and interval. A rule grouped by a key of unbounded cardinality (client
 * address, request hash) under a flood of distinct keys would otherwise keep one group — and its
 * newest record — per key for the whole window: at 20k records/s of distinct addresses that was
 * ~1 GB of heap. At the bound, the groups with the fewest records are shed (`shed`).
 */
export const MAX_GROUPS = 5_000

/**
 * Drops the entries with the fewest records (1, then up to 2, 4, …) until at most half of
 * MAX_GROUPS remain; how many were dropped. Shared by the rollups and the absence rules' last-seen
 * groups: a key that keeps coming outgrows the shed level and keeps its count.
 */
export function shedFewest<V>(groups: Map<string, V>, records: (v: V) => number): number {
  let shed = 0
  for (let k = 1; groups.size > MAX_GROUPS / 2; k *= 2) {
    for (const [key, v] of groups) {
      if (records(v) > k) continue
      groups.delete(key)
      shed++
    }
  }
  return shed
}

export interface Sample { timeMs: number; service: string; message: string; traceId: string; orderId: string }

/**
 * The newest matching record of a window: the record itself while its interval is the current
 * one, the few fields a notification shows (`Sample`) once the interval has closed.
 */
export interface LastMatch { ms: number; record?: LiveRecord; sample?: Sample }

/** How a rule without per-record labels makes a group's labels from its key, and a record's Sample. */
export interface RollupShape {
  /** Labels from the group key (rules grouped by at most one field: the key is the value), or none. */
  labelsOfKey?: (groupKey: string) => Record<string, string>
  /** A record's Sample: the newest records of closed intervals are kept as these, not whole. */
  toSample?: (record: LiveRecord) => Sample
}

export interface Interval {
  /** null: made from the key when needed (`RollupShape.labelsOfKey`), not per group and interval. */
  labels: Record<string, string> | null
  count: number
  denom: number
  sum: number
  distinct: Set<string> | null
  samples: number[] | null
  seen: number
  /** The newest matching record (for the notification) and when it matched (ms), not persisted. */
  lastRecord?: LiveRecord
  /** The same, once the interval is no longer the current one (`compact`). */
  lastSample?: Sample
  lastMs: number
}

export interface Merged { labels: Record<string, string>; count: number; denom: number; sum: number; distinct: Set<string> | null; samples: number[] | null; last?: LastMatch }

export class RuleRollups {
  /** interval start (s) → group key → aggregate */
  readonly intervals = new Map<number, Map<string, Interval>>()
  /** Intervals already written to ClickHouse. */
  private persistedUpTo = 0
  /** The interval most records go to (saves a map lookup per record). */
  private currentStart = -1
  private current: Map<string, Interval> | undefined

  /** Groups shed since start (each undercounted by the records it had: 1 or a few). */
  shed = 0

  constructor(readonly ruleId: string, private readonly wantDistinct: boolean, private readonly wantSamples: boolean, private readonly shape: RollupShape = {}) {}

  /** An interval's labels (made from its key when it keeps none). */
  labelsOf(groupKey: string, iv: Interval): Record<string, string> {
    return iv.labels ?? this.shape.labelsOfKey?.(groupKey) ?? {}
  }

  private slot(tSec: number, groupKey: string, labels: Record<string, string> | ((r: LiveRecord) => Record<string, string>), record?: LiveRecord): Interval {
    const start = tSec - (tSec % INTERVAL_SECONDS)
    let groups = start === this.currentStart ? this.current : this.intervals.get(start)
    if (!groups) { groups = new Map(); this.intervals.set(start, groups) }
    if (start > this.currentStart && this.current) this.compact(this.current)
    if (start >= this.currentStart) { this.currentStart = start; this.current = groups }
    let iv = groups.get(groupKey)
    if (!iv) {
      if (groups.size >= MAX_GROUPS) this.shedFrom(groups)
      iv = { labels: typeof labels !== 'function' ? labels : this.shape.labelsOfKey ? null : labels(record!), count: 0, denom: 0, sum: 0, distinct: this.wantDistinct ? new Set() : null, samples: this.wantSamples ? [] : null, seen: 0, lastMs: 0 }
      groups.set(groupKey, iv)
    }
    return iv
  }

  /**
   * An interval that stopped being the current one keeps its groups' newest records as Samples:
   * a whole record (its attributes, resource, every string) is ~1 KB against ~0.2 KB, and under a
   * flood of distinct keys a 60 s window held up to 5,000 of them per interval and rule.
   */
  private compact(groups: Map<string, Interval>): void {
    const toSample = this.shape.toSample
    if (!toSample) return
    for (const iv of groups.values()) {
      if (!iv.lastRecord) continue
      iv.lastSample = toSample(iv.lastRecord)
      iv.lastRecord = undefined
    }
  }

  /**
   * Drops the groups with the fewest records (1, then up to 2, 4, …) until at most half the bound
   * remain: a key that keeps coming (the client behind a burst) outgrows the shed level and keeps
   * its count; a key seen once per interval among thousands of others can be missed.
   */
  private shedFrom(groups: Map<string, Interval>): void {
    this.shed += shedFewest(groups, (iv) => iv.count + iv.denom)
  }

  /**
   * Counts one matching record (numerator), with its field value for distinct / sum / percentile.
   * `nowMs`: when it matched (the ingest path passes the batch's clock: one read per batch).
   */
  add(tSec: number, groupKey: string, labels: Record<string, string> | ((r: LiveRecord) => Record<string, string>), value: string | undefined, record?: LiveRecord, nowMs?: number): void {
    const iv = this.slot(tSec, groupKey, labels, record)
    iv.count++
    // A late record for a closed interval is its newest now: it replaces the interval's sample.
    if (record) { iv.lastRecord = record; iv.lastSample = undefined; iv.lastMs = nowMs ?? Date.now() }
    if (value === undefined) return
    if (iv.distinct && iv.distinct.size < MAX_DISTINCT) iv.distinct.add(value)
    const n = Number(value)
    if (!Number.isFinite(n)) return
    iv.sum += n
    if (iv.samples) {
      iv.seen++
      if (iv.samples.length < MAX_SAMPLES) iv.samples.push(n)
      else {
        const j = Math.floor(Math.random() * iv.seen)
        if (j < MAX_SAMPLES) iv.samples[j] = n
      }
    }
  }

  /** Sets an interval's aggregate (backfill from SQL). */
  put(tSec: number, groupKey: string, labels: Record<string, string>, a: { count: number; denom: number; sum: number; distinct: string[]; samples: number[] }): void {
    const iv = this.slot(tSec, groupKey, labels)
    iv.count = a.count
    iv.denom = a.denom
    iv.sum = a.sum
    if (iv.distinct) iv.distinct = new Set(a.distinct)
    if (iv.samples) iv.samples = a.samples
  }

  /** Counts one record of the ratio's denominator. */
  addDenominator(tSec: number, groupKey: string, labels: Record<string, string> | ((r: LiveRecord) => Record<string, string>), record?: LiveRecord): void {
    this.slot(tSec, groupKey, labels, record).denom++
  }

  /** Merges the intervals that overlap [fromSec, toSec), per group. */
  merge(fromSec: number, toSec: number): Map<string, Merged> {
    const out = new Map<string, Merged>()
    for (const [start, groups] of this.intervals) {
      if (start + INTERVAL_SECONDS <= fromSec || start >= toSec) continue
      for (const [key, iv] of groups) {
        let m = out.get(key)
        if (!m) { m = { labels: this.labelsOf(key, iv), count: 0, denom: 0, sum: 0, distinct: iv.distinct ? new Set() : null, samples: iv.samples ? [] : null }; out.set(key, m) }
        m.count += iv.count
        m.denom += iv.denom
        m.sum += iv.sum
        if (m.distinct && iv.distinct) for (const v of iv.distinct) m.distinct.add(v)
        if (m.samples && iv.samples) m.samples.push(...iv.samples)
        if ((iv.lastRecord || iv.lastSample) && (!m.last || iv.lastMs >= m.last.ms)) m.last = { ms: iv.lastMs, record: iv.lastRecord, sample: iv.lastSample }
      }
    }
    return out
  }

  /** Drops intervals that ended before `beforeSec`. */
  prune(beforeSec: number): void {
    for (const start of this.intervals.keys()) {
      if (start + INTERVAL_SECONDS >= beforeSec) continue
      this.intervals.delete(start)
      if (start === this.currentStart) { this.currentStart = -1; this.current = undefined }
    }
  }

  /** TSV rows of intervals closed before `closedBeforeSec` and not yet written. */
  closedRows(closedBeforeSec: number): string[] {
    const rows: string[] = []
    let newest = this.persistedUpTo
    for (const [start, groups] of this.intervals) {
      if (start < this.persistedUpTo || start + INTERVAL_SECONDS > closedBeforeSec) continue
      newest = Math.max(newest, start + INTERVAL_SECONDS)
      for (const [key, iv] of groups) {
        rows.push([tsvString(this.ruleId), String(start), tsvString(key), tsvMap(this.labelsOf(key, iv)), String(iv.count), String(iv.denom), String(iv.sum),
          tsvStringArray(iv.distinct ? [...iv.distinct] : []), `[${(iv.samples ?? []).join(',')}]`].join('\t'))
      }
    }
    this.persistedUpTo = newest
    return rows
  }

  /** Loads persisted intervals (restart); returns how many. */
  async load(store: Store, fromSec: number): Promise<number> {
    const rows = await store.query<{ t: number; group_key: string; labels: Record<string, string>; count: string; denom: string; sum: number; distinct_values: string[]; samples: number[] }>(
      `SELECT toUnixTimestamp(interval_start) AS t, group_key, labels, count, denom, sum, distinct_values, samples
       FROM ${ROLLUPS_TABLE} FINAL WHERE rule_id = {id:String} AND interval_start >= toDateTime({from:UInt32})`, { id: this.ruleId, from: fromSec })
    for (const r of rows) {
      const iv = this.slot(Number(r.t), r.group_key, r.labels)
      iv.count = Number(r.count)
      iv.denom = Number(r.denom)
      iv.sum = Number(r.sum)
      if (iv.distinct) iv.distinct = new Set(r.distinct_values)
      if (iv.samples) iv.samples = r.samples.map(Number)
      this.persistedUpTo = Math.max(this.persistedUpTo, Number(r.t) + INTERVAL_SECONDS)
    }
    return rows.length
  }
}

export const ROLLUP_COLUMNS = ['rule_id', 'interval_start', 'group_key', 'labels', 'count', 'denom', 'sum', 'distinct_values', 'samples'] as const

/** Nearest-rank quantile (p in 0..100) of samples; NaN when empty. */
export function quantile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}
