import { join, resolve } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config/schema.ts'
import { createStore, type Store } from './store/connection.ts'
import { appliedVersions, migrate, type Migration } from './store/migrations.ts'
import { BATCHES_TABLE } from './store/schema.ts'
import { WriteAheadLog } from './wal/wal.ts'
import { StoreWriter } from './store/writer.ts'
import { IngestService } from './pipeline/ingestor.ts'
import type { Stage } from './pipeline/pipeline.ts'
import { assembleStages, type StageSlot } from './pipeline/stages/index.ts'
import { acceptRawBodies } from './ingest/http-body.ts'
import { openIngestAuth, type IngestAuth, type Receiver } from './ingest/receiver.ts'
import { createOtlpReceiver } from './ingest/otlp/index.ts'
import { createElasticReceiver } from './ingest/elastic/index.ts'
import { installErrorHandler } from './api/http-errors.ts'
import type { ApiDeps } from './api/deps.ts'
import { registerSearchRoutes } from './api/search.ts'
import { registerTraceRoutes } from './api/traces.ts'
import { registerOrderRoutes } from './api/orders.ts'
import { registerServiceRoutes } from './api/services.ts'
import { registerFieldRoutes } from './api/fields.ts'
import type { KeyRing } from './security/crypto.ts'
import { ALERT_MIGRATIONS, registerAlertRoutes, startAlerts, type AlertEngine } from './alerts/index.ts'
import { registerUiRoutes } from './api/ui-static.ts'
import { UI_DIST_DIR } from '@beacon/ui'

/**
 *   createBeacon(config)
 *     store  ── migrate ── WAL recovery ── store writer
 *     ingest ── stages (pipeline/stages/index.ts) → encode for the store → WAL
 *     listeners: OTLP :4318, Elasticsearch :9200, API :5080 (each off when its port is 0)
 */
export interface Beacon {
  config: Config
  store: Store
  ingest: IngestService
  writer: StoreWriter
  log: Logger
  /** Alerting (undefined when `alerts.enabled` is false). */
  alerts?: AlertEngine
  /** Actual listening URLs (random ports resolved), by listener. */
  urls: { api?: string; otlp?: string; elastic?: string }
  /** Waits until every acknowledged record is in the store (tests, shutdown). */
  flush(): Promise<void>
  stop(): Promise<void>
}

/** Extension points the security and alerting features plug into. */
export interface BeaconExtensions {
  stages?: Partial<Record<StageSlot, Stage>>
  ingestAuth?: IngestAuth
  migrations?: Migration[]
  /** Registers hooks/routes on the API instance before the core routes (auth, admin routes…). */
  api?: (app: FastifyInstance, deps: ApiDeps) => void | Promise<void>
  /** Runs once the store is migrated, before any listener opens (security: bootstrap users, load the audit chain). */
  init?: (store: Store) => Promise<void>
  /** Rewrites a parsed search before it is compiled (security: exact match on encrypted fields through their blind index). */
  rewriteSearch?: ApiDeps['rewriteSearch']
  /** Options for every listener: TLS certificate (`https`), `trustProxy`. */
  listener?: { https?: { key: Buffer; cert: Buffer; minVersion: 'TLSv1.2' | 'TLSv1.3' }; trustProxy?: boolean | string[] }
  /** Encryption key ring (security), for alert channel secrets at rest. */
  keyRing?: KeyRing
  /** The redaction rules applied to free text (security), for notification text. */
  redactText?: (text: string) => string
}

