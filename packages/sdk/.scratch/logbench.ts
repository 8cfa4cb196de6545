import { pino } from 'pino'
const mode = process.argv[2] ?? 'full'
process.env.BEACON_HANDLE_SIGNALS = 'false'
const { init, createLogger } = await import('@beacon/sdk')
const { InMemoryLogRecordExporter } = await import('@opentelemetry/sdk-logs')
const opts: any = { service: 'b', endpoint: 'http://127.0.0.1:9' }
if (mode === 'mem') { const e = new InMemoryLogRecordExporter(); opts.logExporter = { export: (l: any, cb: any) => cb({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} }; void e }
const beacon = init(opts)
const plain = pino({ base: { service: 'b' } }, pino.destination({ dest: '/dev/null', sync: true }))
const sdk = createLogger({ destination: pino.destination({ dest: '/dev/null', sync: true }) })
async function run(l: any, n: number) { const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i += 1000) { for (let j = 0; j < 1000; j++) l.info({ 'order.id': 'ORD-1', step: j, ok: true }, 'order step done'); await new Promise((r) => setImmediate(r)) } return Number(process.hrtime.bigint() - t0) / 1e3 / n }
for (let k = 0; k < 3; k++) console.log(mode, 'plain', (await run(plain, 100000)).toFixed(2), 'sdk', (await run(sdk, 100000)).toFixed(2), JSON.stringify(beacon.stats().logs))
process.exit(0)
