/**
 * npm run bench:alerts — alerting latency and cost, in one process with embedded chDB and local
 * HTTP receivers standing in for Slack and Telegram (real HTTP requests, as in production):
 *
 *   1. FATAL → receiver: a FATAL record per new service, acknowledged by ingest; time until the
 *      Telegram and Slack receivers get the request (p50/p99). Spaced 1.1 s (both channels allow 1 msg/s).
 *   2. Windowed: a 5xx burst crossing a threshold rule (count ≥ 5 over 60 s); time until Slack gets it.
 *   3. Cost: 50 windowed rules evaluated every 10 s while steady traffic flows, with BENCH_STORED records
 *      already stored: evaluation time per tick, matching time on the ingest path, as % of one core.
 *
 *   BENCH_FATALS=40  BENCH_WINDOWED=5  BENCH_STORED=10000000  BENCH_COST_SECONDS=60  BENCH_RATE=2000 (records/s)
 *
 * `npm run bench:alerts -- --steady` (or BENCH_STEADY_MINUTES=10): instead, the demo's steady traffic
 * through the real services with every built-in detector on, counting notifications (bench/alerts-steady.ts).
 */
import { startTestBeacon } from '../packages/server/src/testing.ts'
import { startReceiver, testLog, sleep, waitFor } from '../packages/server/src/alerts/test-utils.ts'
import { steadyBench } from './alerts-steady.ts'

if (process.argv.includes('--steady') || process.env.BENCH_STEADY_MINUTES) {
  console.log(`machine: ${process.env.BENCH_NOTE ?? 'shared (a count of notifications; load does not change it much)'}`)
  await steadyBench(Number(process.env.BENCH_STEADY_MINUTES || 10))
  process.exit(0)
}

const FATALS = Number(process.env.BENCH_FATALS ?? 40)
const WINDOWED = Number(process.env.BENCH_WINDOWED ?? 5)
const STORED = Number(process.env.BENCH_STORED ?? 10_000_000)
const COST_SECONDS = Number(process.env.BENCH_COST_SECONDS ?? 60)
const RATE = Number(process.env.BENCH_RATE ?? 2000)

