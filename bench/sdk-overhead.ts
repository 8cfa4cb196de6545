/**
 * SDK overhead benchmark (prints figures; not a test). Goals (issue 13):
 *
 *   1. per log call: the SDK logger (redaction, trace context, batch export through the export
 *      worker to a sink process) vs plain pino, both writing JSON lines to /dev/null.
 *      ≤ 2 µs wall above plain pino on the service thread, ≤ 1.5 µs CPU across all threads incl.
 *      the export; no drops at 5,000 lines/s (a paced run), drops at ~100k lines/s bounded and counted.
 *   2. Fastify hello-world: instrumented (SDK + request logging, spans and records exported to the
 *      sink) vs uninstrumented: share of req/s (≥ 60 %) and server CPU per request, all threads
 *      (≤ 8 µs added).
 *   3. the company's order endpoint (CRM POST /orders: PostgreSQL transaction + RabbitMQ publish with
 *      confirm; bench/sdk-order-server.ts): share of req/s (≥ 95 %) and p99 (+ ≤ 1 ms).
 *
 * Plain and instrumented runs alternate; CPU figures come from process.cpuUsage() / /proc, which
 * a loaded machine disturbs less than req/s.
 *
 *   node --import tsx bench/sdk-overhead.ts [--calls=200000] [--seconds=15] [--connections=50] [--rounds=2] [--only=logs|http|order] [--prof=<dir>]
 */
import type { ChildProcess } from 'node:child_process'
import { cpus } from 'node:os'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { pino } from 'pino'
import { startChild, stop } from './children.ts'
import { companyBacking } from './company-backing.ts'

const here = fileURLToPath(new URL('.', import.meta.url))
const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const CALLS = arg('calls', 200_000)
const SECONDS = arg('seconds', 15)
const CONNECTIONS = arg('connections', 50)
const ROUNDS = arg('rounds', 2)
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1]
/** `--prof=<dir>`: each server run writes V8 CPU profiles (one per thread) into `<dir>/<mode>-<n>/`. */
const PROF = process.argv.find((a) => a.startsWith('--prof='))?.split('=')[1]
let profiles = 0
/**
 * `BENCH_SDK_B=<another copy's src/index.ts>`: each round also runs the instrumented server with that
 * copy of the SDK (an A/B of two SDK versions in one run, interleaved, same sink and database).
 * `BENCH_SDK` replaces the SDK of every instrumented run.
 */
const SDK_B = process.env.BENCH_SDK_B
const abLine = (label: string, xs: LoadResult[], plainCpu: number, plainBest: number, p99 = false): string => xs.length === 0 ? '' : `
   ${label.padEnd(21)} best ${best(xs).toFixed(0)} req/s (${(100 * best(xs) / plainBest).toFixed(1)} %);${p99 ? ` p99 ${med(xs, 'p99').toFixed(1)} ms;` : ''} server CPU ${med(xs, 'cpu').toFixed(1)} µs/request, +${(med(xs, 'cpu') - plainCpu).toFixed(1)} (${fmt(xs)})`
const profArgs = (mode: string): string[] => PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROF}/${mode}-${++profiles}`]

const sink = await startChild(`${here}sdk-sink.ts`, [], {})
const endpoint = `http://127.0.0.1:${sink.port}`

// ── 1. per log call ───────────────────────────────────────────────────────────────────────────
process.env.BEACON_ENDPOINT = endpoint
process.env.BEACON_HANDLE_SIGNALS = 'false'

