import { randomUUID } from 'node:crypto'
import type { Store } from '../store/connection.ts'
import { INCIDENTS_TABLE, chMs, nextVersion, parseChTime } from './tables.ts'

/**
 * Incidents: every firing alert opens one (rule, group, first/last fired, acknowledged by/at,
 * resolved at, notes, links). MTTA and MTTR per service are computed from them in SQL.
 */
export interface Incident {
  id: string
  ruleId: string
  ruleName: string
  groupKey: string
  service: string
  severity: string
  labels: Record<string, string>
  summary: string
  openedAt: number
  lastFiredAt: number
  fireCount: number
  ackedBy: string
  ackedAt: number | null
  resolvedAt: number | null
  notes: string
  links: { search?: string; trace?: string; order?: string }
}

interface IncidentRow {
  id: string; rule_id: string; rule_name: string; group_key: string; service: string; severity: string
  labels: Record<string, string>; summary: string; opened_at: string; last_fired_at: string; fire_count: number
  acked_by: string; acked_at: string | null; resolved_at: string | null; notes: string; links: string
}

const COLUMNS = 'id, rule_id, rule_name, group_key, service, severity, labels, summary, opened_at, last_fired_at, fire_count, acked_by, acked_at, resolved_at, notes, links'

function fromRow(r: IncidentRow): Incident {
  return {
    id: r.id, ruleId: r.rule_id, ruleName: r.rule_name, groupKey: r.group_key, service: r.service, severity: r.severity,
    labels: r.labels, summary: r.summary, openedAt: parseChTime(r.opened_at) ?? 0, lastFiredAt: parseChTime(r.last_fired_at) ?? 0,
    fireCount: Number(r.fire_count), ackedBy: r.acked_by, ackedAt: parseChTime(r.acked_at), resolvedAt: parseChTime(r.resolved_at),
    notes: r.notes, links: JSON.parse(r.links || '{}') as Incident['links'],
  }
}

/** An incident as the API shows it (ISO times). */
export function incidentView(i: Incident): Record<string, unknown> {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
  return {
    ...i, openedAt: iso(i.openedAt), lastFiredAt: iso(i.lastFiredAt), ackedAt: iso(i.ackedAt), resolvedAt: iso(i.resolvedAt),
    status: i.resolvedAt !== null ? 'resolved' : i.ackedAt !== null ? 'acknowledged' : 'open',
  }
}

export class Incidents {
  /** Open (unresolved) incidents by id. */
  readonly open = new Map<string, Incident>()

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    const rows = await this.store.query<IncidentRow>(`SELECT ${COLUMNS} FROM ${INCIDENTS_TABLE} FINAL WHERE resolved_at IS NULL`)
    for (const r of rows) this.open.set(r.id, fromRow(r))
  }

  async save(i: Incident): Promise<void> {
    await this.store.command(
      `INSERT INTO ${INCIDENTS_TABLE} (${COLUMNS}, version) VALUES ({id:String}, {rule_id:String}, {rule_name:String}, {group_key:String},
       {service:String}, {severity:String}, {labels:Map(String, String)}, {summary:String}, {opened_at:DateTime64(3)}, {last_fired_at:DateTime64(3)},
       {fire_count:UInt32}, {acked_by:String}, {acked_at:Nullable(DateTime64(3))}, {resolved_at:Nullable(DateTime64(3))}, {notes:String}, {links:String}, {v:UInt64})`,
      {
        id: i.id, rule_id: i.ruleId, rule_name: i.ruleName, group_key: i.groupKey, service: i.service, severity: i.severity,
        labels: i.labels, summary: i.summary, opened_at: chMs(i.openedAt), last_fired_at: chMs(i.lastFiredAt), fire_count: i.fireCount,
        acked_by: i.ackedBy, acked_at: i.ackedAt === null ? null : chMs(i.ackedAt), resolved_at: i.resolvedAt === null ? null : chMs(i.resolvedAt),
        notes: i.notes, links: JSON.stringify(i.links), v: nextVersion(),
      })
    if (i.resolvedAt === null) this.open.set(i.id, i)
    else this.open.delete(i.id)
  }

  opened(fields: Omit<Incident, 'id' | 'fireCount' | 'ackedBy' | 'ackedAt' | 'resolvedAt' | 'notes'>): Incident {
    return { ...fields, id: randomUUID(), fireCount: 1, ackedBy: '', ackedAt: null, resolvedAt: null, notes: '' }
  }

  async get(id: string): Promise<Incident | undefined> {
    const open = this.open.get(id)
    if (open) return open
    const rows = await this.store.query<IncidentRow>(`SELECT ${COLUMNS} FROM ${INCIDENTS_TABLE} FINAL WHERE id = {id:String}`, { id })
    return rows[0] ? fromRow(rows[0]) : undefined
  }

  async list(opts: { fromMs: number; toMs: number; status?: string; service?: string; limit: number }): Promise<Incident[]> {
    const rows = await this.store.query<IncidentRow>(
      `SELECT ${COLUMNS} FROM ${INCIDENTS_TABLE} FINAL
       WHERE opened_at >= {from:DateTime64(3)} AND opened_at <= {to:DateTime64(3)}
         AND ({service:String} = '' OR service = {service:String})
         AND ({status:String} = '' OR ({status:String} = 'open' AND resolved_at IS NULL) OR ({status:String} = 'resolved' AND resolved_at IS NOT NULL))
       ORDER BY opened_at DESC LIMIT {limit:UInt32}`,
      { from: chMs(opts.fromMs), to: chMs(opts.toMs), service: opts.service ?? '', status: opts.status ?? '', limit: opts.limit })
    return rows.map(fromRow)
  }

  /** MTTA (open → acknowledged) and MTTR (open → resolved), seconds, per service over incidents opened in the range. */
  async stats(fromMs: number, toMs: number): Promise<{ service: string; incidents: number; open: number; mttaSeconds: number | null; mttrSeconds: number | null }[]> {
    const rows = await this.store.query<{ service: string; incidents: string; open: string; mtta: number | null; mttr: number | null }>(
      `SELECT service, count() AS incidents, countIf(resolved_at IS NULL) AS open,
         avgIf(dateDiff('millisecond', opened_at, acked_at), acked_at IS NOT NULL) / 1000 AS mtta,
         avgIf(dateDiff('millisecond', opened_at, resolved_at), resolved_at IS NOT NULL) / 1000 AS mttr
       FROM ${INCIDENTS_TABLE} FINAL
       WHERE opened_at >= {from:DateTime64(3)} AND opened_at <= {to:DateTime64(3)}
       GROUP BY service ORDER BY incidents DESC`,
      { from: chMs(fromMs), to: chMs(toMs) })
    const num = (v: number | null): number | null => (v === null || !Number.isFinite(Number(v)) ? null : Math.round(Number(v)))
    return rows.map((r) => ({ service: r.service, incidents: Number(r.incidents), open: Number(r.open), mttaSeconds: num(r.mtta), mttrSeconds: num(r.mttr) }))
  }
}
