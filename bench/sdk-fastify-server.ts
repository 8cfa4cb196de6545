/**
 * Fastify hello-world for the SDK benchmark. `plain`: no SDK, no logging. `instrumented`: the SDK
 * started first (tracing, OTLP export to BEACON_ENDPOINT), its logger as Fastify's, and the request
 * logging plugin: one request record and one (HTTP server) span per request. Diagnostics:
 * `no-request-log` (the same without the plugin), `tracing-only` (init, Fastify without a logger),
 * `logger-only` (SDK disabled: no tracing, no export; its logger as Fastify's).
 */
export {}

const mode = process.argv[2] ?? 'plain'
let setup: ((app: any) => Promise<void>) | undefined
let loggerInstance: unknown
if (mode !== 'plain') {
  const sdk = await import(process.env.BENCH_SDK ?? '@beacon/sdk') as typeof import('@beacon/sdk')
  const beacon = sdk.init({ service: 'bench-hello', handleSignals: true, disabled: mode === 'logger-only' ? true : undefined })
  if (mode !== 'tracing-only') loggerInstance = beacon.logger
  if (mode === 'instrumented') setup = async (app) => { await app.register(sdk.beaconFastify({ logger: beacon.logger })) }
}
const { default: Fastify } = await import('fastify')
const app: any = loggerInstance ? Fastify({ loggerInstance: loggerInstance as any, disableRequestLogging: true }) : Fastify({ logger: false })
if (setup) await setup(app)
app.get('/hello', async () => ({ hello: 'world' }))
await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`)
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