async function perCall(logger: { info(o: object, m: string): void }, n: number): Promise<number> {
  const chunk = 1000
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i += chunk) {
    for (let j = 0; j < chunk; j++) logger.info({ 'order.id': 'ORD-1', step: j, ok: true }, 'order step done')
    // Yield so the batch exports (hand-off to the export worker, timers, HTTP) run and are counted in the time.
    await new Promise((r) => setImmediate(r))
  }
  return Number(process.hrtime.bigint() - t0) / 1e3 / n
}
/** CPU time of the whole process (all threads, the export worker included), µs. */
const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system }
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** `n` calls at `perSecond`, in 10 ms slices (as a service would log), for the drop check and CPU per line. */
async function paced(logger: { info(o: object, m: string): void }, n: number, perSecond: number): Promise<void> {
  const slice = Math.max(1, Math.round(perSecond / 100))
  const t0 = performance.now()
  for (let i = 0; i < n; i += slice) {
    for (let j = 0; j < slice; j++) logger.info({ 'order.id': 'ORD-1', step: j, ok: true }, 'order step done')
    const wait = t0 + ((i + slice) / perSecond) * 1000 - performance.now()
    await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)))
  }
}

async function logCalls(): Promise<string> {
  const { init, createLogger } = await import(process.env.BENCH_SDK ?? '@beacon/sdk') as typeof import('@beacon/sdk')
  const beacon = init({ service: 'bench-logger' })
  const plain = pino({ base: { service: 'bench-logger' } }, pino.destination({ dest: '/dev/null', sync: true }))
  const sdkLogger = createLogger({ destination: pino.destination({ dest: '/dev/null', sync: true }) })
  await perCall(plain, 20_000)
  await perCall(sdkLogger, 20_000)
  await beacon.flush()
  // Paced at 5,000 lines/s: nothing may be dropped; CPU per line (all threads, export included).
  const PACED = 25_000
  const pacedRuns: { plainCpu: number; sdkCpu: number; dropped: number }[] = []
  for (let r = 0; r < 2; r++) {
    let c0 = cpuUs()
    await paced(plain, PACED, 5000)
    const plainCpu = (cpuUs() - c0) / PACED
    const d0 = beacon.stats().logs.dropped
    c0 = cpuUs()
    await paced(sdkLogger, PACED, 5000)
    await beacon.flush(30_000)
    pacedRuns.push({ plainCpu, sdkCpu: (cpuUs() - c0) / PACED, dropped: beacon.stats().logs.dropped - d0 })
  }
  // Flat out (~100k lines/s or more): wall time per call on the service's thread; drops bounded and counted.
  const runs: { plain: number; sdk: number; plainCpu: number; sdkCpu: number; dropped: number }[] = []
  for (let r = 0; r < 3; r++) {
    let c0 = cpuUs()
    const p = await perCall(plain, CALLS)
    const plainCpu = (cpuUs() - c0) / CALLS
    const d0 = beacon.stats().logs.dropped
    c0 = cpuUs()
    const s = await perCall(sdkLogger, CALLS)
    await beacon.flush(30_000) // the export's CPU (worker thread) is counted in sdkCpu
    const sdkCpu = (cpuUs() - c0) / CALLS
    runs.push({ plain: p, sdk: s, plainCpu, sdkCpu, dropped: beacon.stats().logs.dropped - d0 })
  }
  const plainUs = median(runs.map((r) => r.plain))
  const sdkUs = median(runs.map((r) => r.sdk))
  const pacedPlain = median(pacedRuns.map((r) => r.plainCpu))
  const pacedSdk = median(pacedRuns.map((r) => r.sdkCpu))
  const pacedDropped = pacedRuns.reduce((s, r) => s + r.dropped, 0)
  const stats = beacon.stats()
  await beacon.shutdown()
  return `
1. per log call (JSON to /dev/null; the SDK also exports every record it keeps to the sink)
   paced, 5,000 lines/s (${PACED} lines × 2 runs, median): CPU per line, all threads, export included
     plain pino          ${pacedPlain.toFixed(2)} µs
     @beacon/sdk logger  ${pacedSdk.toFixed(2)} µs
     overhead in CPU     ${(pacedSdk - pacedPlain).toFixed(2)} µs   (target ≤ 1.5 µs)   ${pacedSdk - pacedPlain <= 1.5 ? 'OK' : 'OVER'}
     dropped             ${pacedDropped}   (target 0)   ${pacedDropped === 0 ? 'OK' : 'OVER'}
   flat out (${CALLS} calls × 3 runs, median; ≈ ${(1e6 / sdkUs / 1000).toFixed(0)}k lines/s)
     plain pino          ${plainUs.toFixed(2)} µs/call wall
     @beacon/sdk logger  ${sdkUs.toFixed(2)} µs/call wall
     overhead            ${(sdkUs - plainUs).toFixed(2)} µs/call on the service's thread (target ≤ 2 µs)   ${sdkUs - plainUs <= 2 ? 'OK' : 'OVER'}
     dropped             ${runs.map((r) => `${r.dropped} of ${CALLS}`).join(', ')} (bounded buffer, counted)
   logs exported ${stats.logs.exported}, failed ${stats.logs.failed}, dropped ${stats.logs.dropped}
`
}

