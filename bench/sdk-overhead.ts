/**
 * SDK overhead benchmark (prints figures; not a test).
 *
 *   1. per log call: the SDK logger (redaction, trace context, OpenTelemetry record, batch export
 *      over OTLP/HTTP to a sink process) vs plain pino, both writing JSON lines to /dev/null.
 *      Target: ≤ 2 µs above plain pino.
 *   2. Fastify hello-world requests/s: instrumented (SDK + request logging, exporting to the sink)
 *      vs uninstrumented. Target: ≥ 90 %.
 *
 *   node --import tsx bench/sdk-overhead.ts [--calls=200000] [--seconds=15] [--connections=50] [--only=logs|http]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { pino } from 'pino'

const here = fileURLToPath(new URL('.', import.meta.url))
const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const CALLS = arg('calls', 200_000)
const SECONDS = arg('seconds', 15)
const CONNECTIONS = arg('connections', 50)
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1]

function startChild(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; port: number; out: () => string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    let ready = false
    proc.stdout!.on('data', (d: Buffer) => {
      const s = d.toString()
      // Only the first lines matter (READY, SINK); the instrumented server's JSON log lines are dropped.
      if (out.length < 10_000) out += s
      const m = /READY (\d+)/.exec(out)
      if (m && !ready) { ready = true; resolve({ proc, port: Number(m[1]), out: () => out }) }
    })
    proc.once('exit', (code) => { if (!ready) reject(new Error(`${file} exited ${code}`)) })
  })
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((r) => { proc.once('exit', () => r()); proc.kill('SIGTERM') })
}

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

async function logCalls(): Promise<string> {
  const { init, createLogger } = await import('@beacon/sdk')
  const beacon = init({ service: 'bench-logger' })
  const plain = pino({ base: { service: 'bench-logger' } }, pino.destination({ dest: '/dev/null', sync: true }))
  const sdkLogger = createLogger({ destination: pino.destination({ dest: '/dev/null', sync: true }) })
  await perCall(plain, 20_000)
  await perCall(sdkLogger, 20_000)
  await beacon.flush()
  const runs: { plain: number; sdk: number; plainCpu: number; sdkCpu: number }[] = []
  for (let r = 0; r < 3; r++) {
    let c0 = cpuUs()
    const p = await perCall(plain, CALLS)
    const plainCpu = (cpuUs() - c0) / CALLS
    c0 = cpuUs()
    const s = await perCall(sdkLogger, CALLS)
    await beacon.flush(30_000) // the export's CPU (worker thread) is counted in sdkCpu
    const sdkCpu = (cpuUs() - c0) / CALLS
    runs.push({ plain: p, sdk: s, plainCpu, sdkCpu })
  }
  const plainUs = median(runs.map((r) => r.plain))
  const sdkUs = median(runs.map((r) => r.sdk))
  const plainCpu = median(runs.map((r) => r.plainCpu))
  const sdkCpu = median(runs.map((r) => r.sdkCpu))
  const stats = beacon.stats()
  await beacon.shutdown()
  return `
1. per log call (${CALLS} calls × 3 runs, median; JSON to /dev/null; SDK also exports every record to the sink)
   plain pino            ${plainUs.toFixed(2)} µs/call   (CPU, all threads: ${plainCpu.toFixed(2)} µs)
   @beacon/sdk logger    ${sdkUs.toFixed(2)} µs/call   (CPU, all threads, export included: ${sdkCpu.toFixed(2)} µs)
   overhead              ${(sdkUs - plainUs).toFixed(2)} µs/call   (target ≤ 2 µs)   ${sdkUs - plainUs <= 2 ? 'OK' : 'OVER'}
   overhead in CPU       ${(sdkCpu - plainCpu).toFixed(2)} µs/call   (includes the export worker's work on the other core)
   logs exported ${stats.logs.exported}, failed ${stats.logs.failed}, dropped ${stats.logs.dropped}
`
}

// ── 2. Fastify hello world ────────────────────────────────────────────────────────────────────
async function load(mode: string, env: Record<string, string> = {}): Promise<number> {
  const server = await startChild(`${here}sdk-fastify-server.ts`, [mode], { BEACON_ENDPOINT: endpoint, BEACON_STDOUT: 'true', BEACON_HANDLE_SIGNALS: 'true', ...env })
  const url = `http://127.0.0.1:${server.port}/hello`
  await autocannon({ url, connections: CONNECTIONS, duration: 5 }) // warm-up: JIT, lazy loading
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS })
  await stop(server.proc)
  return r.requests.average
}

async function hello(): Promise<string> {
  const plainRps: number[] = []
  const instRps: number[] = []
  const sampledRps: number[] = []
  for (let r = 0; r < 2; r++) {
    plainRps.push(await load('plain'))
    instRps.push(await load('instrumented'))
    sampledRps.push(await load('instrumented', { BEACON_TRACE_SAMPLE_RATIO: '0.1' }))
  }
  const rpsPlain = Math.max(...plainRps)
  const rpsInst = Math.max(...instRps)
  return `
2. Fastify hello world (autocannon, ${CONNECTIONS} connections, ${SECONDS} s, best of 2, interleaved; load generator on the same machine)
   uninstrumented        ${rpsPlain.toFixed(0)} req/s   (${plainRps.map((x) => x.toFixed(0)).join(', ')})
   instrumented          ${rpsInst.toFixed(0)} req/s   (${instRps.map((x) => x.toFixed(0)).join(', ')}; 1 server span + 1 request record per request, exported)
   kept                  ${(100 * rpsInst / rpsPlain).toFixed(1)} %   (target ≥ 90 %)   ${rpsInst / rpsPlain >= 0.9 ? 'OK' : 'UNDER'}
   instrumented, 10 % of traces sampled (BEACON_TRACE_SAMPLE_RATIO=0.1; every request record still exported)
                         ${Math.max(...sampledRps).toFixed(0)} req/s   kept ${(100 * Math.max(...sampledRps) / rpsPlain).toFixed(1)} %
`
}

const logsPart = ONLY === undefined || ONLY === 'logs' ? await logCalls() : ''
const httpPart = ONLY === undefined || ONLY === 'http' ? await hello() : ''
await stop(sink.proc)

const cpu = cpus()
console.log(`
SDK overhead — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim()}
${logsPart}${httpPart}`)
process.exit(0)
