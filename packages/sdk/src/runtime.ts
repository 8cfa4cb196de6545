/**
 * Process-wide SDK state shared by its modules: the configuration `init()` resolved, the
 * telemetry counters, and the hook that flushes at once when a FATAL record is written.
 * Before `init()` the logger still works (stdout only).
 */
import { resolveConfig, type ResolvedConfig } from './config.ts'
import { SignalCounter } from './telemetry/bounded.ts'

export interface Runtime {
  config: ResolvedConfig
  initialized: boolean
  spans: SignalCounter
  logs: SignalCounter
  /** Called (synchronously, must not throw or block) after a FATAL record is emitted. */
  onFatal: () => void
  /** Where the logger's JSON lines go for export (set by `init()`; none: stdout only). */
  logSink?: LogSink
}

/** Receives every line the SDK's loggers write (already serialized by pino, one JSON object + newline). */
export interface LogSink {
  push(line: string): void
}

let current: Runtime | undefined

export function runtime(): Runtime {
  if (current === undefined) {
    const { config } = resolveConfig()
    current = { config, initialized: false, spans: new SignalCounter(config.maxQueueSize), logs: new SignalCounter(config.maxQueueSize), onFatal: () => {} }
  }
  return current
}

/** Replaces the state in place, so modules that captured `runtime()` earlier see the new one. */
export function setRuntime(r: Runtime): void {
  if (current === undefined) current = r
  else Object.assign(current, r)
}