// ── 2. Fastify hello world ────────────────────────────────────────────────────────────────────
/** CPU time of a process (all threads) and of its main thread, µs (from /proc; 10 ms resolution). */
function procCpu(pid: number): { all: number; main: number } {
  const ticks = (file: string) => { const f = readFileSync(file, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 1e4 }
  return { all: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) }
}

interface LoadResult { rps: number; p99: number; cpu: number; mainCpu: number }

async function measure(server: { proc: ChildProcess }, opts: autocannon.Options): Promise<LoadResult> {
  await autocannon({ ...opts, duration: Math.min(5, SECONDS) }) // warm-up: JIT, lazy loading, pools
  const c0 = procCpu(server.proc.pid!)
  const r = await autocannon({ ...opts, duration: SECONDS })
  await new Promise((res) => setTimeout(res, 1500)) // let the last export batch go (its CPU counts)
  const c1 = procCpu(server.proc.pid!)
  await stop(server.proc)
  const n = Math.max(1, r.requests.total)
  return { rps: r.requests.average, p99: r.latency.p99, cpu: (c1.all - c0.all) / n, mainCpu: (c1.main - c0.main) / n }
}

async function load(mode: string, env: Record<string, string> = {}): Promise<LoadResult> {
  // stdout printing off: the uninstrumented server prints nothing either.
  const server = await startChild(`${here}sdk-fastify-server.ts`, [mode], { BEACON_ENDPOINT: endpoint, BEACON_STDOUT: 'false', BEACON_HANDLE_SIGNALS: 'true', ...env }, profArgs(mode))
  return measure(server, { url: `http://127.0.0.1:${server.port}/hello`, connections: CONNECTIONS })
}

const fmt = (xs: LoadResult[]) => xs.map((x) => `${x.rps.toFixed(0)} req/s ${x.cpu.toFixed(1)} µs`).join('; ')
const best = (xs: LoadResult[]) => Math.max(...xs.map((x) => x.rps))
const med = (xs: LoadResult[], k: 'cpu' | 'mainCpu' | 'p99') => median(xs.map((x) => x[k]))

async function hello(): Promise<string> {
  const plain: LoadResult[] = []
  const inst: LoadResult[] = []
  const instB: LoadResult[] = []
  for (let r = 0; r < ROUNDS; r++) {
    plain.push(await load('plain'))
    inst.push(await load('instrumented'))
    if (SDK_B !== undefined) instB.push(await load('instrumented', { BENCH_SDK: SDK_B }))
  }
  const kept = best(inst) / best(plain)
  const added = med(inst, 'cpu') - med(plain, 'cpu')
  return `
2. Fastify hello world (autocannon, ${CONNECTIONS} connections, ${SECONDS} s, ${ROUNDS} rounds alternating; load generator on the same machine)
   uninstrumented        best ${best(plain).toFixed(0)} req/s; server CPU ${med(plain, 'cpu').toFixed(1)} µs/request (${fmt(plain)})
   instrumented          best ${best(inst).toFixed(0)} req/s; server CPU ${med(inst, 'cpu').toFixed(1)} µs/request, main thread ${med(inst, 'mainCpu').toFixed(1)} (${fmt(inst)})${abLine('instrumented (B)', instB, med(plain, 'cpu'), best(plain))}
                         (1 server span + 1 request record per request, both exported)
   kept                  ${(100 * kept).toFixed(1)} % of req/s   (target ≥ 60 %)   ${kept >= 0.6 ? 'OK' : 'UNDER'}
   added CPU             ${added.toFixed(1)} µs/request, all threads (target ≤ 8 µs)   ${added <= 8 ? 'OK' : 'OVER'}
`
}