export async function createBeacon(config: Config, log: Logger, ext: BeaconExtensions = {}): Promise<Beacon> {
  const started = Date.now()
  const store = await createStore(config)
  const migration = await migrate(store, config, [...ALERT_MIGRATIONS, ...(ext.migrations ?? [])])
  if (migration.applied.length) log.info({ versions: migration.applied }, 'schema migrations applied')
  if (migration.altered.length) log.info({ columns: migration.altered }, 'business-key columns follow the new configuration')
  if (ext.init) await ext.init(store)

  const wal = await WriteAheadLog.open({ dir: resolve(join(config.dataDir, 'wal')), fsync: config.ingest.fsync })
  const writer = new StoreWriter(wal, store, log, config.ingest)
  const stages = assembleStages(ext.stages)
  const ingest = new IngestService(stages, wal, writer, log, config.ingest.maxPendingBytes)

  // Replay detection survives restarts: ids of recently stored batches, plus those still in the WAL.
  const recent = await store.query<{ Id: string; at: number }>(
    `SELECT Id, toUnixTimestamp(At) AS at FROM ${BATCHES_TABLE} WHERE At > now() - INTERVAL 15 MINUTE`)
  for (const r of recent) ingest.remember(r.Id, Number(r.at) * 1000)
  const recovered = await writer.recover((e) => ingest.remember(e.meta.id, e.meta.at))
  if (recovered.replayed > 0) log.info(recovered, 'write-ahead log replayed into the store after an unclean stop')

  const servers: FastifyInstance[] = []
  const urls: Beacon['urls'] = {}
  const alerts = config.alerts.enabled
    ? await startAlerts({ store, config, log: log.child({ feature: 'alerts' }), live: ingest.live, keyRing: ext.keyRing, redactText: ext.redactText, publicUrl: () => config.publicUrl || urls.api || '' })
    : undefined
  const auth = ext.ingestAuth ?? openIngestAuth
  const fastifyOpts = { logger: false, bodyLimit: config.limits.maxBodyBytes, return503OnClosing: true, ...ext.listener } as { logger: false }

  async function listen(app: FastifyInstance, port: number, name: keyof Beacon['urls']): Promise<void> {
    servers.push(app)
    const address = await app.listen({ host: config.host, port })
    urls[name] = address.replace('[::1]', 'localhost')
  }

  const receivers: [keyof Beacon['urls'], number, Receiver][] = [
    ['otlp', config.ports.otlp, createOtlpReceiver()],
    ['elastic', config.ports.elastic, createElasticReceiver()],
  ]
  for (const [name, port, receiver] of receivers) {
    if (port === 0) continue
    // Elasticsearch index names may be 255 bytes; Fastify's default parameter limit is 100.
    const app = Fastify({ ...fastifyOpts, routerOptions: { maxParamLength: 512 } })
    acceptRawBodies(app, config.limits)
    await receiver(app, { ingest, limits: config.limits, logger: log.child({ listener: name }), auth })
    await listen(app, port, name)
  }

  const health = async (): Promise<Record<string, unknown>> => {
    let storeOk = true
    let versions: number[] = []
    try { versions = await appliedVersions(store) } catch { storeOk = false }
    const w = writer.status()
    return {
      status: storeOk && w.healthy ? 'ok' : 'degraded',
      store: { reachable: storeOk, description: store.description },
      migrations: versions,
      ingest: { ...ingest.stats, backlogBytes: w.backlogBytes, backlogRows: w.backlogRows, storedRows: w.storedRows, storeWritesFailing: !w.healthy },
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    }
  }

  if (config.ports.api !== 0) {
    const api = Fastify(fastifyOpts)
    installErrorHandler(api, log)
    const deps: ApiDeps = { store, config, log, health, rewriteSearch: ext.rewriteSearch, live: ingest.live }
    if (ext.api) await ext.api(api, deps)
    registerSearchRoutes(api, deps)
    registerTraceRoutes(api, deps)
    registerOrderRoutes(api, deps)
    registerServiceRoutes(api, deps)
    registerFieldRoutes(api, deps)
    if (alerts) registerAlertRoutes(api, alerts)
    await registerUiRoutes(api, UI_DIST_DIR)
    await listen(api, config.ports.api, 'api')
  }

  let stopped = false
  return {
    config, store, ingest, writer, log, urls, alerts,
    flush: () => writer.flush(),
    async stop() {
      if (stopped) return
      stopped = true
      await Promise.allSettled(servers.map((s) => s.close()))
      await alerts?.stop()
      await writer.stop()
      await wal.close()
      await store.close()
    },
  }
}
