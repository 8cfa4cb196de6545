import type { Store } from '../store/connection.ts'
import type { RetentionConfig, Signal } from './config.ts'
import { POLICY_TABLE } from './tables.ts'

/** An override set through the admin API; '' as the service = every service. */
export interface PolicyOverride { service: string; logsDays: number | null; spansDays: number | null; capBytes: number | null; updatedBy: string; updatedAt: string }

/**
 * The effective retention of a service and signal. Precedence, most specific first:
 *   API override for the service → configuration `retention.services.<name>` →
 *   API override for every service ('') → configuration `logsDays`/`spansDays`/`capBytes` → `days`.
 */
export class RetentionPolicy {
  private overrides = new Map<string, PolicyOverride>()

  constructor(private readonly config: RetentionConfig, private readonly store: Store) {}

  async load(): Promise<void> {
    const rows = await this.store.query<{ Service: string; LogsDays: number | null; SpansDays: number | null; CapBytes: string | null; UpdatedBy: string; at: string }>(
      `SELECT Service, LogsDays, SpansDays, CapBytes, UpdatedBy, toString(UpdatedAt, 'UTC') AS at FROM ${POLICY_TABLE} FINAL`)
    this.overrides = new Map(rows.map((r) => [r.Service, {
      service: r.Service, logsDays: r.LogsDays, spansDays: r.SpansDays, capBytes: r.CapBytes === null ? null : Number(r.CapBytes),
      updatedBy: r.UpdatedBy, updatedAt: `${r.at.replace(' ', 'T')}Z`,
    }]))
  }

  list(): PolicyOverride[] {
    return [...this.overrides.values()].sort((a, b) => a.service.localeCompare(b.service))
  }

  daysFor(signal: Signal, service: string): number {
    const field = signal === 'logs' ? 'logsDays' : 'spansDays'
    return this.overrides.get(service)?.[field] ?? this.config.services[service]?.[field]
      ?? this.overrides.get('')?.[field] ?? this.config[field] ?? this.config.days
  }

  /** Cap on bytes on disk for a service (0 = none). */
  capFor(service: string): number {
    return this.overrides.get(service)?.capBytes ?? this.config.services[service]?.capBytes
      ?? this.overrides.get('')?.capBytes ?? this.config.capBytes
  }

  /** The longest hot retention any service has (backfill accepts records this old at most for unknown services). */
  maxDays(): number {
    const all = [this.config.days, this.config.logsDays ?? 0, this.config.spansDays ?? 0]
    for (const o of [...Object.values(this.config.services), ...this.overrides.values()]) all.push(o.logsDays ?? 0, o.spansDays ?? 0)
    return Math.max(...all)
  }

  /**
   * The shortest hot retention any service has for a signal: records older than this may have left
   * hot storage for some service (the UI then offers to search the archive).
   */
  minDays(signal: Signal): number {
    const field = signal === 'logs' ? 'logsDays' : 'spansDays'
    const services = new Set([...Object.keys(this.config.services), ...this.overrides.keys()].filter((s) => s !== ''))
    return Math.min(this.daysFor(signal, ''), ...[...services].map((s) => this.daysFor(signal, s)), ...[...this.overrides.values()].map((o) => o[field] ?? Infinity))
  }

  /** Sets (or with all three null, clears to the configuration) a service's override. */
  async set(o: Omit<PolicyOverride, 'updatedAt'>): Promise<void> {
    await this.store.command(`INSERT INTO ${POLICY_TABLE} (Service, LogsDays, SpansDays, CapBytes, UpdatedBy)
SETTINGS insert_deduplicate = 0, insert_deduplication_token = ''
VALUES ({s:String}, {l:Nullable(UInt32)}, {p:Nullable(UInt32)}, {c:Nullable(UInt64)}, {by:String})`, { s: o.service, l: o.logsDays, p: o.spansDays, c: o.capBytes, by: o.updatedBy })
    await this.load()
  }
}
