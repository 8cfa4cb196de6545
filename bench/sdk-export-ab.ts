/**
 * The export worker's work per line, A/B between two copies of the SDK (prints figures; not a test):
 * what `OtlpLogSender.send` (pino lines → POST /v1/pino-lines as they are; before session 5: → OTLP/JSON
 * → POST /v1/logs) and `sendSpans` (span lines → POST /v1/span-lines as they are; before session 6: →
 * OTLP/JSON → POST /v1/traces) cost in CPU per line, in this thread, against bench/sdk-sink.ts in
 * its own process. Lines are the SDK's own: a request record, an order.created event and a service
 * line per request, and its server span (with the event), written by a Fastify app with the SDK.
 * Rounds alternate A and B.
 *
 *   node --import tsx bench/sdk-export-ab.ts [--a=<copy's src dir>] [--b=<other copy's src dir>] [--rounds=5] [--batches=200]
 * (A defaults to this checkout's packages/sdk/src.)
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'

const here = fileURLToPath(new URL('.', import.meta.url))
const opt = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const ROUNDS = Number(opt('rounds') ?? 5)
const BATCHES = Number(opt('batches') ?? 200)
const dirA = resolve(opt('a') ?? resolve(here, '../packages/sdk/src'))
const dirB = opt('b') === undefined ? undefined : resolve(opt('b')!)

// Realistic lines, captured from a Fastify app with the SDK (its own export replaced).
const { init } = await import(`${dirA}/index.ts`) as typeof import('@beacon/sdk')
// spanLine moved to span-lines.ts in session 6; older copies have it in span-export.ts.
const { spanLine } = await import(`${dirA}/telemetry/span-lines.ts`).catch(() => import(`${dirA}/telemetry/span-export.ts`))
const logLines: string[] = []
const spanLines: string[] = []
const beacon = init({
  service: 'crm-api', handleSignals: false, stdout: false,
  logSend: async (nd) => { logLines.push(...nd.trimEnd().split('\n').map((l) => `${l}\n`)); return true },
  spanExporter: { export: (spans: unknown[], done: (r: { code: number }) => void) => { for (const s of spans) spanLines.push(spanLine(s)); done({ code: 0 }) }, shutdown: async () => {} },
})
const sdk = await import(`${dirA}/index.ts`) as typeof import('@beacon/sdk')
const { default: Fastify } = await import('fastify')
const http = await import('node:http')
const app = Fastify({ loggerInstance: beacon.logger as never, disableRequestLogging: true })
await app.register(sdk.beaconFastify({ logger: beacon.logger }))
app.post('/orders', async () => sdk.withOrder('ORD-12AB34CD', async () => {
  beacon.events.orderCreated({ orderId: 'ORD-12AB34CD', userId: 7, total: 123.5, items: 2 })
  beacon.logger.info({ 'order.id': 'ORD-12AB34CD', 'messaging.destination.name': 'crm.orders' }, 'order ORD-12AB34CD sent to production')
  return { orderId: 'ORD-12AB34CD', status: 'new', total: 123.5 }
}))
await app.listen({ port: 0, host: '127.0.0.1' })
const port = (app.server.address() as { port: number }).port
const body = JSON.stringify({ customerId: 7, items: [{ sku: 'BOLT-M8', qty: 100 }, { sku: 'GEAR-40', qty: 2 }] })
for (let i = 0; i < 20; i++) {
  await new Promise((r) => { const q = http.request({ port, method: 'POST', path: '/orders', headers: { 'content-type': 'application/json', 'user-agent': 'bench' } }, (res) => { res.resume(); res.on('end', r) }); q.end(body) })
}
await app.close()
await beacon.flush()
await beacon.shutdown()
const batch = (src: string[]) => Array.from({ length: 512 }, (_, i) => src[i % src.length]).join('')
const logs = batch(logLines)
const spans = batch(spanLines)

const sink = spawn(process.execPath, ['--import', 'tsx', `${here}sdk-sink.ts`], { stdio: ['ignore', 'pipe', 'inherit'] })
const sinkPort = await new Promise<number>((r) => sink.stdout!.on('data', (d: Buffer) => { const m = /READY (\d+)/.exec(d.toString()); if (m) r(Number(m[1])) }))
const config = { url: `http://127.0.0.1:${sinkPort}/v1/logs`, linesUrl: `http://127.0.0.1:${sinkPort}/v1/pino-lines`, tracesUrl: `http://127.0.0.1:${sinkPort}/v1/traces`, spanLinesUrl: `http://127.0.0.1:${sinkPort}/v1/span-lines`, headers: {}, resource: { 'service.name': 'crm-api', 'host.name': 'bench' }, scope: { name: '@beacon/sdk' }, timeoutMs: 10_000 }
type Sender = { send(s: string): Promise<boolean>; sendSpans(s: string): Promise<boolean>; close(): void }
const senderOf = async (dir: string): Promise<Sender> => new (await import(`${dir}/logging/sender.ts`)).OtlpLogSender(config)
const variants: [string, Sender][] = [['A', await senderOf(dirA)]]
if (dirB !== undefined) variants.push(['B', await senderOf(dirB)])

const cpu = () => { const u = process.cpuUsage(); return u.user + u.system }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const sys = () => process.cpuUsage().system
const results = new Map<string, { log: number[]; span: number[]; sys: number[] }>(variants.map(([k]) => [k, { log: [], span: [], sys: [] }]))
for (const [, s] of variants) for (let i = 0; i < 20; i++) { await s.send(logs); await s.sendSpans(spans) } // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, s] of variants) {
    const s0 = sys()
    let c = cpu()
    for (let i = 0; i < BATCHES; i++) if (!(await s.send(logs))) throw new Error('log batch refused')
    results.get(k)!.log.push((cpu() - c) / BATCHES / 512)
    c = cpu()
    for (let i = 0; i < BATCHES; i++) if (!(await s.sendSpans(spans))) throw new Error('span batch refused')
    results.get(k)!.span.push((cpu() - c) / BATCHES / 512)
    results.get(k)!.sys.push((sys() - s0) / BATCHES / 1024)
  }
}
for (const [, s] of variants) s.close()
sink.kill('SIGTERM')
console.log(`export worker CPU per line (µs, this thread: conversion + HTTP), ${ROUNDS} rounds × ${BATCHES} batches of 512, alternating; median [all]`)
for (const [k, v] of results) {
  console.log(`  ${k} ${k === 'A' ? dirA : dirB}\n     log line  ${median(v.log).toFixed(2)} [${v.log.map((x) => x.toFixed(2)).join(' ')}]\n     span line ${median(v.span).toFixed(2)} [${v.span.map((x) => x.toFixed(2)).join(' ')}]
     of which system time (kernel: loopback TCP, allocation), per line of either kind: ${median(v.sys).toFixed(2)}`)
}
process.exit(0)
