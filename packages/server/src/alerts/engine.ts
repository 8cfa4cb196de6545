import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/connection.ts'
import type { LiveFeed } from '../pipeline/live.ts'
import type { Batch } from '../pipeline/record.ts'
import { tsvMap, tsvString } from '../store/tsv.ts'
import { TRACES_TABLE } from '../store/schema.ts'
import { Definitions } from './definitions.ts'
import { Incidents } from './incidents.ts'
import { AlertStates } from './state.ts'
import { DeliveryQueue, type DeliveryRecord } from './delivery.ts'
import { Notifier, type TransitionItem } from './notify.ts'
import { buildRuntime, type RuleRuntime } from './runtime.ts'
import { matchBatch, SharedMatchers } from './matcher.ts'
import { evaluateRule, type Observation, type RuleStatus } from './evaluate.ts'
import { backfillLastSeen, backfillRollups, loadSeenValues, seasonalPoints } from './backfill.ts'
import { ROLLUP_COLUMNS, INTERVAL_SECONDS } from './rollups.ts'
import { networkPolicy } from './channels/index.ts'
import type { SecretBox } from './secrets.ts'
import { crosses, type Rule } from './rule.ts'
import { DELIVERIES_TABLE, PENDING_PUBLISHES_TABLE, ROLLUPS_TABLE, SEEN_TABLE, chMs, nextVersion, parseChTime } from './tables.ts'

/**
 *   LiveFeed ──batch──▶ onBatch: per record, rt.onRecord per rule of the target (each distinct query
 *                        evaluated once per record, shared by the rules that use it; matches
 *                        update rollups or queue hits) ──▶ setImmediate(flushHits)   ← ingest path ends here
 *   flushHits: instant / new-value hits ──▶ states.observe ──▶ notifier.dispatch ──▶ delivery lanes
 *   tick (every evaluationSeconds): evaluateRule per windowed rule ──▶ observe ──▶ dispatch;
 *        event alerts resolve after their window; states, rollups, seen values, delivery log persisted
 */

const EVENT_KINDS = new Set(['instant', 'new_value', 'lost_messages'])

export interface EngineOptions {
  store: Store
  config: Config
  log: Logger
  live: LiveFeed
  box: SecretBox
  publicUrl: () => string
  redactText?: (text: string) => string
  /** Stored bytes per service against its size cap (the retention enforcer's last run), for storage_cap rules. */
  capUsage?: () => readonly CapUsage[]
}

export interface CapUsage { service: string; bytes: number; capBytes: number; percent: number }

export class AlertEngine {
  readonly defs: Definitions
  readonly states: AlertStates
  readonly incidents: Incidents
  readonly delivery: DeliveryQueue
  readonly notifier: Notifier
  readonly runtimes = new Map<string, RuleRuntime>()
  readonly status = new Map<string, RuleStatus>()
  private byTarget: { logs: RuleRuntime[]; spans: RuleRuntime[] } = { logs: [], spans: [] }
  private readonly shared: SharedMatchers
  private deliveries: DeliveryRecord[] = []
  private flushScheduled = false
  private timer: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined
  private ticking: Promise<void> | undefined
  /** Evaluation cost, for the bench and /api/alerts/status. */
  readonly stats = { ticks: 0, tickMs: 0, lastTickMs: 0, hits: 0, matchMs: 0, matchedBatches: 0 }

  get store(): Store {
    return this.o.store
  }

  constructor(private readonly o: EngineOptions) {
    this.shared = new SharedMatchers(o.config.businessKeys)
    this.defs = new Definitions(o.store, o.box)
    this.states = new AlertStates(o.store)
    this.incidents = new Incidents(o.store)
    const record = (d: DeliveryRecord): void => { this.deliveries.push(d) }
    this.delivery = new DeliveryQueue({ policy: networkPolicy(o.config.alerts.allowNetworks), log: o.log, record })
    this.notifier = new Notifier(this.defs, this.incidents, this.states, this.delivery, {
      get publicUrl() { return o.publicUrl() }, redactText: o.redactText, log: o.log, record,
    })
  }

  /** Loads definitions and state, prepares every rule; call `start()` to begin matching. */
  async load(): Promise<void> {
    await this.defs.load()
    await this.states.load()
    await this.incidents.load()
  }

