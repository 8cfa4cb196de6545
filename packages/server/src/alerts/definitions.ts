import { randomUUID } from 'node:crypto'
import type { Store } from '../store/connection.ts'
import { CHANNELS_TABLE, RULES_TABLE, SILENCES_TABLE, chMs, nextVersion } from './tables.ts'
import type { Rule } from './rule.ts'
import type { ChannelConfig, ChannelKind } from './channels/index.ts'
import type { SecretBox } from './secrets.ts'
import type { Silence } from './silences.ts'

/**
 * Rules, channels and silences: kept in memory (read on every evaluation and notification),
 * written through to ClickHouse as versioned rows (latest wins; a delete is a tombstone row).
 */
export class Definitions {
  readonly rules = new Map<string, Rule>()
  readonly channels = new Map<string, ChannelConfig>()
  readonly silences = new Map<string, Silence>()

  constructor(private readonly store: Store, private readonly box: SecretBox) {}

  async load(): Promise<void> {
    for (const r of await this.rows(RULES_TABLE)) this.rules.set(r.id, { ...(JSON.parse(r.spec) as Rule), id: r.id })
    for (const r of await this.rows(SILENCES_TABLE)) this.silences.set(r.id, { ...(JSON.parse(r.spec) as Silence), id: r.id })
    const channels = await this.store.query<{ id: string; name: string; spec: string; secret: string }>(
      `SELECT id, name, spec, secret FROM ${CHANNELS_TABLE} FINAL WHERE deleted = 0`)
    for (const c of channels) {
      const spec = JSON.parse(c.spec) as { type: ChannelKind; isDefault: boolean; settings: Record<string, string> }
      this.channels.set(c.id, { id: c.id, name: c.name, type: spec.type, isDefault: spec.isDefault, settings: spec.settings, secrets: this.box.open(c.secret) })
    }
  }

  private rows(table: string): Promise<{ id: string; spec: string }[]> {
    return this.store.query(`SELECT id, spec FROM ${table} FINAL WHERE deleted = 0`)
  }

  private async write(table: string, id: string, name: string, spec: string, deleted: boolean, by: string): Promise<void> {
    await this.store.command(
      `INSERT INTO ${table} (id, name, spec, deleted, updated_by, updated_at, version)
       VALUES ({id:String}, {name:String}, {spec:String}, {deleted:UInt8}, {by:String}, {at:DateTime64(3)}, {v:UInt64})`,
      { id, name, spec, deleted: deleted ? 1 : 0, by, at: chMs(Date.now()), v: nextVersion() })
  }

  async putRule(rule: Omit<Rule, 'id' | 'updatedAt'> & { id?: string }, by: string): Promise<Rule> {
    const full: Rule = { ...rule, id: rule.id ?? randomUUID(), updatedAt: new Date().toISOString() }
    await this.write(RULES_TABLE, full.id, full.name, JSON.stringify(full), false, by)
    this.rules.set(full.id, full)
    return full
  }

  async deleteRule(id: string, by: string): Promise<boolean> {
    const r = this.rules.get(id)
    if (!r) return false
    await this.write(RULES_TABLE, id, r.name, '{}', true, by)
    this.rules.delete(id)
    return true
  }

  async putChannel(c: Omit<ChannelConfig, 'id'> & { id?: string }, by: string): Promise<ChannelConfig> {
    const full: ChannelConfig = { ...c, id: c.id ?? randomUUID() }
    const spec = JSON.stringify({ type: full.type, isDefault: full.isDefault, settings: full.settings })
    await this.store.command(
      `INSERT INTO ${CHANNELS_TABLE} (id, name, spec, secret, deleted, updated_by, updated_at, version)
       VALUES ({id:String}, {name:String}, {spec:String}, {secret:String}, 0, {by:String}, {at:DateTime64(3)}, {v:UInt64})`,
      { id: full.id, name: full.name, spec, secret: this.box.seal(full.secrets), by, at: chMs(Date.now()), v: nextVersion() })
    this.channels.set(full.id, full)
    return full
  }

  async deleteChannel(id: string, by: string): Promise<boolean> {
    const c = this.channels.get(id)
    if (!c) return false
    await this.store.command(
      `INSERT INTO ${CHANNELS_TABLE} (id, name, spec, secret, deleted, updated_by, updated_at, version)
       VALUES ({id:String}, {name:String}, '{}', '', 1, {by:String}, {at:DateTime64(3)}, {v:UInt64})`,
      { id, name: c.name, by, at: chMs(Date.now()), v: nextVersion() })
    this.channels.delete(id)
    return true
  }

  async putSilence(s: Omit<Silence, 'id'> & { id?: string }, by: string): Promise<Silence> {
    const full: Silence = { ...s, id: s.id ?? randomUUID() }
    await this.write(SILENCES_TABLE, full.id, full.comment.slice(0, 200), JSON.stringify(full), false, by)
    this.silences.set(full.id, full)
    return full
  }

  async deleteSilence(id: string, by: string): Promise<boolean> {
    const s = this.silences.get(id)
    if (!s) return false
    await this.write(SILENCES_TABLE, id, '', '{}', true, by)
    this.silences.delete(id)
    return true
  }

  /** Channels by name or id; unknown names are returned separately. */
  resolveChannels(refs: readonly string[]): { found: ChannelConfig[]; unknown: string[] } {
    const found: ChannelConfig[] = []
    const unknown: string[] = []
    for (const ref of refs) {
      const c = this.channels.get(ref) ?? [...this.channels.values()].find((x) => x.name === ref)
      if (c) found.push(c)
      else unknown.push(ref)
    }
    return { found, unknown }
  }

  /** Where a rule's notifications go: its channels, or the default channels when it names none. */
  channelsFor(rule: Rule): ChannelConfig[] {
    if (rule.channels.length === 0) return [...this.channels.values()].filter((c) => c.isDefault)
    return this.resolveChannels(rule.channels).found
  }
}
