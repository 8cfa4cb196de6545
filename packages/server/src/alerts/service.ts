import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/connection.ts'
import type { LiveFeed } from '../pipeline/live.ts'
import type { KeyRing } from '../security/crypto.ts'
import { AlertEngine, type EngineOptions } from './engine.ts'
import { createSecretBox } from './secrets.ts'
import { builtinDetectors, PREVIOUS_DEFAULTS } from './detectors.ts'
import { ruleInputSchema, type Rule, type RuleSpec } from './rule.ts'
import { channelInputSchema, channelParts } from './config.ts'

/**
 *   startAlerts(store, live)
 *     load rules, channels, silences, alert states (firing alerts are not re-sent), open incidents
 *     alerts as code: channels and rules from beacon.config.yaml (ids `config:<name>`), built-in detectors
 *     prepare each rule (rollups from the rollup table, else a backfill from the store) → subscribe to the live feed
 */
export interface AlertServiceOptions {
  store: Store
  config: Config
  log: Logger
  live: LiveFeed
  keyRing?: KeyRing
  redactText?: (text: string) => string
  /** The API's public URL, known once the listener is open. */
  publicUrl: () => string
  /** Stored bytes per service against its size cap (retention), for the storage_cap detector. */
  capUsage?: EngineOptions['capUsage']
}

export async function startAlerts(o: AlertServiceOptions): Promise<AlertEngine> {
  const box = createSecretBox(o.keyRing, o.config.dataDir)
  const engine = new AlertEngine({ store: o.store, config: o.config, log: o.log, live: o.live, box, publicUrl: o.publicUrl, redactText: o.redactText, capUsage: o.capUsage })
  await engine.load()
  await applyAlertsAsCode(engine, o.config)
  await engine.start()
  return engine
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Brings config-declared channels, rules and detectors into the store (changed ones only). */
export async function applyAlertsAsCode(engine: AlertEngine, config: Config): Promise<void> {
  const defs = engine.defs
  const a = config.alerts
  const by = 'config'
  const wantedChannels = new Set<string>()
  for (const input of a.channels) {
    const c = channelInputSchema.parse(input)
    const { settings, secrets } = channelParts(c)
    const id = `config:${c.name}`
    wantedChannels.add(id)
    const next = { id, name: c.name, type: c.type, isDefault: c.default, settings, secrets }
    if (!same(defs.channels.get(id), next)) await defs.putChannel(next, by)
  }
  for (const c of [...defs.channels.values()]) if (c.id.startsWith('config:') && !wantedChannels.has(c.id)) await defs.deleteChannel(c.id, by)

  const wantedRules = new Set<string>()
  for (const input of a.rules) {
    const spec = ruleInputSchema.parse(input)
    const id = `config:${spec.name}`
    wantedRules.add(id)
    const current = defs.rules.get(id)
    if (!current || !same(specOf(current), spec)) await defs.putRule({ ...spec, id, builtin: '', source: 'config' }, by)
  }
  for (const r of [...defs.rules.values()]) if (r.source === 'config' && !wantedRules.has(r.id)) await defs.deleteRule(r.id, by)

  for (const [name, input] of Object.entries(builtinDetectors(a.bodyHashAttribute, config.retention.capWarnPercent))) {
    const override = a.detectors[name]
    const id = `builtin:${name}`
    const current = defs.rules.get(id)
    if (override === false) {
      if (current?.enabled) await defs.putRule({ ...current, enabled: false }, by)
      continue
    }
    const base = ruleInputSchema.parse(input)
    const defaultSpec = JSON.stringify(base)
    if (!current) {
      const spec = ruleInputSchema.parse({ ...base, ...(override ?? {}) })
      await defs.putRule({ ...spec, id, builtin: name, source: 'builtin', defaultSpec }, 'system')
      continue
    }
    // A detector nobody edited follows the shipped default (new thresholds, another body-hash
    // attribute); an edited one keeps its edits, with the config's override on top.
    const pristine = [current.defaultSpec, ...(PREVIOUS_DEFAULTS[name] ?? []).map((d) => JSON.stringify(ruleInputSchema.parse(d)))]
      .filter((d): d is string => d !== undefined)
      .some((d) => same({ ...specOf(current), enabled: true }, ruleInputSchema.parse({ ...JSON.parse(d), ...(override ?? {}), enabled: true })))
    const spec = ruleInputSchema.parse({ ...(pristine ? base : specOf(current)), enabled: current.enabled, ...(override ?? {}) })
    if (!same(specOf(current), spec) || (pristine && current.defaultSpec !== defaultSpec)) {
      await defs.putRule({ ...current, ...spec, ...(pristine ? { defaultSpec } : {}) }, pristine ? 'system' : by)
    }
  }
}

/** The spec part of a stored rule (without identity). */
export function specOf(r: Rule): RuleSpec {
  const { id: _id, builtin: _b, source: _s, updatedAt: _u, defaultSpec: _d, ...spec } = r
  return spec
}
