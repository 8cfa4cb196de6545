/**
 * `init()`: OpenTelemetry tracing exported over OTLP/HTTP and logs as pino lines to Beacon, with the official
 * instrumentations (HTTP, fetch/undici, Express, pg, amqplib; Fastify routes via the request-logging plugin), the SDK's logger and
 * business events, crash and signal handling.
 *
 *   spans (the SDK's lean tracer: order.id/user.id from baggage as they start)
 *         ─▶ end: QueryMonitor (slow/failed SQL → logs) ─▶ one JSON line per span ─▶ LogShipper (bounded buffer, batches) ─▶ export worker thread
 *         ─▶ the lines as they are (NDJSON)  {endpoint}/v1/span-lines
 *            (OTLP/HTTP JSON to {endpoint}/v1/traces if that answers 404: a collector, an older Beacon)
 *   logs  ─▶ pino JSON line ─▶ LogShipper (bounded buffer, batches) ─▶ export worker thread
 *         ─▶ the lines as they are (NDJSON)  {endpoint}/v1/pino-lines
 *            (OTLP/HTTP JSON to {endpoint}/v1/logs if that answers 404: a collector, an older Beacon)
 *
 * Instrumentations patch modules as they are loaded: call `init()` before importing the
 * libraries it instruments (preload it with `node --import @beacon/sdk/register`, or `init()`
 * then `await import('./app.ts')`).
 */
import { hostname } from 'node:os'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express'
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { Logger } from 'pino'
import { resolveConfig, type BeaconOptions, type ResolvedConfig } from './config.ts'
import { createLogger } from './logging/logger.ts'
import { createEvents, type BusinessEvents } from './events/events.ts'
import { runtime, setRuntime } from './runtime.ts'
import { BoundedSpanProcessor, CountingSpanExporter, SignalCounter, type SignalStats } from './telemetry/bounded.ts'
import { LOG_BATCH_CHARS, LOG_BATCH_LINES, LogShipper, workerSender, type BatchSend, type Senders } from './logging/shipper.ts'
import type { Attributes } from './logging/records.ts'
import { instrumentHttpServers } from './telemetry/http-server.ts'
import { ShippingSpanProcessor } from './telemetry/span-export.ts'
import { LeanTracerProvider } from './telemetry/tracer.ts'
import { QueryMonitor } from './db/query-monitor.ts'
import { LeanPgInstrumentation } from './db/pg-instrumentation.ts'
import { installLifecycle, type Lifecycle } from './process/lifecycle.ts'

export interface InitOptions extends BeaconOptions {
  /** Replaces the OTLP span exporter (tests, other backends). */
  spanExporter?: SpanExporter
  /**
   * Replaces the log export (tests, other backends): receives each batch as NDJSON (the pino
   * lines) and resolves true when it was delivered.
   */
  logSend?: BatchSend
}

/** The handle `init()` returns. */
export interface Beacon {
  readonly config: ResolvedConfig
  /** The service's logger (see `createLogger`). */
  readonly logger: Logger
  /** Business events written through that logger. */
  readonly events: BusinessEvents
  /** Sends everything pending now; resolves when done or after `timeoutMs`. Never rejects. */
  flush(timeoutMs?: number): Promise<void>
  /** Flushes, then stops exporting and instrumenting. Never rejects. */
  shutdown(): Promise<void>
  /** Exported / failed / dropped / pending counts per signal. */
  stats(): { spans: SignalStats; logs: SignalStats }
  /** Work to run on SIGTERM/SIGINT before telemetry is flushed and the process exits. */
  onShutdown(hook: () => Promise<void> | void): void
}

let current: Beacon | undefined

function settle(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    t.unref?.()
    p.then(() => { clearTimeout(t); resolve() }, () => { clearTimeout(t); resolve() })
  })
}

/**
 * Starts the SDK (once per process; later calls return the same handle). Never throws: a bad
 * setting is reported on stderr and replaced by its default.
 * @example
 * import { init } from '@beacon/sdk'
 * const beacon = init({ service: 'shop-api', endpoint: 'http://beacon:4318', apiKey: process.env.BEACON_API_KEY })
 * const { start } = await import('./server.ts')   // instrumented libraries load after init
 * beacon.logger.info('started')
 */
