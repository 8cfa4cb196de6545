import { readFileSync } from 'node:fs'
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
import { createRowEncoder } from './store/encode.ts'
import { acceptRawBodies } from './ingest/http-body.ts'
import { openIngestAuth, type IngestAuth, type OpenListener, type Receiver, type ReceiverDeps, type SocketReceiver } from './ingest/receiver.ts'
import { createOtlpGrpcReceiver } from './ingest/otlp/grpc.ts'
import { createSyslogReceiver } from './ingest/syslog/index.ts'
import { createForwardReceiver } from './ingest/forward/index.ts'
import { BeaconError } from './errors.ts'
import { createOtlpReceiver } from './ingest/otlp/index.ts'
import { createElasticReceiver } from './ingest/elastic/index.ts'
import { createPinoLinesReceiver } from './ingest/pino/index.ts'
import { createSpanLinesReceiver } from './ingest/span-lines/index.ts'
import { installErrorHandler } from './api/http-errors.ts'
import { createReadStore } from './api/read-limits.ts'
import { registerFullRecordRoute } from './api/full-record.ts'
import type { ApiDeps } from './api/deps.ts'
import { installReaderDecryption, WITHHOLDING_READER } from './auth/reader-decryption.ts'
import { registerSearchRoutes } from './api/search.ts'
import { registerTraceRoutes } from './api/traces.ts'
import { registerOrderRoutes } from './api/orders.ts'
import { registerServiceRoutes } from './api/services.ts'
import { registerFieldRoutes } from './api/fields.ts'
import type { KeyRing } from './security/crypto.ts'
import { ALERT_MIGRATIONS, registerAlertRoutes, startAlerts, type AlertEngine } from './alerts/index.ts'
import { registerUiRoutes } from './api/ui-static.ts'
import { registerOrderListRoutes } from './api/orders-list.ts'
import { registerServiceMapRoutes } from './api/service-map.ts'
import { registerSavedSearchRoutes, SAVED_SEARCH_MIGRATIONS } from './api/saved-searches.ts'
import { UI_DIST_DIR } from '@beacon/ui'
import { registerAggregateRoutes } from './api/aggregate.ts'
import { registerContextRoutes } from './api/context.ts'
import { registerTailRoutes } from './api/tail.ts'
import { registerOpenApi } from './api/openapi.ts'
import { registerExportRoutes } from './api/export.ts'
import { RETENTION_MIGRATIONS } from './retention/tables.ts'
import { createRetention, type Retention } from './retention/index.ts'
import type { AuditSink } from './retention/enforcer.ts'
import { registerRetentionRoutes } from './retention/routes.ts'
import { registerArchiveRoutes } from './archive/routes.ts'

/**
 *   createBeacon(config)
 *     store  ── migrate ── WAL recovery ── store writer
 *     ingest ── stages (pipeline/stages/index.ts) → encode for the store → WAL
 *     listeners: OTLP/HTTP :4318, OTLP/gRPC :4317, Elasticsearch :9200, syslog :5514 (TLS :6514),
 *                Forward :24224, API :5080 (each off when its port is 0)
 */
export interface Beacon {
  config: Config
  store: Store
  ingest: IngestService
  writer: StoreWriter
  log: Logger
  /** Hot retention, size caps, disk guard, archive. */
  retention: Retention
  /** Alerting (undefined when `alerts.enabled` is false). */
  alerts?: AlertEngine
  /** Actual listening URLs (random ports resolved), by listener. */
  urls: { api?: string; otlp?: string; elastic?: string; otlpGrpc?: string; syslog?: string; syslogTls?: string; forward?: string }
  /** The API listener's Fastify instance (tests: registered routes vs the OpenAPI document). */
  api?: FastifyInstance
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
  /** Records system actions (retention: archive deletions) in the access audit. */
  audit?: AuditSink
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
  const migration = await migrate(store, config, [...RETENTION_MIGRATIONS, ...SAVED_SEARCH_MIGRATIONS, ...ALERT_MIGRATIONS, ...(ext.migrations ?? [])], log)
  if (migration.applied.length) log.info({ versions: migration.applied }, 'schema migrations applied')
  if (migration.altered.length) log.info({ columns: migration.altered }, 'business-key columns follow the new configuration')
  if (ext.init) await ext.init(store)

