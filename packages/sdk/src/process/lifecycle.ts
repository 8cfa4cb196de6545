/**
 * Process lifecycle: a crash gives a FATAL record that reaches Beacon before the process exits;
 * SIGTERM/SIGINT run the service's shutdown hooks, flush pending telemetry, then exit.
 *
 *   uncaughtException / unhandledRejection ─▶ FATAL record ─▶ flush (bounded wait) ─▶ exit(1)
 *   SIGTERM / SIGINT ─▶ onShutdown hooks (e.g. server.close) ─▶ flush ─▶ exit(0)
 */
import type { Logger } from 'pino'

export interface LifecycleOptions {
  logger: () => Logger
  flush: () => Promise<void>
  handleCrashes: boolean
  handleSignals: boolean
  /** Longest wait for hooks and flush before exiting anyway. */
  timeoutMs?: number
}

export interface Lifecycle {
  /** Registers work to do on SIGTERM/SIGINT before telemetry is flushed (e.g. closing servers). */
  onShutdown(hook: () => Promise<void> | void): void
  /** Runs the shutdown sequence now and exits with `code`. */
  exit(code: number): Promise<never>
  uninstall(): void
}

function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    t.unref?.()
    p.then(() => { clearTimeout(t); resolve() }, () => { clearTimeout(t); resolve() })
  })
}

export function installLifecycle(opts: LifecycleOptions): Lifecycle {
  const timeoutMs = opts.timeoutMs ?? 5000
  const hooks: (() => Promise<void> | void)[] = []
  let exiting = false

  const crash = (kind: 'uncaughtException' | 'unhandledRejection') => (reason: unknown): void => {
    if (exiting) return
    exiting = true
    const err = reason instanceof Error ? reason : new Error(`non-error ${kind}: ${String(reason)}`)
    try {
      opts.logger().fatal({ err, 'event.action': 'process.crash', 'event.category': 'process', 'event.outcome': 'failure', 'process.crash.kind': kind }, `${kind}: ${err.message}`)
    } catch {
      console.error(err)
    }
    void withTimeout(opts.flush(), timeoutMs).then(() => process.exit(1))
  }

  const signal = (sig: NodeJS.Signals) => (): void => {
    if (exiting) return
    exiting = true
    try {
      opts.logger().info({ 'event.action': 'process.stop', 'event.category': 'process', 'process.signal': sig }, `received ${sig}, shutting down`)
    } catch {
      // keep going
    }
    void runHooks().then(() => withTimeout(opts.flush(), timeoutMs)).then(() => process.exit(0))
  }

  async function runHooks(): Promise<void> {
    await withTimeout(Promise.allSettled(hooks.map(async (h) => h())), timeoutMs)
  }

  const onUncaught = crash('uncaughtException')
  const onRejection = crash('unhandledRejection')
  const onTerm = signal('SIGTERM')
  const onInt = signal('SIGINT')
  if (opts.handleCrashes) {
    process.on('uncaughtException', onUncaught)
    process.on('unhandledRejection', onRejection)
  }
  if (opts.handleSignals) {
    process.on('SIGTERM', onTerm)
    process.on('SIGINT', onInt)
  }

  return {
    onShutdown(hook) {
      hooks.push(hook)
    },
    async exit(code) {
      exiting = true
      await runHooks()
      await withTimeout(opts.flush(), timeoutMs)
      process.exit(code)
    },
    uninstall() {
      process.off('uncaughtException', onUncaught)
      process.off('unhandledRejection', onRejection)
      process.off('SIGTERM', onTerm)
      process.off('SIGINT', onInt)
    },
  }
}