  async start(): Promise<void> {
    for (const rule of this.defs.rules.values()) await this.prepare(rule)
    this.unsubscribe = this.o.live.subscribe((b) => this.onBatch(b))
    const every = this.o.config.alerts.evaluationSeconds * 1000
    this.timer = setInterval(() => { void this.tick() }, every)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    if (this.timer) clearInterval(this.timer)
    await this.ticking
    await this.persist().catch(() => {})
    this.delivery.stop()
  }

  /** (Re)builds a rule's runtime: rollups from the rollup table, else backfilled from the store. */
  async prepare(rule: Rule): Promise<void> {
    this.drop(rule.id)
    if (!rule.enabled) return
    const rt = buildRuntime(rule, this.o.config.businessKeys, this.shared)
    try {
      if (rt.rollups) {
        const span = rule.kind === 'anomaly' ? 2 * rule.windowSeconds : rule.windowSeconds
        const fromSec = Math.floor(Date.now() / 1000) - span - INTERVAL_SECONDS
        const loaded = await rt.rollups.load(this.o.store, fromSec)
        if (loaded === 0) await backfillRollups(this.o.store, rt, span)
        if (rule.kind === 'anomaly') rt.seasonal = { at: Date.now(), byGroup: await seasonalPoints(this.o.store, rule) }
      }
      if (rt.lastSeen) await backfillLastSeen(this.o.store, rt)
      if (rt.seen) await loadSeenValues(this.o.store, rt)
      if (rt.published) await this.loadPendingPublishes(rt)
    } catch (err) {
      rt.ready = true
      this.o.log.warn({ rule: rule.name, err: { message: (err as Error).message } }, 'alert rule: backfill from the store failed; starting from live data only')
    }
    this.runtimes.set(rule.id, rt)
    if (rule.kind !== 'storage_cap') this.byTarget[rule.target].push(rt)
    this.status.set(rule.id, {})
  }

  /**
   * Lost-message rules: publishes still waiting for a consumer when Beacon stopped. Consumers whose
   * spans were stored meanwhile settle theirs; the others get at least a minute from now (an SDK's
   * retried export may still bring the consumer span) before they count as lost.
   */
  private async loadPendingPublishes(rt: RuleRuntime): Promise<void> {
    const rows = await this.o.store.query<{ trace_id: string; published_at: string; labels: Record<string, string>; sample: string }>(
      `SELECT trace_id, published_at, labels, sample FROM ${PENDING_PUBLISHES_TABLE} FINAL WHERE rule_id = {id:String} AND deleted = 0`, { id: rt.rule.id })
    if (rows.length === 0) return
    const consumed = new Set((await this.o.store.query<{ t: string }>(
      `SELECT DISTINCT TraceId AS t FROM ${TRACES_TABLE} WHERE TraceId IN {ids:Array(String)} AND SpanKind = 'Consumer'`, { ids: rows.map((r) => r.trace_id) })).map((r) => r.t))
    const now = Date.now()
    const limit = rt.rule.windowSeconds * 1000
    for (const r of rows) {
      rt.persistedPending!.add(r.trace_id)
      if (consumed.has(r.trace_id)) { rt.pendingDone!.push(r.trace_id); continue }
      const ms = Math.max(parseChTime(r.published_at) ?? now, now - limit + 60_000)
      let sample: RuleRuntime['hits'][number]['sample']
      try { sample = JSON.parse(r.sample) } catch { sample = { timeMs: ms, service: '', message: '', traceId: r.trace_id, orderId: '' } }
      rt.published!.set(r.trace_id, { ms, labels: r.labels, sample })
    }
  }

  drop(ruleId: string): void {
    if (!this.runtimes.delete(ruleId)) return
    this.byTarget = {
      logs: this.byTarget.logs.filter((r) => r.rule.id !== ruleId),
      spans: this.byTarget.spans.filter((r) => r.rule.id !== ruleId),
    }
    this.shared.retain(this.runtimes.values())
  }

  /** On the ingest path: each distinct query once per record, then the matching rules' updates; nothing else. */
  private onBatch(batch: Readonly<Batch>): void {
    const started = performance.now()
    const { logs, spans } = this.byTarget
    const nowSec = Math.floor(Date.now() / 1000)
    if (logs.length && batch.logs.length) matchBatch(logs, batch.logs, nowSec, this.shared)
    if (spans.length && batch.spans.length) matchBatch(spans, batch.spans, nowSec, this.shared)
    this.stats.matchMs += performance.now() - started
    this.stats.matchedBatches++
    if (!this.flushScheduled) {
      for (const rt of this.runtimes.values()) {
        if (rt.hits.length) { this.flushScheduled = true; setImmediate(() => this.flushHits()); break }
      }
    }
  }