// ── 3. the company's order endpoint ──────────────────────────────────────────────────────────
async function order(): Promise<string> {
  const backing = await companyBacking('bench')
  const env = { ...backing.env, BEACON_ENDPOINT: endpoint, BEACON_STDOUT: 'false' }
  const connections = Math.min(CONNECTIONS, 16)
  const once = async (mode: string, sdkEnv: Record<string, string> = {}): Promise<LoadResult> => {
    await backing.purge()
    const server = await startChild(`${here}sdk-order-server.ts`, [mode], { ...env, ...sdkEnv }, profArgs(mode))
    const body = JSON.stringify({ customerId: Number(server.extra), items: [{ sku: 'BOLT-M8', qty: 100 }, { sku: 'GEAR-40', qty: 2 }] })
    return measure(server, { url: `http://127.0.0.1:${server.port}/orders`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections })
  }
  const plain: LoadResult[] = []
  const inst: LoadResult[] = []
  const instB: LoadResult[] = []
  try {
    for (let r = 0; r < ROUNDS; r++) {
      plain.push(await once('plain'))
      inst.push(await once('instrumented'))
      if (SDK_B !== undefined) instB.push(await once('instrumented', { BENCH_SDK: SDK_B }))
    }
  } finally {
    await backing.remove()
  }
  const kept = best(inst) / best(plain)
  const p99 = med(inst, 'p99') - med(plain, 'p99')
  return `
3. the company's order endpoint: CRM POST /orders (PostgreSQL transaction + RabbitMQ publish with confirm; ${connections} connections, ${SECONDS} s, ${ROUNDS} rounds alternating)
   uninstrumented        best ${best(plain).toFixed(0)} req/s; p99 ${med(plain, 'p99').toFixed(1)} ms; server CPU ${med(plain, 'cpu').toFixed(0)} µs/request (${fmt(plain)})
   instrumented          best ${best(inst).toFixed(0)} req/s; p99 ${med(inst, 'p99').toFixed(1)} ms; server CPU ${med(inst, 'cpu').toFixed(0)} µs/request (${fmt(inst)})${abLine('instrumented (B)', instB, med(plain, 'cpu'), best(plain), true)}
                         (server, 4 pg query and 1 publish spans — and a pg-pool.connect span before session 4 — request record, order.created event and the service's own line, exported)
   kept                  ${(100 * kept).toFixed(1)} % of req/s   (target ≥ 95 %)   ${kept >= 0.95 ? 'OK' : 'UNDER'}
   p99 added             ${p99.toFixed(2)} ms   (target ≤ 1 ms)   ${p99 <= 1 ? 'OK' : 'OVER'}
`
}

// Each part is printed as soon as it is done (a later failure keeps the earlier figures).
const logsPart = ONLY === undefined || ONLY === 'logs' ? await logCalls() : ''
process.stdout.write(logsPart)
const httpPart = ONLY === undefined || ONLY === 'http' ? await hello() : ''
process.stdout.write(httpPart)
const orderPart = ONLY === undefined || ONLY === 'order' ? await order() : ''
await stop(sink.proc)

const cpu = cpus()
console.log(`
SDK overhead — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim()}
${logsPart}${httpPart}${orderPart}`)
process.exit(0)