export function init(opts: InitOptions = {}): Beacon {
  if (current !== undefined) return current
  const { config, problems } = resolveConfig(opts)
  for (const p of problems) process.stderr.write(`[beacon] configuration: ${p}\n`)

  const spans = new SignalCounter(config.maxQueueSize)
  const logCounter = new SignalCounter(config.maxQueueSize)
  setRuntime({ config, initialized: true, spans, logs: logCounter, onFatal: () => {} })

  let tracerProvider: LeanTracerProvider | undefined
  let shipper: LogShipper | undefined
  let senders: Senders<Promise<void>> | undefined
  let unregister: (() => void) | undefined
  const loggerRef: { current?: Logger } = {}

  if (!config.disabled) {
    try {
      const resourceAttributes: Attributes = {
        'service.name': config.service,
        'service.version': config.version,
        'deployment.environment.name': config.environment,
        'service.instance.id': `${hostname()}-${process.pid}`,
        'host.name': hostname(),
        'process.pid': process.pid,
        'process.runtime.name': 'nodejs',
        'process.runtime.version': process.versions.node,
        ...config.resourceAttributes,
      }
      const resource = resourceFromAttributes(resourceAttributes)
      const headers: Record<string, string> = config.apiKey ? { Authorization: `Bearer ${config.apiKey}` } : {}
      const batch = { maxQueueSize: config.maxQueueSize, maxExportBatchSize: 512, scheduledDelayMillis: config.exportIntervalMs, exportTimeoutMillis: config.exportTimeoutMs }

      // Spans and log lines both leave through the export worker (one thread, one HTTP agent);
      // it starts only if something uses it.
      const workerConfig = { url: `${config.endpoint}/v1/logs`, linesUrl: `${config.endpoint}/v1/pino-lines`, tracesUrl: `${config.endpoint}/v1/traces`, spanLinesUrl: `${config.endpoint}/v1/span-lines`, headers, resource: resourceAttributes, scope: { name: '@beacon/sdk' }, timeoutMs: config.exportTimeoutMs }
      const needsWorker = opts.spanExporter === undefined || opts.logSend === undefined
      senders = needsWorker ? workerSender(workerConfig) : undefined

      // A custom exporter (tests, other backends) goes through the standard batch processor; Beacon's
      // own export writes each span as a line on this thread; the worker posts the lines as they are.
      const spanProcessor: SpanProcessor = opts.spanExporter !== undefined
        ? new BoundedSpanProcessor(new BatchSpanProcessor(new CountingSpanExporter(opts.spanExporter, spans), batch), spans)
        : new ShippingSpanProcessor(new LogShipper({
          counter: spans, intervalMs: config.exportIntervalMs, send: senders!.sendSpans, sendBytes: senders!.sendSpanBytes,
          maxBatchLines: LOG_BATCH_LINES, maxBatchChars: LOG_BATCH_CHARS,
        }))
      // The SDK's own tracer (telemetry/tracer.ts): business keys set as a span starts; when it ends, one
      // call does what span processors did (slow/failed query records, then the export).
      const queryMonitor = new QueryMonitor({ logger: () => loggerRef.current, slowQueryMs: config.slowQueryMs })
      tracerProvider = new LeanTracerProvider({
        resource,
        sampleRatio: config.traceSampleRatio,
        onEnd: (span) => { queryMonitor.onEnd(span); spanProcessor.onEnd(span) },
        forceFlush: () => spanProcessor.forceFlush(),
        shutdown: () => spanProcessor.shutdown(),
      })
      tracerProvider.register()

      shipper = new LogShipper({
        counter: logCounter, intervalMs: config.exportIntervalMs, send: opts.logSend ?? senders!.send,
        sendBytes: opts.logSend === undefined ? senders!.sendBytes : undefined,
        maxBatchLines: LOG_BATCH_LINES, maxBatchChars: LOG_BATCH_CHARS,
      })
      runtime().logSink = shipper

      // One server span per request, the SDK's own (telemetry/http-server.ts): the Fastify plugin /
      // Express middleware names it after the route (`http.route`). @fastify/otel is not enabled — a
      // second server span per request (and its hook spans) halved the throughput of a Fastify service.
      const undoServers = instrumentHttpServers(tracerProvider.getTracer('@beacon/sdk/http-server'))
      const unregisterOthers = registerInstrumentations({
        tracerProvider,
        instrumentations: [
          // Outgoing `http.request` calls only: the incoming side cost ≈ 30 µs per request on the bench machine.
          new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
          new UndiciInstrumentation(),
          new ExpressInstrumentation(),
          // Query spans only: no `pg-pool.connect` span per pool checkout (one span in seven on the
          // company's order endpoint) nor `pg.connect`; a failed connect still fails the query's caller.
          // (the SDK's subclass: no metric records per query and checkout while no MeterProvider collects them)
          new LeanPgInstrumentation({ ignoreConnectSpans: true }),
          new AmqplibInstrumentation(),
        ],
      })
      unregister = () => { undoServers(); unregisterOthers() }
    } catch (error) {
      process.stderr.write(`[beacon] could not start telemetry export, logging to stdout only: ${(error as Error).message}\n`)
    }
  }

  const logger = createLogger()
  loggerRef.current = logger
  const events = createEvents(logger)

  const flush = (timeoutMs = 5000): Promise<void> =>
    settle(Promise.allSettled([tracerProvider?.forceFlush(), shipper?.flush()]), timeoutMs)

  // A FATAL record must reach people within seconds: send it now rather than at the next batch.
  runtime().onFatal = () => {
    shipper?.sendNow()
  }

  const lifecycle: Lifecycle = installLifecycle({
    logger: () => logger,
    flush: () => flush(),
    handleCrashes: config.handleCrashes,
    handleSignals: config.handleSignals,
  })

  // Say so (on stderr, at most once a minute) when telemetry is being lost.
  let reported = 0
  const watch = setInterval(() => {
    const lost = spans.dropped + spans.failed + logCounter.dropped + logCounter.failed
    if (lost > reported) {
      process.stderr.write(`[beacon] ${lost - reported} spans/log records not delivered to ${config.endpoint} in the last minute (buffer ${spans.pending + logCounter.pending}); the service is unaffected\n`)
      reported = lost
    }
  }, 60_000)
  watch.unref()

  current = {
    config,
    logger,
    events,
    flush,
    async shutdown() {
      clearInterval(watch)
      lifecycle.uninstall()
      await flush()
      unregister?.()
      await settle(Promise.allSettled([tracerProvider?.shutdown(), shipper?.shutdown()]), 5000)
      await settle(Promise.resolve(senders?.close()), 5000)
      if (runtime().logSink === shipper) runtime().logSink = undefined
      current = undefined
    },
    stats: () => ({ spans: spans.snapshot(), logs: logCounter.snapshot() }),
    onShutdown: (hook) => lifecycle.onShutdown(hook),
  }
  return current
}

/** The handle of the running SDK, if `init()` was called. */
export function beacon(): Beacon | undefined {
  return current
}