const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN }
const fmt = (xs: number[]): string => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`

const [telegram, slack] = await Promise.all([startReceiver(), startReceiver()])
const tb = await startTestBeacon({ env: { BEACON_ALERT_ALLOW_NETWORKS: '127.0.0.0/8', BEACON_FSYNC: 'true' }, overrides: { 'ingest.flushIntervalMs': 3000 } })
const api = (path: string, body?: unknown) => tb.api(path, body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const submit = async (logs: ReturnType<typeof testLog>[]): Promise<number> => {
  const out = await tb.beacon.ingest.submit({ id: `b-${Math.random()}`, source: 'bench', logs, spans: [], rejected: 0 })
  if (out.status !== 'ok') throw new Error(`ingest: ${out.status}`)
  return Date.now()
}
const engine = tb.beacon.alerts!
console.log(`machine: ${process.env.BENCH_NOTE ?? 'shared (figures are noisy unless the machine is idle)'}`)

try {
  await api('/api/alerts/channels', { name: 'tg', type: 'telegram', botToken: '123456:BENCHBENCHBENCHBENCH', chatId: '-1', apiBaseUrl: telegram.url, default: true })
  await api('/api/alerts/channels', { name: 'slack', type: 'slack', url: `${slack.url}/services/bench`, default: true })

  // 1. FATAL → receivers
  const tg: number[] = []
  const sl: number[] = []
  for (let i = 0; i < FATALS; i++) {
    const [t0, s0] = [telegram.received.length, slack.received.length]
    const acked = await submit([testLog({ serviceName: `equipment-${i}`, severityText: 'FATAL', severityNumber: 21, body: `press ${i} failed` })])
    const a = await waitFor(() => telegram.received[t0], 10_000, 'telegram')
    const b = await waitFor(() => slack.received[s0], 10_000, 'slack')
    tg.push(a.at - acked)
    sl.push(b.at - acked)
    await sleep(1100)
  }
  console.log(`FATAL → Telegram receiver: ${fmt(tg)}`)
  console.log(`FATAL → Slack receiver:    ${fmt(sl)}`)

  // 2. Windowed rule latency (evaluation every 10 s: expect up to ~10 s plus delivery)
  await api('/api/alerts/rules', { name: 'bench 5xx', kind: 'threshold', query: 'http.status:>=500', threshold: 5, windowSeconds: 60, groupBy: ['service'], channels: ['slack'] })
  const win: number[] = []
  for (let i = 0; i < WINDOWED; i++) {
    const s0 = slack.received.length
    const burst = Array.from({ length: 8 }, (_, j) => testLog({ serviceName: `burst-${i}`, severityText: 'ERROR', severityNumber: 17, body: `500 ${j}`, a: { 'http.response.status_code': '500' } }))
    const acked = await submit(burst)
    const got = await waitFor(() => slack.received.slice(s0).find((r) => String(r.json?.text).includes('bench 5xx')), 30_000, 'windowed alert')
    win.push(got.at - acked)
    await sleep(Math.random() * 3000)
  }
  console.log(`windowed 5xx burst → Slack: ${fmt(win)}`)

  // 3. Cost of 50 rules with STORED records in the store
  let stored = 0
  while (stored < STORED) {
    const n = Math.min(1_000_000, STORED - stored)
    await tb.store.command(`INSERT INTO otel_logs (Timestamp, ObservedTimestamp, SeverityText, SeverityNumber, ServiceName, Body, LogAttributes)
      SELECT now64(9) - toIntervalMillisecond(number % 86400000), now64(9), if(number % 50 = 0, 'ERROR', 'INFO'), if(number % 50 = 0, 17, 9),
        ['shop-api', 'crm-api', 'mes-api', 'mes-worker'][number % 4 + 1], concat('GET /orders ', toString(number)),
        map('http.response.status_code', if(number % 50 = 0, '500', '200'), 'http.route', ['/orders', '/products', '/customers'][number % 3 + 1], 'client.address', concat('10.0.', toString(number % 200), '.1'))
      FROM numbers({start:UInt64}, {n:UInt64})`, { start: stored, n })
    stored += n
  }
  console.log(`stored records: ${stored}`)
  const queries = ['level:error', 'http.status:>=500', 'http.status:[400 TO 499]', 'service:shop-api', 'http.route:"/orders"', 'body:timeout', 'level:warn', 'client.ip:*', 'http.status:200', 'service:crm-api AND level:error']
  const t0 = performance.now()
  for (let i = 0; i < 50; i++) {
    const agg = i % 5 === 0 ? { aggregate: 'ratio', ratioOf: 'http.status:*', threshold: 0.99 } : i % 5 === 1 ? { aggregate: 'distinct', field: 'client.ip', threshold: 100000 } : { aggregate: 'count', threshold: 1_000_000 }
    const res = await api('/api/alerts/rules', { name: `cost ${i}`, kind: 'threshold', query: queries[i % queries.length], windowSeconds: 300, groupBy: i % 2 ? ['service'] : ['service', 'http.route'], channels: ['slack'], ...agg })
    if (res.status !== 201) throw new Error(JSON.stringify(res.body))
  }
  console.log(`50 rules created (with backfill of their windows from the store) in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const before = { ...engine.stats }
  const cpu0 = process.cpuUsage()
  const started = performance.now()
  const routes = ['/orders', '/products', '/customers']
  let sent = 0
  while (performance.now() - started < COST_SECONDS * 1000) {
    const tick = performance.now()
    const logs = Array.from({ length: RATE / 10 }, (_, j) => testLog({ serviceName: ['shop-api', 'crm-api', 'mes-api'][j % 3], body: `GET ${routes[j % 3]} 200`, a: { 'http.response.status_code': j % 97 === 0 ? '404' : '200', 'http.route': routes[j % 3], 'client.address': `10.1.${j % 50}.${j % 7}` } }))
    await submit(logs)
    sent += logs.length
    await sleep(Math.max(0, 100 - (performance.now() - tick)))
  }
  const elapsed = performance.now() - started
  const cpu = process.cpuUsage(cpu0)
  const ticks = engine.stats.ticks - before.ticks
  const tickMs = engine.stats.tickMs - before.tickMs
  const matchMs = engine.stats.matchMs - before.matchMs
  console.log(`cost over ${(elapsed / 1000).toFixed(0)} s at ${(sent / (elapsed / 1000)).toFixed(0)} records/s with ${engine.runtimes.size} rules:`)
  console.log(`  evaluation: ${ticks} ticks, ${(tickMs / Math.max(1, ticks)).toFixed(1)} ms per tick = ${(100 * tickMs / elapsed).toFixed(2)} % of one core`)
  console.log(`  matching on the ingest path: ${(matchMs / Math.max(1, sent) * 1000).toFixed(2)} µs per record = ${(100 * matchMs / elapsed).toFixed(2)} % of one core`)
  console.log(`  whole process (ingest, store, alerts): ${(100 * (cpu.user + cpu.system) / 1000 / elapsed).toFixed(1)} % of one core`)
} finally {
  await tb.stop()
  await Promise.all([telegram.close(), slack.close()])
}