  /** Off the ingest path: event hits (instant, new value, lost message) → states → notifications. */
  flushHits(): void {
    this.flushScheduled = false
    const now = Date.now()
    for (const rt of this.runtimes.values()) {
      if (rt.hits.length === 0) continue
      const hits = rt.hits
      rt.hits = []
      this.stats.hits += hits.length
      const items: TransitionItem[] = []
      for (const h of hits) {
        const prev = this.states.get(rt.rule.id, h.groupKey)
        const count = prev && prev.state !== 'resolved' ? prev.value + 1 : 1
        const t = this.states.observe(rt.rule.id, h.groupKey, h.labels, true, count, now, this.observeOptions(rt.rule, h.groupKey))
        if (t) items.push({ state: this.states.get(rt.rule.id, h.groupKey)!, kind: t === 'resolved' ? 'resolved' : t, sample: h.sample })
      }
      if (items.length) this.notifier.dispatch(rt.rule, items, now)
    }
  }

  private observeOptions(rule: Rule, groupKey: string): { forSeconds: number; renotifySeconds: number; keepFiringSeconds: number; acknowledged: boolean } {
    const s = this.states.get(rule.id, groupKey)
    const event = EVENT_KINDS.has(rule.kind)
    return {
      forSeconds: event ? 0 : rule.for,
      renotifySeconds: rule.renotifySeconds,
      // Events resolve after a quiet window, an absence as soon as records come back; other windowed
      // rules after two quiet evaluations (damping against values wobbling around the threshold).
      keepFiringSeconds: event || rule.kind === 'absence' ? 0 : 2 * this.o.config.alerts.evaluationSeconds - 1,
      acknowledged: s ? this.notifier.acknowledged(s) : false,
    }
  }

  /** One evaluation of every windowed rule, then persistence. Runs at most once at a time. */
  tick(now = Date.now()): Promise<void> {
    if (this.ticking) return this.ticking
    this.ticking = this.evaluate(now).finally(() => { this.ticking = undefined })
    return this.ticking
  }

  private async evaluate(now: number): Promise<void> {
    const started = performance.now()
    for (const rt of this.runtimes.values()) {
      const rule = rt.rule
      const items: TransitionItem[] = []
      try {
        if (rule.kind === 'anomaly' && rt.seasonal && now - rt.seasonal.at > 3_600_000) {
          rt.seasonal.at = now
          seasonalPoints(this.o.store, rule).then((m) => { if (rt.seasonal) rt.seasonal.byGroup = m }).catch(() => {})
        }
        const status = this.status.get(rule.id) ?? {}
        const observations = rule.kind === 'storage_cap' ? this.capObservations(rule) : evaluateRule(rt, this.states, now, status)
        for (const ob of observations) {
          const t = this.states.observe(rule.id, ob.groupKey, ob.labels, ob.active, ob.value, now, this.observeOptions(rule, ob.groupKey))
          if (t) items.push({ state: this.states.get(rule.id, ob.groupKey) ?? this.resolvedState(rule.id, ob.groupKey), kind: t, sample: ob.sample, expected: ob.expected })
        }
        if (EVENT_KINDS.has(rule.kind)) {
          for (const s of this.states.ofRule(rule.id)) {
            if (now - s.lastTrueAt < rule.windowSeconds * 1000) continue
            const t = this.states.observe(rule.id, s.groupKey, s.labels, false, s.value, now, this.observeOptions(rule, s.groupKey))
            if (t) items.push({ state: s, kind: t })
          }
        }
      } catch (err) {
        this.o.log.warn({ rule: rule.name, err: { message: (err as Error).message } }, 'alert rule evaluation failed')
      }
      if (items.length) this.notifier.dispatch(rule, items, now)
    }
    this.flushHits()
    const ms = performance.now() - started
    this.stats.ticks++
    this.stats.tickMs += ms
    this.stats.lastTickMs = ms
    await this.persist().catch((err: Error) => this.o.log.warn({ err: { message: err.message } }, 'cannot persist alert state; will retry'))
    this.states.prune(new Set(this.runtimes.keys()))
  }

