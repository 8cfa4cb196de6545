export {}
const v = process.env.VARIANT ?? 'init'
const sdk = await import('@beacon/sdk')
const beacon = sdk.init({ service: 'bench-hello', stdout: v.includes('stdout') })
const { default: Fastify } = await import('fastify')
const app: any = v.includes('logger') ? Fastify({ loggerInstance: beacon.logger as any, disableRequestLogging: true }) : Fastify({ logger: false })
if (v.includes('plugin')) await app.register(sdk.beaconFastify({ logger: beacon.logger }))
app.get('/hello', async () => ({ hello: 'world' }))
await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`)
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
