import { pino } from 'pino'
process.env.BEACON_HANDLE_SIGNALS = 'false'
process.env.BEACON_ENDPOINT = process.env.BEACON_ENDPOINT ?? 'http://127.0.0.1:1'
const { init, createLogger } = await import('@beacon/sdk')
const beacon = init({ service: 'bench-logger' })
const sdkLogger = createLogger({ destination: pino.destination({ dest: '/dev/null', sync: true }) })
const plain = pino({ base: { service: 'bench-logger' } }, pino.destination({ dest: '/dev/null', sync: true }))
for (const [name, logger] of [['plain', plain], ['sdk', sdkLogger], ['plain', plain], ['sdk', sdkLogger]] as const) {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < 300; i++) {
    for (let j = 0; j < 1000; j++) logger.info({ 'order.id': 'ORD-1', step: j, ok: true }, 'order step done')
    await new Promise((r) => setImmediate(r))
  }
  console.log(name, Number(process.hrtime.bigint() - t0) / 1e3 / 300_000)
}
console.log(beacon.stats().logs)
process.exit(0)