  const wal = await WriteAheadLog.open({ dir: resolve(join(config.dataDir, 'wal')), fsync: config.ingest.fsync })
  const writer = new StoreWriter(wal, store, log, config.ingest)
  const stages = assembleStages(ext.stages)
  const ingest = new IngestService(stages, wal, writer, log, config.ingest.maxPendingBytes, createRowEncoder(config.businessKeys))
  const retention = await createRetention(config, store, log, ext.audit)
  ingest.hooks = { admit: retention.guard.admit, screen: retention.screen }

  // Replay detection survives restarts: ids of recently stored batches, plus those still in the WAL.
  const recent = await store.query<{ Id: string; at: number }>(
    `SELECT Id, toUnixTimestamp(At) AS at FROM ${BATCHES_TABLE} WHERE At > now() - INTERVAL 15 MINUTE`)
  for (const r of recent) ingest.remember(r.Id, Number(r.at) * 1000)
  const recovered = await writer.recover((e) => ingest.remember(e.meta.id, e.meta.at))
  if (recovered.replayed > 0) log.info(recovered, 'write-ahead log replayed into the store after an unclean stop')

  const servers: FastifyInstance[] = []
  const urls: Beacon['urls'] = {}
  let apiInstance: FastifyInstance | undefined
  const alerts = config.alerts.enabled
    ? await startAlerts({ store, config, log: log.child({ feature: 'alerts' }), live: ingest.live, keyRing: ext.keyRing, redactText: ext.redactText, publicUrl: () => config.publicUrl || urls.api || '', capUsage: () => retention.enforcer.status().caps })
    : undefined
  const auth = ext.ingestAuth ?? openIngestAuth
  // Slow clients (slowloris): headers within headersMs, the whole request within requestMs, checked every second
  const t = config.security.timeouts
  const serverTimeouts = { headersTimeout: Math.min(t.headersMs, t.requestMs), requestTimeout: t.requestMs, connectionsCheckingInterval: 1000 }
  const listenerOpts = ext.listener?.https ? { ...ext.listener, https: { ...ext.listener.https, ...serverTimeouts } } : ext.listener
  const fastifyOpts = {
    logger: false, bodyLimit: config.limits.maxBodyBytes, return503OnClosing: true,
    requestTimeout: t.requestMs, connectionTimeout: t.requestMs, http: serverTimeouts, ...listenerOpts,
  } as { logger: false }

  async function listen(app: FastifyInstance, port: number, name: keyof Beacon['urls']): Promise<void> {
    servers.push(app)
    const address = await app.listen({ host: config.host, port })
    urls[name] = address.replace('[::1]', 'localhost')
  }

  const receivers: [keyof Beacon['urls'], number, Receiver[]][] = [
    // the SDK's pino lines and span lines share the OTLP listener (same port, same ingest keys)
    ['otlp', config.ports.otlp, [createOtlpReceiver(), createPinoLinesReceiver(), createSpanLinesReceiver()]],
    ['elastic', config.ports.elastic, [createElasticReceiver()]],
  ]
  for (const [name, port, onListener] of receivers) {
    if (port === 0) continue
    // Elasticsearch index names may be 255 bytes; Fastify's default parameter limit is 100.
    const app = Fastify({ ...fastifyOpts, routerOptions: { maxParamLength: 512 } })
    acceptRawBodies(app, config.limits)
    // authenticate before the body is read: a sender without a valid key cannot make Beacon wait for
    // (or buffer) its body (the Elasticsearch receiver does this itself)
    if (name === 'otlp' && ext.ingestAuth) {
      app.addHook('onRequest', async (request, reply) => {
        if (request.method !== 'POST') return
        const r = await auth.authenticate(request.headers)
        if (!r.ok) return reply.code(r.status).header('connection', 'close').send({ code: r.status === 401 ? 16 : 7, message: r.message })
      })
    }
    for (const receiver of onListener) await receiver(app, { ingest, limits: config.limits, logger: log.child({ listener: name }), auth })
    await listen(app, port, name)
  }

