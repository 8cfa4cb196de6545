/**
 * `createLogger()`: a pino logger whose every line carries the service, the level, and the trace
 * and span ids of the active span; lines are redacted at source, printed to stdout as JSON, and
 * exported to Beacon through the OpenTelemetry logs API.
 */
import { context, trace } from '@opentelemetry/api'
import { logs, type Logger as OtelLogger } from '@opentelemetry/api-logs'
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'
import { redact, redactString } from '../redact/redact.ts'
import { currentBusinessKeys } from '../telemetry/business-keys.ts'
import { runtime } from '../runtime.ts'
import { toLogRecord } from './otel-bridge.ts'
import type { LogLevel } from '../config.ts'

export type { Logger } from 'pino'

export interface CreateLoggerOptions {
  /** Service name printed on every line; defaults to the one given to `init()`. */
  service?: string
  /** Minimum level; defaults to the one given to `init()` (info). */
  level?: LogLevel
  /** Print lines to stdout (default: the `init()` setting, true). */
  stdout?: boolean
  /** Where printed lines go instead of stdout (tests, files). */
  destination?: DestinationStream
  /** Bindings added to every line (e.g. `{ component: 'billing' }`). */
  bindings?: Record<string, unknown>
  /** Extra pino options (serializers, custom levels…). `hooks`/`mixin`/`base` are the SDK's. */
  pino?: Omit<LoggerOptions, 'hooks' | 'mixin' | 'base' | 'level'>
}

const FATAL = 60
const SCOPE = '@beacon/sdk'

const discard: DestinationStream = { write() {} }

/** Adds trace context and business keys to the printed line (the exported record gets them from context). */
function mixin(): Record<string, unknown> {
  const span = trace.getSpan(context.active())
  if (span === undefined) return {}
  const sc = span.spanContext()
  const out: Record<string, unknown> = { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: sc.traceFlags }
  const keys = currentBusinessKeys()
  if (keys.orderId !== undefined) out['order.id'] = keys.orderId
  if (keys.userId !== undefined) out['user.id'] = keys.userId
  return out
}

/**
 * Creates the service's logger.
 * @example
 * const log = createLogger({ service: 'shop-api' })
 * log.info({ 'order.id': id, total }, 'order placed')
 * log.child({ component: 'payments' }).warn('card declined')
 */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const rt = runtime()
  const service = opts.service ?? rt.config.service
  const stdout = opts.stdout ?? rt.config.stdout
  const destination = opts.destination ?? (stdout ? pino.destination({ dest: 1, sync: true }) : discard)
  let otel: OtelLogger | undefined
  const messageKey = opts.pino?.messageKey ?? 'msg'

  const logger = pino({
    ...opts.pino,
    level: opts.level ?? rt.config.logLevel,
    base: { service, ...opts.bindings },
    formatters: { ...opts.pino?.formatters, level: (label) => ({ level: label }) },
    mixin,
    hooks: {
      logMethod(args: unknown[], method, level) {
        try {
          // Redact once, before either sink sees the line (copy-on-write: usually no allocation).
          const first = args[0]
          if (first !== null && typeof first === 'object' && !(first instanceof Error)) args[0] = redact(first)
          for (let i = typeof first === 'string' ? 0 : 1; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactString(args[i] as string)
          otel ??= logs.getLogger(SCOPE)
          otel.emit(toLogRecord(this, args, level, messageKey))
          if (level >= FATAL) runtime().onFatal()
        } catch {
          // The SDK never throws into the service: a record that cannot be exported is still printed.
        }
        return method.apply(this, args as Parameters<typeof method>)
      },
    },
  }, destination)
  return logger
}
