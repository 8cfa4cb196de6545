import { readFileSync, existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { configSchema, type Config } from './schema.ts'
import { BeaconError } from '../errors.ts'

/** `BEACON_*` variable → config path and how to read it. */
const ENV_OVERRIDES: Record<string, { path: string[]; type: 'string' | 'int' | 'bool' | 'list' }> = {
  BEACON_HOST: { path: ['host'], type: 'string' },
  BEACON_DATA_DIR: { path: ['dataDir'], type: 'string' },
  BEACON_API_PORT: { path: ['ports', 'api'], type: 'int' },
  BEACON_OTLP_PORT: { path: ['ports', 'otlp'], type: 'int' },
  BEACON_ES_PORT: { path: ['ports', 'elastic'], type: 'int' },
  BEACON_CLICKHOUSE_URL: { path: ['clickhouse', 'url'], type: 'string' },
  BEACON_CLICKHOUSE_USER: { path: ['clickhouse', 'username'], type: 'string' },
  BEACON_CLICKHOUSE_PASSWORD: { path: ['clickhouse', 'password'], type: 'string' },
  BEACON_CLICKHOUSE_DATABASE: { path: ['clickhouse', 'database'], type: 'string' },
  BEACON_RETENTION_DAYS: { path: ['retention', 'days'], type: 'int' },
  BEACON_MAX_BODY_BYTES: { path: ['limits', 'maxBodyBytes'], type: 'int' },
  BEACON_MAX_DECOMPRESSED_BYTES: { path: ['limits', 'maxDecompressedBytes'], type: 'int' },
  BEACON_MAX_PENDING_BYTES: { path: ['ingest', 'maxPendingBytes'], type: 'int' },
  BEACON_FSYNC: { path: ['ingest', 'fsync'], type: 'bool' },
  BEACON_FLUSH_INTERVAL_MS: { path: ['ingest', 'flushIntervalMs'], type: 'int' },
  BEACON_LOG_LEVEL: { path: ['log', 'level'], type: 'string' },
  BEACON_ORDER_ID_FIELDS: { path: ['businessKeys', 'orderId'], type: 'list' },
  BEACON_USER_ID_FIELDS: { path: ['businessKeys', 'userId'], type: 'list' },
  BEACON_AUTH: { path: ['security', 'auth'], type: 'bool' },
  BEACON_ADMIN_PASSWORD: { path: ['security', 'adminPassword'], type: 'string' },
  BEACON_INGEST_KEY: { path: ['security', 'ingestKey'], type: 'string' },
  BEACON_TLS_CERT: { path: ['security', 'tls', 'cert'], type: 'string' },
  BEACON_TLS_KEY: { path: ['security', 'tls', 'key'], type: 'string' },
  // alerting (packages/server/src/alerts)
  BEACON_PUBLIC_URL: { path: ['publicUrl'], type: 'string' },
  BEACON_ALERTS: { path: ['alerts', 'enabled'], type: 'bool' },
  BEACON_ALERT_EVALUATION_SECONDS: { path: ['alerts', 'evaluationSeconds'], type: 'int' },
  BEACON_ALERT_ALLOW_NETWORKS: { path: ['alerts', 'allowNetworks'], type: 'list' },
}

/** Every BEACON_* variable this build understands (for `--help` and docs). */
export const envVariables = Object.keys(ENV_OVERRIDES)

export interface LoadOptions {
  env?: NodeJS.ProcessEnv
  /** Config file; default `BEACON_CONFIG` or `./beacon.config.yaml` when it exists. */
  file?: string
  /** Highest-precedence overrides (tests, CLI flags). */
  overrides?: Record<string, unknown>
}

/**
 * Builds the configuration from defaults, file and environment; throws `config_invalid`
 * listing every problem (one per line) when anything is wrong.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env
  const problems: string[] = []
  let raw: Record<string, unknown> = {}

  const file = opts.file ?? env.BEACON_CONFIG ?? (existsSync('beacon.config.yaml') ? 'beacon.config.yaml' : undefined)
  if (file) {
    try {
      const parsed = parseYaml(readFileSync(resolve(file), 'utf8'))
      if (parsed != null && (typeof parsed !== 'object' || Array.isArray(parsed))) problems.push(`${file}: must be a mapping of settings`)
      else raw = (parsed ?? {}) as Record<string, unknown>
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`)
    }
  }

  for (const [name, spec] of Object.entries(ENV_OVERRIDES)) {
    const text = env[name]
    if (text === undefined || text === '') continue
    let value: unknown = text
    if (spec.type === 'int') {
      value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN
      if (Number.isNaN(value)) { problems.push(`${name}=${JSON.stringify(text)}: expected a whole number`); continue }
    } else if (spec.type === 'bool') {
      if (!/^(1|0|true|false|on|off|yes|no)$/i.test(text)) { problems.push(`${name}=${JSON.stringify(text)}: expected true or false`); continue }
      value = /^(1|true|on|yes)$/i.test(text)
    } else if (spec.type === 'list') {
      value = text.split(',').map((s) => s.trim()).filter(Boolean)
    }
    setPath(raw, spec.path, value)
  }
  for (const [k, v] of Object.entries(opts.overrides ?? {})) setPath(raw, k.split('.'), v)

  const result = configSchema.safeParse(raw)
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  if (problems.length > 0) {
    throw new BeaconError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
  return result.data!
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return
    const next = node[key]
    if (next == null || typeof next !== 'object') node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[path[path.length - 1]] = value
}
