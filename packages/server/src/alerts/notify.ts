import type { Logger } from 'pino'
import type { Definitions } from './definitions.ts'
import type { Incidents, Incident } from './incidents.ts'
import type { AlertState, AlertStates } from './state.ts'
import type { DeliveryQueue, DeliveryRecord } from './delivery.ts'
import type { AlertItem, Notification } from './channels/index.ts'
import { describeCondition, type Rule } from './rule.ts'
import { findSilence } from './silences.ts'
import type { Sample } from './rollups.ts'

/**
 * Turns state transitions into notifications: one message per rule, status and channel, holding
 * every alert of that rule that changed in the same evaluation (no storm); opens, updates and
 * resolves incidents; skips silenced alerts (logged as `silenced`); redacts the text.
 */

export interface TransitionItem {
  state: AlertState
  kind: 'firing' | 'resolved' | 'renotify'
  sample?: Sample
  expected?: AlertItem['expected']
}

export interface NotifierOptions {
  publicUrl: string
  redactText?: (text: string) => string
  log: Logger
  record: (d: DeliveryRecord) => void
}

/** `service:"shop-api"` for a group label, so the search link shows exactly the group's records. */
function term(field: string, value: string): string {
  return `${field}:"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export class Notifier {
  constructor(
    private readonly defs: Definitions,
    private readonly incidents: Incidents,
    private readonly states: AlertStates,
    private readonly delivery: DeliveryQueue,
    private readonly opts: NotifierOptions,
  ) {}

  /** A search link into the UI. */
  searchUrl(q: string, fromMs: number, toMs: number, target: 'logs' | 'spans' = 'logs'): string {
    const params = new URLSearchParams({ q, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() })
    if (target === 'spans') params.set('target', 'spans')
    return `${this.opts.publicUrl.replace(/\/+$/, '')}/search?${params.toString()}`
  }

  links(rule: Rule, labels: Record<string, string>, fromMs: number, toMs: number, sample?: Sample): AlertItem['links'] {
    const base = this.opts.publicUrl.replace(/\/+$/, '')
    const parts = [rule.query.trim() ? `(${rule.query.trim()})` : '', ...Object.entries(labels).filter(([k]) => rule.groupBy.includes(k)).map(([k, v]) => term(k, v))].filter(Boolean)
    const links: AlertItem['links'] = { search: this.searchUrl(parts.join(' AND '), fromMs, toMs, rule.target) }
    if (sample?.traceId) links.trace = `${base}/traces/${encodeURIComponent(sample.traceId)}`
    if (sample?.orderId) links.order = `${base}/orders/${encodeURIComponent(sample.orderId)}`
    return links
  }

  /** Labels a silence is matched against: the rule, severity and the group's labels. */
  silenceLabels(rule: Rule, labels: Record<string, string>): Record<string, string> {
    return { rule: rule.name, ruleId: rule.id, severity: rule.severity, ...labels }
  }

  dispatch(rule: Rule, items: TransitionItem[], now: number): void {
    const firing: { item: AlertItem; incident: Incident }[] = []
    const resolved: { item: AlertItem; incident: Incident }[] = []
    for (const t of items) {
      const s = t.state
      const incident = this.trackIncident(rule, t, now)
      const redact = this.opts.redactText ?? ((x: string) => x)
      const sample = t.sample ? { ...t.sample, message: redact(t.sample.message) } : undefined
      const fromMs = Math.min(s.since, now - rule.windowSeconds * 1000) - 60_000
      const item: AlertItem = {
        labels: s.labels, value: s.value, startsAt: new Date(s.firedAt || s.since).toISOString(),
        ...(t.kind === 'resolved' ? { endsAt: new Date(now).toISOString() } : {}),
        ...(t.expected ? { expected: t.expected } : {}),
        ...(sample ? { sample: { time: new Date(sample.timeMs).toISOString(), service: sample.service, message: sample.message, traceId: sample.traceId || undefined, orderId: sample.orderId || undefined } } : {}),
        links: this.links(rule, s.labels, fromMs, now + 60_000, sample),
      }
      if (t.kind !== 'resolved' && !incident.links.search) incident.links = item.links
      const silence = findSilence(this.defs.silences.values(), this.silenceLabels(rule, s.labels), now)
      if (silence) {
        this.opts.record({ at: now, incidentId: incident.id, ruleId: rule.id, channelId: '', channelName: '', status: 'silenced', attempt: 0, httpStatus: 0, error: `silence ${silence.id}`, alerts: 1 })
        continue
      }
      if (t.kind === 'renotify' && incident.ackedAt !== null) continue
      ;(t.kind === 'resolved' ? resolved : firing).push({ item, incident })
    }
    const channels = this.defs.channelsFor(rule)
    for (const [status, list] of [['firing', firing], ['resolved', resolved]] as const) {
      if (list.length === 0) continue
      const n: Notification = {
        status,
        rule: { id: rule.id, name: rule.name, severity: rule.severity, condition: describeCondition(rule) },
        alerts: list.map((x) => x.item),
        incidentIds: list.map((x) => x.incident.id),
        sentAt: new Date(now).toISOString(),
      }
      if (channels.length === 0) this.opts.log.warn({ rule: rule.name }, 'alert has no channel to go to (no rule channels and no default channel)')
      for (const c of channels) void this.delivery.enqueue(n, c)
    }
  }

  private trackIncident(rule: Rule, t: TransitionItem, now: number): Incident {
    const s = t.state
    let incident = s.incidentId ? this.incidents.open.get(s.incidentId) : undefined
    if (t.kind === 'firing' || !incident) {
      incident = this.incidents.opened({
        ruleId: rule.id, ruleName: rule.name, groupKey: s.groupKey, service: s.labels.service ?? t.sample?.service ?? '',
        severity: rule.severity, labels: s.labels, summary: describeCondition(rule), openedAt: s.firedAt || now, lastFiredAt: now, links: {},
      })
      s.incidentId = incident.id
      this.incidents.open.set(incident.id, incident)
    } else if (t.kind === 'renotify') {
      incident.lastFiredAt = now
      incident.fireCount++
    }
    if (t.kind === 'resolved') incident.resolvedAt = now
    const saving = incident
    this.incidents.save(saving).catch((err: Error) => this.opts.log.warn({ err: { message: err.message } }, 'cannot record an incident'))
    return incident
  }

  /** Marks an alert's incident acknowledged (no more re-notifications). */
  async acknowledge(incidentId: string, by: string, note: string): Promise<Incident | undefined> {
    const incident = await this.incidents.get(incidentId)
    if (!incident) return undefined
    if (incident.ackedAt === null) { incident.ackedAt = Date.now(); incident.ackedBy = by }
    if (note) incident.notes = incident.notes ? `${incident.notes}\n${note}` : note
    await this.incidents.save(incident)
    return incident
  }

  acknowledged(s: AlertState): boolean {
    return s.incidentId !== '' && (this.incidents.open.get(s.incidentId)?.ackedAt ?? null) !== null
  }

  /** Persisted alert states (for the API). */
  get alertStates(): AlertStates {
    return this.states
  }
}
