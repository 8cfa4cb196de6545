/**
 * SDK configuration: options passed to `init()` win over `BEACON_*` variables, which win over
 * the standard `OTEL_*` ones, which win over defaults. Read once, at init; validated once, with
 * every problem listed. The SDK never throws into the host: a bad value is reported on stderr and
 * replaced by its default.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'

export interface BeaconOptions {
  /** Service name (resource `service.name`). Env: BEACON_SERVICE, OTEL_SERVICE_NAME. */
  service?: string
  /** Service version. Env: BEACON_SERVICE_VERSION. */
  version?: string
  /** Deployment environment (`deployment.environment.name`). Env: BEACON_ENVIRONMENT, NODE_ENV. */
  environment?: string
  /** Beacon's OTLP/HTTP base URL. Env: BEACON_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint?: string
  /** Ingest key, sent as `Authorization: Bearer <key>`. Env: BEACON_API_KEY. */
  apiKey?: string
  /** Minimum log level. Env: BEACON_LOG_LEVEL, LOG_LEVEL. */
  logLevel?: LogLevel
  /** Also print every log line to stdout as JSON. Env: BEACON_STDOUT. */
  stdout?: boolean
  /** Queries slower than this are logged at WARN. Env: BEACON_SLOW_QUERY_MS. */
  slowQueryMs?: number
  /** Most spans and most log records held while Beacon is unreachable; beyond, dropped and counted. Env: BEACON_MAX_QUEUE. */
  maxQueueSize?: number
  /** How often batches are sent, ms. Env: BEACON_EXPORT_INTERVAL_MS. */
  exportIntervalMs?: number
  /** Per-export timeout, ms. Env: BEACON_EXPORT_TIMEOUT_MS. */
  exportTimeoutMs?: number
  /** FATAL record + flush + exit(1) on uncaught exceptions and unhandled rejections. Env: BEACON_HANDLE_CRASHES. */
  handleCrashes?: boolean
  /** Flush and exit on SIGTERM/SIGINT. Env: BEACON_HANDLE_SIGNALS. */
  handleSignals?: boolean
  /** Share of traces recorded, 0–1 (a child follows its parent's decision). Env: BEACON_TRACE_SAMPLE_RATIO, OTEL_TRACES_SAMPLER_ARG. */
  traceSampleRatio?: number
  /** Turns export off (logs still go to stdout). Env: BEACON_DISABLED, OTEL_SDK_DISABLED. */
  disabled?: boolean
  /** Extra resource attributes. */
  resourceAttributes?: Record<string, string>
}

export interface ResolvedConfig {
  service: string
  version: string
  environment: string
  endpoint: string
  apiKey: string | undefined
  logLevel: LogLevel
  stdout: boolean
  slowQueryMs: number
  maxQueueSize: number
  exportIntervalMs: number
  exportTimeoutMs: number
  handleCrashes: boolean
  handleSignals: boolean
  traceSampleRatio: number
  disabled: boolean
  resourceAttributes: Record<string, string>
}

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

type Env = Record<string, string | undefined>

function firstEnv(env: Env, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n]
    if (v !== undefined && v !== '') return v
  }
  return undefined
}

/** Resolves options + environment into a complete configuration and the list of problems found. */
export function resolveConfig(opts: BeaconOptions = {}, env: Env = process.env): { config: ResolvedConfig; problems: string[] } {
  const problems: string[] = []
  const bool = (name: string, v: boolean | undefined, envNames: string[], dflt: boolean): boolean => {
    if (v !== undefined) return v
    const raw = firstEnv(env, ...envNames)
    if (raw === undefined) return dflt
    if (/^(1|true|yes|on)$/i.test(raw)) return true
    if (/^(0|false|no|off)$/i.test(raw)) return false
    problems.push(`${envNames[0]}=${raw} is not a boolean (true/false); using ${dflt}`)
    return dflt
  }
  const int = (name: string, v: number | undefined, envNames: string[], dflt: number, min: number): number => {
    const raw = v ?? firstEnv(env, ...envNames)
    if (raw === undefined) return dflt
    const n = typeof raw === 'number' ? raw : Number(raw)
    if (!Number.isFinite(n) || n < min) {
      problems.push(`${name} must be a number ≥ ${min} (got ${String(raw)}); using ${dflt}`)
      return dflt
    }
    return Math.floor(n)
  }

  const ratio = (raw: number | string | undefined): number => {
    if (raw === undefined) return 1
    const n = Number(raw)
    if (Number.isFinite(n) && n >= 0 && n <= 1) return n
    problems.push(`traceSampleRatio must be between 0 and 1 (got ${String(raw)}); using 1`)
    return 1
  }

  const service = opts.service ?? firstEnv(env, 'BEACON_SERVICE', 'OTEL_SERVICE_NAME') ?? 'unknown_service:node'
  let endpoint = (opts.endpoint ?? firstEnv(env, 'BEACON_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://127.0.0.1:4318').replace(/\/+$/, '')
  try {
    const u = new URL(endpoint)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol')
  } catch {
    problems.push(`endpoint must be an http(s) URL (got ${endpoint}); using http://127.0.0.1:4318`)
    endpoint = 'http://127.0.0.1:4318'
  }
  let logLevel = (opts.logLevel ?? firstEnv(env, 'BEACON_LOG_LEVEL', 'LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel
  if (!LEVELS.includes(logLevel)) {
    problems.push(`logLevel must be one of ${LEVELS.join(', ')} (got ${logLevel}); using info`)
    logLevel = 'info'
  }

  const config: ResolvedConfig = {
    service,
    version: opts.version ?? firstEnv(env, 'BEACON_SERVICE_VERSION') ?? '0.0.0',
    environment: opts.environment ?? firstEnv(env, 'BEACON_ENVIRONMENT', 'NODE_ENV') ?? 'development',
    endpoint,
    apiKey: opts.apiKey ?? firstEnv(env, 'BEACON_API_KEY'),
    logLevel,
    stdout: bool('stdout', opts.stdout, ['BEACON_STDOUT'], true),
    slowQueryMs: int('slowQueryMs', opts.slowQueryMs, ['BEACON_SLOW_QUERY_MS'], 200, 0),
    maxQueueSize: int('maxQueueSize', opts.maxQueueSize, ['BEACON_MAX_QUEUE'], 10_000, 1),
    exportIntervalMs: int('exportIntervalMs', opts.exportIntervalMs, ['BEACON_EXPORT_INTERVAL_MS'], 1000, 10),
    exportTimeoutMs: int('exportTimeoutMs', opts.exportTimeoutMs, ['BEACON_EXPORT_TIMEOUT_MS'], 10_000, 100),
    handleCrashes: bool('handleCrashes', opts.handleCrashes, ['BEACON_HANDLE_CRASHES'], true),
    handleSignals: bool('handleSignals', opts.handleSignals, ['BEACON_HANDLE_SIGNALS'], true),
    traceSampleRatio: ratio(opts.traceSampleRatio ?? firstEnv(env, 'BEACON_TRACE_SAMPLE_RATIO', 'OTEL_TRACES_SAMPLER_ARG')),
    disabled: bool('disabled', opts.disabled, ['BEACON_DISABLED', 'OTEL_SDK_DISABLED'], false),
    resourceAttributes: { ...opts.resourceAttributes },
  }
  return { config, problems }
}