  /** storage_cap: one observation per service with a cap (and per alert still open). */
  private capObservations(rule: Rule): Observation[] {
    const out: Observation[] = []
    const seen = new Set<string>()
    const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`
    for (const u of this.o.capUsage?.() ?? []) {
      if (u.capBytes <= 0) continue
      seen.add(u.service)
      const message = `${u.service} stores ${mb(u.bytes)} of its ${mb(u.capBytes)} size cap (${u.percent} %); above 100 % its oldest days are archived and dropped`
      out.push({ groupKey: u.service, labels: { service: u.service }, active: crosses(rule, u.percent), value: u.percent,
        sample: { timeMs: Date.now(), service: u.service, message, traceId: '', orderId: '' } })
    }
    for (const s of this.states.ofRule(rule.id)) if (!seen.has(s.groupKey)) out.push({ groupKey: s.groupKey, labels: s.labels, active: false, value: 0 })
    return out
  }

  /** Lost-message rules: new pending publishes, and tombstones for settled ones already written. */
  private async persistPendingPublishes(): Promise<void> {
    const rows: string[] = []
    for (const rt of this.runtimes.values()) {
      if (!rt.published || !rt.pendingNew || !rt.pendingDone || !rt.persistedPending) continue
      const [fresh, done] = [rt.pendingNew, rt.pendingDone]
      rt.pendingNew = []
      rt.pendingDone = []
      const id = tsvString(rt.rule.id)
      for (const t of done) {
        if (!rt.persistedPending.delete(t)) continue
        rows.push([id, tsvString(t), chMs(Date.now()), '{}', tsvString(''), 1, nextVersion()].join('\t'))
      }
      for (const t of fresh) {
        const p = rt.published.get(t)
        if (!p || rt.persistedPending.has(t)) continue
        rt.persistedPending.add(t)
        rows.push([id, tsvString(t), chMs(p.ms), tsvMap(p.labels), tsvString(JSON.stringify(p.sample)), 0, nextVersion()].join('\t'))
      }
    }
    if (rows.length) await this.o.store.insertTsv(PENDING_PUBLISHES_TABLE, ['rule_id', 'trace_id', 'published_at', 'labels', 'sample', 'deleted', 'version'], Buffer.from(rows.join('\n') + '\n'))
  }

  private resolvedState(ruleId: string, groupKey: string): NonNullable<ReturnType<AlertStates['get']>> {
    return { ruleId, groupKey, labels: {}, state: 'resolved', value: 0, since: Date.now(), firedAt: 0, lastNotifiedAt: 0, incidentId: '', flaps: [], lastTrueAt: 0 }
  }

  /** Writes alert states, closed rollup intervals, new seen values and the delivery log. */
  async persist(): Promise<void> {
    const store = this.o.store
    await this.states.persist()
    const closedBefore = Math.floor(Date.now() / 1000) - 2
    const rollupRows: string[] = []
    const seenRows: string[] = []
    const nowSec = Math.floor(Date.now() / 1000)
    for (const rt of this.runtimes.values()) {
      if (rt.rollups) rollupRows.push(...rt.rollups.closedRows(closedBefore))
      if (rt.fresh?.length) {
        for (const v of rt.fresh) seenRows.push(`${tsvString(rt.rule.id)}\t${tsvString(v)}\t${nowSec}`)
        rt.fresh = []
      }
    }
    if (rollupRows.length) await store.insertTsv(ROLLUPS_TABLE, ROLLUP_COLUMNS, Buffer.from(rollupRows.join('\n') + '\n'))
    await this.persistPendingPublishes()
    if (seenRows.length) await store.insertTsv(SEEN_TABLE, ['rule_id', 'value', 'last_seen'], Buffer.from(seenRows.join('\n') + '\n'))
    if (this.deliveries.length) {
      const rows = this.deliveries
      this.deliveries = []
      const body = rows.map((d) => [(d.at / 1000).toFixed(3), tsvString(d.incidentId), tsvString(d.ruleId), tsvString(d.channelId), tsvString(d.channelName),
        d.status, d.attempt, d.httpStatus, tsvString(d.error.slice(0, 500)), d.alerts].join('\t')).join('\n') + '\n'
      await store.insertTsv(DELIVERIES_TABLE, ['at', 'incident_id', 'rule_id', 'channel_id', 'channel_name', 'status', 'attempt', 'http_status', 'error', 'alerts'], Buffer.from(body))
    }
  }
}
