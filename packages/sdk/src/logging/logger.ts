/**
 * `createLogger()`: a pino logger whose every line carries the service, the level, and the trace
 * and span ids of the active span; lines are redacted at source (serialized errors included),
 * printed to stdout as JSON, and handed — as the very JSON text pino wrote — to the SDK's log
 * shipper, which sends them to Beacon as they are, in batches (HTTP off the log call; see shipper.ts).
 */
import { context } from '@opentelemetry/api'
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'
import { redact, redactString } from '../redact/redact.ts'
import { currentBusinessKeys } from '../telemetry/business-keys.ts'
import { LeanSpan, spanOf } from '../telemetry/tracer.ts'
import { runtime } from '../runtime.ts'
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
  /** Extra pino options (serializers, custom levels…). `hooks`/`mixin`/`base`/`messageKey` are the SDK's. */
  pino?: Omit<LoggerOptions, 'hooks' | 'mixin' | 'base' | 'level' | 'messageKey'>
}

const FATAL = 60
const INFO = 30
const { lsCacheSym, timeSym, chindingsSym, streamSym, endSym } = pino.symbols

/** Writes one INFO record: what `logger.info(fields, msg)` writes, without pino's per-call work. */
export type InfoWriter = (fields: Record<string, unknown>, msg: string) => void
const INFO_WRITER = Symbol('beacon.info-writer')

/** Adds trace context and business keys to the line (the exported record takes them from there). */
function mixin(): Record<string, unknown> {
  const ctx = context.active()
  const span = spanOf(ctx)
  if (span === undefined) return {} // a new object: pino's merge strategy writes into it
  const sc = span.spanContext()
  const out: Record<string, unknown> = { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: sc.traceFlags }
  const keys = currentBusinessKeys(ctx)
  if (keys.orderId !== undefined) out['order.id'] = keys.orderId
  if (keys.userId !== undefined) out['user.id'] = keys.userId
  return out
}

/**
 * The direct writer of a logger `createLogger` made with pino's default output options, if `logger` is
 * that logger itself (a child has other bindings and inherits the property: not its own).
 */
export function infoWriterOf(logger: Logger): InfoWriter | undefined {
  return Object.hasOwn(logger, INFO_WRITER) ? (logger as unknown as { [INFO_WRITER]: InfoWriter })[INFO_WRITER] : undefined
}

/**
 * The same line as `logger.info(fields, msg)` through the SDK's hook (redaction), mixin (trace
 * context, business keys: pino's merge, `Object.assign(mixin(), fields)`) and pino's `_asJson`: level,
 * time, bindings, then the fields in order (undefined left out, non-finite numbers as null), `msg` last;
 * the fields and message as one `JSON.stringify` (a flat string, where pino concatenates dozens of
 * pieces per line). Only for scalar field values under keys other than `msg` (the request record).
 */
function infoWriter(logger: Logger): InfoWriter {
  const l = logger as unknown as Record<symbol, unknown>
  return (fields, msg) => {
    if (logger.levelVal > INFO) return
    let redacted = fields
    let text = msg
    try {
      redacted = redact(fields)
      text = redactString(msg)
    } catch {
      // as the hook: the record goes out as it is rather than not at all
    }
    const prefix = (l[lsCacheSym] as Record<number, string>)[INFO] + (l[timeSym] as () => string)() + (l[chindingsSym] as string)
    const stream = l[streamSym] as DestinationStream
    const ctx = context.active()
    const span = spanOf(ctx)
    const keys = span === undefined ? undefined : currentBusinessKeys(ctx)
    // The lean tracer's spans have hex ids (its own, or a parent's that passed isSpanContextValid): nothing to escape.
    if (keys === undefined || (span instanceof LeanSpan && keys.orderId === undefined && keys.userId === undefined && !Object.hasOwn(redacted, 'trace_id') && !Object.hasOwn(redacted, 'span_id') && !Object.hasOwn(redacted, 'trace_flags'))) {
      // The usual case: no key of the fields is the mixin's, so the merge is the mixin's text, then the fields.
      const sc = span === undefined ? undefined : span.spanContext()
      const trace = sc === undefined ? '' : `,"trace_id":"${sc.traceId}","span_id":"${sc.spanId}","trace_flags":${sc.traceFlags}`
      const body = JSON.stringify(redacted)
      stream.write(`${prefix}${trace}${body.length > 2 ? `,${body.slice(1, -1)}` : ''},"msg":${JSON.stringify(text)}${l[endSym] as string}`)
      return
    }
    const merged = Object.assign(mixin(), redacted)
    merged.msg = text
    const body = JSON.stringify(merged)
    stream.write(`${prefix},${body.slice(1, -1)}${l[endSym] as string}`)
  }
}

/** An error serializer whose output is redacted (Error objects are left alone by `redact()` at the log call). */
function redacting(serialize: (value: any) => unknown): (value: any) => unknown {
  return (value) => {
    const out = serialize(value)
    try { return redact(out) } catch { return out }
  }
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
  const printer = opts.destination ?? (stdout ? pino.destination({ dest: 1, sync: true }) : undefined)
  // One write per line: print it, and hand the same text to the shipper (no second serialization).
  const destination: DestinationStream & { flush?: () => void } = {
    write(line: string) {
      if (printer !== undefined) printer.write(line)
      const sink = rt.logSink
      if (sink !== undefined) {
        try { sink.push(line) } catch { /* never throw into the service */ }
      }
    },
    flush() { (printer as { flushSync?: () => void } | undefined)?.flushSync?.() },
  }

  const logger = pino({
    ...opts.pino,
    level: opts.level ?? rt.config.logLevel,
    base: { service, ...opts.bindings },
    // Errors under `error` too (pino's default only serializes `err`), so the record keeps the stack.
    // Their output is redacted like the rest of the line: message, stack and any property of the error.
    serializers: {
      ...opts.pino?.serializers,
      err: redacting(opts.pino?.serializers?.err ?? pino.stdSerializers.err),
      error: redacting(opts.pino?.serializers?.error ?? pino.stdSerializers.err),
    },
    formatters: { ...opts.pino?.formatters, level: (label) => ({ level: label }) },
    mixin,
    hooks: {
      logMethod(args: unknown[], method, level) {
        try {
          // Redact once, before the line is written (copy-on-write: usually no allocation).
          const first = args[0]
          if (first instanceof Error) {
            // `log.error(err)`: pino takes the message as `msg`, unredacted; give it the redacted one.
            if (typeof args[1] !== 'string') {
              const msg = redactString(first.message)
              if (msg !== first.message) args.splice(1, 0, msg)
            }
          } else if (first !== null && typeof first === 'object') args[0] = redact(first)
          for (let i = typeof first === 'string' ? 0 : 1; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactString(args[i] as string)
        } catch {
          // The SDK never throws into the service.
        }
        method.apply(this, args as Parameters<typeof method>)
        // A FATAL record must reach people within seconds: ship it now rather than at the next batch.
        if (level >= FATAL) {
          try { runtime().onFatal() } catch { /* never throw */ }
        }
      },
    },
  }, destination)
  // Only with pino's default output: serializers, formatters, a custom time or message key would change the line.
  if (opts.pino === undefined) (logger as unknown as { [INFO_WRITER]: InfoWriter })[INFO_WRITER] = infoWriter(logger)
  return logger
}