  // Receivers that own their sockets (gRPC, syslog, Forward).
  const sockets: OpenListener[] = []
  const receiverDeps: ReceiverDeps = { ingest, limits: config.limits, logger: log, auth }
  const tls = ext.listener?.https ? { cert: ext.listener.https.cert, key: ext.listener.https.key } : undefined
  const depsFor = (listener: string): ReceiverDeps => ({ ...receiverDeps, logger: log.child({ listener }) })
  const syslogCa = readOptional(config.receivers.syslog.clientCa, 'receivers.syslog.clientCa (BEACON_SYSLOG_TLS_CA)')
  const socketReceivers: [keyof Beacon['urls'], number, (() => SocketReceiver) | undefined][] = [
    ['otlpGrpc', config.ports.otlpGrpc, () => createOtlpGrpcReceiver(depsFor('otlpGrpc'), { tls })],
    ['syslog', config.ports.syslog, () => createSyslogReceiver(depsFor('syslog'), config.receivers.syslog)],
    // Syslog over TLS needs the configured certificate; without one the listener stays off (the banner says so).
    ['forward', config.ports.forward, () => createForwardReceiver(depsFor('forward'), config.receivers.forward)],
    ['syslogTls', config.ports.syslogTls, tls && (() => createSyslogReceiver(depsFor('syslogTls'), config.receivers.syslog, { tls: { ...tls, ca: syslogCa } }))],
  ]
  for (const [name, port, create] of socketReceivers) {
    if (port === 0 || !create) continue
    const listener = await create().start({ host: config.host, port })
    sockets.push(listener)
    urls[name] = listener.address
  }

  // Health answers from the last store check (at most 2 s old) so that a store busy with heavy
  // searches cannot make it slow: the check runs in the background, one at a time.
  let storeCheck: { ok: boolean; versions: number[]; at: number } = { ok: true, versions: [], at: 0 }
  let checking: Promise<void> | undefined
  const checkStore = (): Promise<void> => (checking ??= appliedVersions(store)
    .then((versions) => { storeCheck = { ok: true, versions, at: Date.now() } }, () => { storeCheck = { ok: false, versions: [], at: Date.now() } })
    .finally(() => { checking = undefined }))
  const health = async (): Promise<Record<string, unknown>> => {
    if (storeCheck.at === 0) await checkStore()
    else if (Date.now() - storeCheck.at > 2000) void checkStore()
    const storeOk = storeCheck.ok
    const versions = storeCheck.versions
    const w = writer.status()
    const r = retention.health()
    return {
      status: storeOk && w.healthy && r.ok ? 'ok' : 'degraded',
      store: { reachable: storeOk, description: store.description },
      migrations: versions,
      ingest: { ...ingest.stats, backlogBytes: w.backlogBytes, backlogRows: w.backlogRows, storedRows: w.storedRows, storeWritesFailing: !w.healthy },
      retention: r,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    }
  }

  if (config.ports.api !== 0) {
    const api = Fastify(fastifyOpts)
    installErrorHandler(api, log)
    await registerOpenApi(api) // first: it collects every route registered after it
    // API reads go through the bounded read store; ingest, health and alerts use the store directly
    const deps: ApiDeps = { store: createReadStore(store, config.security.reads), config, log, health, rewriteSearch: ext.rewriteSearch, live: ingest.live, archive: retention.reader ?? undefined }
    if (ext.api) await ext.api(api, deps)
    if (!deps.reader) installReaderDecryption(api, WITHHOLDING_READER) // no security layer: encrypted values withheld
    registerSearchRoutes(api, deps)
    registerTraceRoutes(api, deps)
    registerOrderRoutes(api, deps)
    registerServiceRoutes(api, deps)
    registerFieldRoutes(api, deps)
    registerAggregateRoutes(api, deps)
    registerContextRoutes(api, deps)
    registerTailRoutes(api, deps)
    registerExportRoutes(api, deps)
    apiInstance = api
    registerRetentionRoutes(api, store, config, retention)
    registerArchiveRoutes(api, retention)
    registerFullRecordRoute(api, deps)
    registerOrderListRoutes(api, deps)
    registerServiceMapRoutes(api, deps)
    registerSavedSearchRoutes(api, deps)
    if (alerts) registerAlertRoutes(api, alerts)
    await registerUiRoutes(api, UI_DIST_DIR)
    await listen(api, config.ports.api, 'api')
  }

  retention.start()
  let stopped = false
  return {
    config, store, ingest, writer, log, urls, retention, alerts, api: apiInstance,
    flush: () => writer.flush(),
    async stop() {
      if (stopped) return
      stopped = true
      await Promise.allSettled([...servers.map((s) => s.close()), ...sockets.map((s) => s.close())])
      await alerts?.stop()
      await retention.stop()
      await writer.stop()
      await wal.close()
      await store.close()
    },
  }
}

function readOptional(file: string, setting: string): Buffer | undefined {
  if (file === '') return undefined
  try {
    return readFileSync(file)
  } catch (err) {
    throw new BeaconError('config_invalid', `${setting}: cannot read ${file}: ${(err as Error).message}`)
  }
}
