import type { Store } from '../store/connection.ts'
import { tsvMap, tsvString } from '../store/tsv.ts'
import { STATE_TABLE, nextVersion, parseChTime } from './tables.ts'

/**
 * One alert per rule × group, moving through
 *
 *   (none) ──true──▶ pending ──true for `for` s──▶ firing ──false for `keepFiringSeconds`──▶ resolved
 *             ▲          └──false──▶ (none)          │ re-notify every `renotifySeconds` unless acknowledged
 *             └──────────────────────────────────────┘
 *
 * Flapping damping: an alert that fired and resolved `FLAP_LIMIT` times within `FLAP_WINDOW_MS` is
 * marked flapping; while flapping, its firing/resolved changes are recorded but not notified, and a
 * single notification goes out once it settles. Rows are persisted to ClickHouse so a restart
 * neither re-sends firing alerts nor forgets pending ones.
 */

export type AlertStatus = 'pending' | 'firing' | 'resolved'

export interface AlertState {
  ruleId: string
  groupKey: string
  labels: Record<string, string>
  state: AlertStatus
  value: number
  since: number
  firedAt: number
  lastNotifiedAt: number
  incidentId: string
  /** Times of recent firing transitions (flapping detection). */
  flaps: number[]
  /** Last time the condition was true. */
  lastTrueAt: number
}

export type Transition = 'firing' | 'resolved' | 'renotify' | null

const FLAP_WINDOW_MS = 15 * 60_000
const FLAP_LIMIT = 4

export const stateKey = (ruleId: string, groupKey: string): string => `${ruleId}\u0000${groupKey}`

export interface ObserveOptions {
  forSeconds: number
  renotifySeconds: number
  /** Keep firing this long after the condition turns false (hysteresis against flapping). */
  keepFiringSeconds: number
  acknowledged: boolean
}

export class AlertStates {
  readonly all = new Map<string, AlertState>()
  private readonly dirty = new Set<AlertState>()

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    const rows = await this.store.query<{ rule_id: string; group_key: string; state: string; labels: Record<string, string>; value: number; since: string; fired_at: string; last_notified_at: string; incident_id: string; flaps: number[] }>(
      `SELECT rule_id, group_key, state, labels, value, since, fired_at, last_notified_at, incident_id, flaps FROM ${STATE_TABLE} FINAL WHERE state IN ('pending', 'firing')`)
    for (const r of rows) {
      const s: AlertState = {
        ruleId: r.rule_id, groupKey: r.group_key, labels: r.labels, state: r.state as AlertStatus, value: Number(r.value),
        since: parseChTime(r.since) ?? 0, firedAt: parseChTime(r.fired_at) ?? 0, lastNotifiedAt: parseChTime(r.last_notified_at) ?? 0,
        incidentId: r.incident_id, flaps: r.flaps.map(Number), lastTrueAt: Date.now(),
      }
      this.all.set(stateKey(s.ruleId, s.groupKey), s)
    }
  }

  get(ruleId: string, groupKey: string): AlertState | undefined {
    return this.all.get(stateKey(ruleId, groupKey))
  }

  /** Alerts of a rule that are pending or firing. */
  ofRule(ruleId: string): AlertState[] {
    return [...this.all.values()].filter((s) => s.ruleId === ruleId && s.state !== 'resolved')
  }

  /** Whether the alert is flapping now (its firing transitions are damped). */
  flapping(s: AlertState, now: number): boolean {
    return s.flaps.filter((t) => now - t < FLAP_WINDOW_MS).length >= FLAP_LIMIT
  }

  /** Feeds one evaluation; returns what to notify. */
  observe(ruleId: string, groupKey: string, labels: Record<string, string>, active: boolean, value: number, now: number, o: ObserveOptions): Transition {
    const key = stateKey(ruleId, groupKey)
    let s = this.all.get(key)
    if (active) {
      if (!s || s.state === 'resolved') {
        s = { ruleId, groupKey, labels, state: 'pending', value, since: now, firedAt: 0, lastNotifiedAt: 0, incidentId: '', flaps: s?.flaps ?? [], lastTrueAt: now }
        this.all.set(key, s)
      }
      s.value = value
      s.labels = labels
      s.lastTrueAt = now
      this.dirty.add(s)
      if (s.state === 'pending' && now - s.since >= o.forSeconds * 1000) {
        s.state = 'firing'
        s.firedAt = now
        s.flaps = [...s.flaps.filter((t) => now - t < FLAP_WINDOW_MS), now]
        if (this.flapping(s, now)) return null
        s.lastNotifiedAt = now
        return 'firing'
      }
      if (s.state === 'firing' && !o.acknowledged && o.renotifySeconds > 0 && now - s.lastNotifiedAt >= o.renotifySeconds * 1000) {
        s.lastNotifiedAt = now
        return 'renotify'
      }
      return null
    }
    if (!s || s.state === 'resolved') return null
    if (s.state === 'pending') {
      this.all.delete(key)
      s.state = 'resolved'
      this.dirty.add(s)
      return null
    }
    if (now - s.lastTrueAt < o.keepFiringSeconds * 1000) return null
    s.state = 'resolved'
    s.since = now
    this.dirty.add(s)
    // A flapping alert whose firing was never notified resolves quietly.
    if (s.lastNotifiedAt < s.firedAt) return null
    return 'resolved'
  }

  /** Marks the alert notified now (a damped firing sent later). */
  touch(s: AlertState, now: number): void {
    s.lastNotifiedAt = now
    this.dirty.add(s)
  }

  /** Forgets resolved alerts and those of deleted rules (after they were persisted). */
  prune(liveRules: Set<string>): void {
    for (const [k, s] of this.all) {
      if (!liveRules.has(s.ruleId)) { s.state = 'resolved'; this.dirty.add(s); this.all.delete(k) }
      else if (s.state === 'resolved' && !this.dirty.has(s)) this.all.delete(k)
    }
  }

  /** Writes changed alerts to ClickHouse (one insert). */
  async persist(): Promise<void> {
    if (this.dirty.size === 0) return
    const rows = [...this.dirty]
    this.dirty.clear()
    const sec = (ms: number): string => (ms / 1000).toFixed(3)
    const body = rows.map((s) => [
      tsvString(s.ruleId), tsvString(s.groupKey), s.state, tsvMap(s.labels), String(s.value), sec(s.since), sec(s.firedAt),
      sec(s.lastNotifiedAt), tsvString(s.incidentId), `[${s.flaps.join(',')}]`, String(nextVersion()),
    ].join('\t')).join('\n') + '\n'
    try {
      await this.store.insertTsv(STATE_TABLE, ['rule_id', 'group_key', 'state', 'labels', 'value', 'since', 'fired_at', 'last_notified_at', 'incident_id', 'flaps', 'version'], Buffer.from(body))
    } catch (err) {
      for (const s of rows) this.dirty.add(s)
      throw err
    }
    for (const s of rows) {
      const key = stateKey(s.ruleId, s.groupKey)
      if (s.state === 'resolved' && this.all.get(key) === s) this.all.delete(key)
    }
  }
}
