import { setFlagsFromString } from 'node:v8'
import { loadConfig } from '../config/load.ts'
import { createLogger } from '../logger.ts'
import { createBeacon, type Beacon } from '../app.ts'
import { securityExtensions } from '../security-wiring.ts'
import { BeaconError } from '../errors.ts'
import type { Config } from '../config/schema.ts'

/** `beacon start`: one process, every listener, data in BEACON_DATA_DIR. Stops cleanly on SIGINT/SIGTERM. */
export async function startCommand(): Promise<void> {
  const t0 = Date.now()
  let config
  try {
    config = loadConfig()
  } catch (err) {
    console.error((err as Error).message)
    process.exit(2)
  }
  const log = createLogger(config.log.level)
  // V8 reads this flag at every full collection, so setting it now (not on node's command line,
  // where NODE_OPTIONS does not allow it) takes effect for the whole run.
  if (config.memory.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.memory.heapGrowingPercent}`)
  // glibc reads its mmap threshold only at process start: the launcher (bin/beacon) sets it.
  if (process.platform === 'linux' && config.memory.mallocMmapThreshold > 0 && process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
    log.info('started without the launcher (npm start, packages/server/bin/beacon): MALLOC_MMAP_THRESHOLD_ is unset, so freed large buffers may stay in malloc\'s arenas (docs/ingest.md)')
  }
  let beacon: Beacon
  try {
    const ext = await securityExtensions(config, log)
    beacon = await createBeacon(config, log, ext)
  } catch (err) {
    // Refusals that are the operator's to fix (configuration, TLS files, auth off on a public
    // address) are printed as plain sentences; anything else is a fault worth its stack.
    if (err instanceof BeaconError) {
      console.error(`Beacon could not start: ${err.message}`)
      process.exit(2)
    }
    log.fatal({ err: { message: (err as Error).message, stack: (err as Error).stack } }, 'Beacon could not start')
    process.exit(1)
  }
  // Before the ready line: whoever waits for it (a supervisor, a test) may signal at once.
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping: finishing writes')
    const force = setTimeout(() => process.exit(1), 30_000)
    force.unref()
    await beacon.stop().catch((err) => log.error({ err: { message: (err as Error).message } }, 'error while stopping'))
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))

  const { urls } = beacon
  const lines = [
    `Beacon is ready in ${((Date.now() - t0) / 1000).toFixed(1)} s — store: ${beacon.store.description}`,
    ...banner(urls, config),
  ]
  process.stdout.write(lines.join('\n') + '\n')
  log.info({ urls }, 'ready')
}

/** One line per listener, `off` (and how to turn it on) when its port is 0. */
export function banner(urls: Beacon['urls'], config: Config): string[] {
  const row = (name: string, url: string | undefined, what: string, off = 'off') => `  ${name.padEnd(17)}${url ? `${url}  ${what}` : off}`
  return [
    ...(urls.api
      ? [`  Web UI           ${urls.api}/  ← open this in a browser`, `  API              ${urls.api}/api/  (search: ${urls.api}/api/search?q=level:error)`]
      : ['  API and UI       off']),
    row('OTLP/HTTP', urls.otlp && `${urls.otlp}/v1/logs, /v1/traces, /v1/pino-lines, /v1/span-lines`, ''),
    row('OTLP/gRPC', urls.otlpGrpc, '(OTEL_EXPORTER_OTLP_PROTOCOL=grpc)'),
    row('Elasticsearch', urls.elastic, '(_bulk for Filebeat, Logstash, Fluent Bit, Vector, rsyslog)'),
    row('Syslog', urls.syslog, `(RFC 5424/3164, UDP and TCP; from ${config.receivers.syslog.allowNetworks.join(', ') || 'nowhere without a client certificate'})`),
    row('Syslog TLS', urls.syslogTls, '(RFC 5425)', config.ports.syslogTls !== 0 ? 'off (set BEACON_TLS_CERT and BEACON_TLS_KEY)' : 'off'),
    row('Fluentd Forward', urls.forward, config.receivers.forward.sharedKey ? '(shared-key handshake)' : '(no shared key: loopback/allowed networks only)'),
  ].map((l) => l.trimEnd())
}
