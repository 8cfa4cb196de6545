import { loadConfig } from '../config/load.ts'
import { createLogger } from '../logger.ts'
import { createBeacon, type Beacon } from '../app.ts'
import { securityExtensions } from '../security-wiring.ts'
import { BeaconError } from '../errors.ts'

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
  const { urls } = beacon
  const lines = [
    `Beacon is ready in ${((Date.now() - t0) / 1000).toFixed(1)} s — store: ${beacon.store.description}`,
    urls.api ? `  Web UI           ${urls.api}/            ← open this in a browser\n  API              ${urls.api}/api/       (search: ${urls.api}/api/search?q=level:error)` : '  API and UI       off',
    urls.otlp ? `  OTLP/HTTP        ${urls.otlp}/v1/logs, /v1/traces` : '  OTLP/HTTP        off',
    urls.elastic ? `  Elasticsearch    ${urls.elastic}            (_bulk for Filebeat, Logstash, Fluent Bit, Vector, rsyslog)` : '  Elasticsearch    off',
  ]
  process.stdout.write(lines.join('\n') + '\n')
  log.info({ urls }, 'ready')

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
}
