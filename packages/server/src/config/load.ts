import { readFileSync, existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { configSchema, type Config } from './schema.ts'
import { BeaconError } from '../errors.ts'
import { deepFreeze, unknownKeys } from './strict.ts'

/**
 * Every `BEACON_*` variable: config path, how to read it, and what it is for. This one list drives
 * `beacon --help` and is what the README's configuration table lists (a test checks both agree).
 * Add a feature's variables as a block at the END, with a comment naming the feature.
 */
export interface EnvVariable {
  path: string[]
  type: 'string' | 'int' | 'bool' | 'list'
  /** One line for --help and the README. */
  help?: string
}

export const ENV_OVERRIDES: Record<string, EnvVariable> = {
  BEACON_HOST: { path: ['host'], type: 'string', help: 'address every listener binds' },
  BEACON_DATA_DIR: { path: ['dataDir'], type: 'string', help: 'embedded store (clickhouse/) and write-ahead log (wal/)' },
  BEACON_API_PORT: { path: ['ports', 'api'], type: 'int', help: 'API and UI; 0 turns it off' },
  BEACON_OTLP_PORT: { path: ['ports', 'otlp'], type: 'int', help: 'OTLP/HTTP receiver; 0 turns it off' },
  BEACON_ES_PORT: { path: ['ports', 'elastic'], type: 'int', help: 'Elasticsearch bulk receiver; 0 turns it off' },
  BEACON_CLICKHOUSE_URL: { path: ['clickhouse', 'url'], type: 'string', help: 'a ClickHouse server instead of the embedded store (same schema, same SQL)' },
  BEACON_CLICKHOUSE_USER: { path: ['clickhouse', 'username'], type: 'string', help: 'ClickHouse server user' },
  BEACON_CLICKHOUSE_PASSWORD: { path: ['clickhouse', 'password'], type: 'string', help: 'ClickHouse server password' },
  BEACON_CLICKHOUSE_DATABASE: { path: ['clickhouse', 'database'], type: 'string', help: 'ClickHouse database' },
  BEACON_CLICKHOUSE_CLUSTER: { path: ['clickhouse', 'cluster'], type: 'string', help: 'with BEACON_CLICKHOUSE_URL: a cluster name; replicated tables, Distributed tables in front, DDL ON CLUSTER (docs/scale-out.md)' },
  BEACON_RETENTION_DAYS: { path: ['retention', 'days'], type: 'int', help: 'hot retention of logs and spans, days (default 30)' },
  BEACON_MAX_BODY_BYTES: { path: ['limits', 'maxBodyBytes'], type: 'int', help: 'largest request or message accepted on the wire, bytes' },
  BEACON_MAX_DECOMPRESSED_BYTES: { path: ['limits', 'maxDecompressedBytes'], type: 'int', help: 'largest body after decompression, bytes' },
  BEACON_MAX_PENDING_BYTES: { path: ['ingest', 'maxPendingBytes'], type: 'int', help: 'acknowledged bytes not yet stored before receivers push back' },
  BEACON_FSYNC: { path: ['ingest', 'fsync'], type: 'bool', help: 'fsync the write-ahead log before acknowledging' },
  BEACON_FLUSH_INTERVAL_MS: { path: ['ingest', 'flushIntervalMs'], type: 'int', help: 'longest wait before acknowledged records are inserted into the store, ms' },
  BEACON_LOG_LEVEL: { path: ['log', 'level'], type: 'string', help: 'Beacon\'s own log level' },
  BEACON_ORDER_ID_FIELDS: { path: ['businessKeys', 'orderId'], type: 'list', help: 'attributes that count as the order id (comma-separated)' },
  BEACON_USER_ID_FIELDS: { path: ['businessKeys', 'userId'], type: 'list', help: 'attributes that count as the user id (comma-separated)' },
  BEACON_AUTH: { path: ['security', 'auth'], type: 'bool', help: 'off disables authentication (refused unless the host is loopback)' },
  BEACON_ADMIN_PASSWORD: { path: ['security', 'adminPassword'], type: 'string', help: 'password of the admin user created at the first start' },
  BEACON_INGEST_KEY: { path: ['security', 'ingestKey'], type: 'string', help: 'an ingest key created at start (automation)' },
  BEACON_TLS_CERT: { path: ['security', 'tls', 'cert'], type: 'string', help: 'PEM certificate: TLS on every listener' },
  BEACON_TLS_KEY: { path: ['security', 'tls', 'key'], type: 'string', help: 'PEM private key for BEACON_TLS_CERT' },

  // Ingest receivers: OTLP/gRPC, syslog, Fluentd Forward (docs/ingest.md)
  BEACON_OTLP_GRPC_PORT: { path: ['ports', 'otlpGrpc'], type: 'int', help: 'OTLP/gRPC receiver; 0 turns it off' },
  BEACON_SYSLOG_PORT: { path: ['ports', 'syslog'], type: 'int', help: 'syslog receiver, UDP and TCP on the same number; 0 turns it off' },
  BEACON_SYSLOG_TLS_PORT: { path: ['ports', 'syslogTls'], type: 'int', help: 'syslog over TLS (needs BEACON_TLS_CERT/KEY); 0 turns it off' },
  BEACON_SYSLOG_ALLOW_NETWORKS: { path: ['receivers', 'syslog', 'allowNetworks'], type: 'list', help: 'networks syslog is accepted from without a client certificate (CIDRs)' },
  BEACON_SYSLOG_TLS_CA: { path: ['receivers', 'syslog', 'clientCa'], type: 'string', help: 'PEM CA: syslog TLS clients with a certificate it signed are accepted from anywhere' },
  BEACON_FORWARD_PORT: { path: ['ports', 'forward'], type: 'int', help: 'Fluentd Forward receiver (TCP, UDP heartbeat); 0 turns it off' },
  BEACON_FORWARD_SHARED_KEY: { path: ['receivers', 'forward', 'sharedKey'], type: 'string', help: 'Forward handshake shared key (HELO/PING/PONG)' },

  // Export (GET /api/export, beacon export): issue 7
  BEACON_EXPORT_MAX_RECORDS: { path: ['export', 'maxRecords'], type: 'int', help: 'most records one export (GET /api/export, beacon export) streams (default 100000)' },

  // Retention, size caps, disk guard and archive (docs/retention.md)
  BEACON_RETENTION_LOGS_DAYS: { path: ['retention', 'logsDays'], type: 'int', help: 'hot retention of logs, days (default BEACON_RETENTION_DAYS)' },
  BEACON_RETENTION_SPANS_DAYS: { path: ['retention', 'spansDays'], type: 'int', help: 'hot retention of spans, days (default BEACON_RETENTION_DAYS)' },
  BEACON_SERVICE_CAP_BYTES: { path: ['retention', 'capBytes'], type: 'int', help: 'cap on bytes on disk per service (default 100 GB; 0 = none)' },
  BEACON_RETENTION_CHECK_SECONDS: { path: ['retention', 'checkIntervalSeconds'], type: 'int', help: 'how often retention, caps and the archive run, seconds' },
  BEACON_RESTORE_DAYS: { path: ['retention', 'restoreDays'], type: 'int', help: 'days a day restored from the archive stays hot' },
  BEACON_DISK_MIN_FREE_BYTES: { path: ['retention', 'minFreeBytes'], type: 'int', help: 'ingest answers 503 while the data volume has less free space, bytes' },
  BEACON_ARCHIVE_URL: { path: ['archive', 'url'], type: 'string', help: 'archive: s3://bucket/prefix or file:///path (empty: off)' },
  BEACON_ARCHIVE_S3_ENDPOINT: { path: ['archive', 's3', 'endpoint'], type: 'string', help: 'S3-compatible endpoint URL (path-style addressing)' },
  BEACON_ARCHIVE_S3_ACCESS_KEY: { path: ['archive', 's3', 'accessKey'], type: 'string', help: 'S3 access key' },
  BEACON_ARCHIVE_S3_SECRET_KEY: { path: ['archive', 's3', 'secretKey'], type: 'string', help: 'S3 secret key (never logged)' },
  BEACON_ARCHIVE_S3_REGION: { path: ['archive', 's3', 'region'], type: 'string', help: 'S3 region' },
  BEACON_ARCHIVE_KEEP_DAYS: { path: ['archive', 'keepDays'], type: 'int', help: 'archived objects are deleted after this many days (default 365)' },
  // Web UI: the order desk (docs/ui.md)
  BEACON_STUCK_ORDER_MINUTES: { path: ['orders', 'stuckAfterMinutes'], type: 'int', help: 'minutes without a status change before an unfinished order counts as stuck' },
  // Alerting (docs/alerting.md)
  BEACON_PUBLIC_URL: { path: ['publicUrl'], type: 'string', help: 'public URL of the API listener, for links in notifications (default: its own address)' },
  BEACON_ALERTS: { path: ['alerts', 'enabled'], type: 'bool', help: 'alert rules, detectors and notifications (on by default)' },
  BEACON_ALERT_EVALUATION_SECONDS: { path: ['alerts', 'evaluationSeconds'], type: 'int', help: 'how often windowed alert rules are evaluated, seconds' },
  BEACON_ALERT_ALLOW_NETWORKS: { path: ['alerts', 'allowNetworks'], type: 'list', help: 'private/loopback networks alert channels may reach (CIDRs; others are refused)' },
  BEACON_ALERT_BODY_HASH_ATTRIBUTE: { path: ['alerts', 'bodyHashAttribute'], type: 'string', help: 'attribute holding a request-body hash, counted by the identical-requests detector (default http.request.body.hash)' },
  // Embedded store memory (issue 13: peak RSS; docs/ingest.md)
  BEACON_CHDB_ARGS: { path: ['clickhouse', 'embeddedArgs'], type: 'list', help: 'embedded store only: engine arguments at start, comma-separated --name=value (server settings such as --mark_cache_size=…; replace Beacon\'s defaults of the same name)' },
  // Process memory (issue 13: peak RSS).
  BEACON_HEAP_GROWING_PERCENT: { path: ['memory', 'heapGrowingPercent'], type: 'int', help: 'how far Node\'s heap grows past its live size before a full collection, % (V8\'s --heap-growing-percent; 0 leaves it to V8)' },
  BEACON_MALLOC_MMAP_THRESHOLD: { path: ['memory', 'mallocMmapThreshold'], type: 'int', help: 'environment only, read by the launcher (npm start, the beacon command): glibc\'s MALLOC_MMAP_THRESHOLD_ for the server, bytes (default 131072; 0 leaves glibc\'s dynamic threshold; a MALLOC_MMAP_THRESHOLD_ already set wins)' },
}

/** Every BEACON_* variable this build understands (for `--help` and docs). */
export const envVariables = Object.keys(ENV_OVERRIDES)

/** `--help` text: one line per variable with what it is for. */
export function envHelp(): string {
  const width = Math.max(...envVariables.map((n) => n.length))
  return Object.entries(ENV_OVERRIDES).map(([name, v]) => `  ${name.padEnd(width)}  ${v.help ?? ''}`).join('\n')
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv
  /** Config file; default `BEACON_CONFIG` or `./beacon.config.yaml` when it exists. */
  file?: string
  /** Highest-precedence overrides (tests, CLI flags). */
  overrides?: Record<string, unknown>
}

/**
 * Builds the configuration from defaults, file and environment; throws `config_invalid`
 * listing every problem (one per line) when anything is wrong, unknown keys included
 * (`retension:` → "did you mean retention?"). The result is deeply frozen.
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

  problems.push(...unknownKeys(configSchema, raw))
  const result = configSchema.safeParse(raw)
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  if (problems.length > 0) {
    throw new BeaconError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
  // Frozen: nothing changes the configuration after it was validated.
  return deepFreeze(result.data!)
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
