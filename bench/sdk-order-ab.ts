/**
 * The company's order endpoint (bench/sdk-order-server.ts) at a FIXED request rate, variants
 * alternating: server CPU per request (all threads and main thread, from /proc), p50/p99.
 *
 * Why a fixed rate: flat out on a loaded machine, req/s follows the other processes' load and the CPU
 * per request follows req/s (fewer requests per event-loop turn, more wake-ups and syscalls each): the
 * same plain server measured 580–1,400 µs per request in one run. At a rate every variant sustains,
 * each does the same requests per second and its CPU per request is comparable (±5 % between rounds).
 * The variants' order rotates every round: in `bench:sdk`'s fixed order the third run (B) was ≈ 25 %
 * worse whichever SDK ran there.
 *
 *   node --import tsx bench/sdk-order-ab.ts [--rate=150] [--seconds=8] [--rounds=4] [--connections=16] VARIANT…
 *   VARIANT = name:mode[:ENV=value…]   mode: plain | instrumented | no-export; ENV e.g. BENCH_SDK=/path/to/sdk/src/index.ts
 *   PROF=<dir> as an ENV writes V8 CPU profiles of that variant's server.
 * e.g. node --import tsx bench/sdk-order-ab.ts plain:plain main:instrumented:BENCH_SDK=/work/main/packages/sdk/src/index.ts new:instrumented
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { startChild, stop } from './children.ts'
import { companyBacking } from './company-backing.ts'

const here = fileURLToPath(new URL('.', import.meta.url))
const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const SECONDS = arg('seconds', 8)
const ROUNDS = arg('rounds', 4)
const CONNECTIONS = arg('connections', 16)
const RATE = arg('rate', 150)
const variants = process.argv.slice(2).filter((a) => !a.startsWith('--')).map((s) => {
  const [name, mode, ...envs] = s.split(':')
  return { name, mode, env: Object.fromEntries(envs.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])) as Record<string, string> }
})
if (variants.length === 0) throw new Error('give at least one variant: name:mode[:ENV=value…]')


/** CPU time of a process (all threads) and of its main thread, µs (from /proc; 10 ms resolution). */
function procCpu(pid: number): { all: number; main: number } {
  const ticks = (file: string) => { const f = readFileSync(file, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 1e4 }
  return { all: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) }
}

const sink = await startChild(`${here}sdk-sink.ts`, [], {})
const backing = await companyBacking('ab')
const baseEnv = { ...backing.env, BEACON_ENDPOINT: `http://127.0.0.1:${sink.port}`, BEACON_STDOUT: 'false' }

interface Result { rps: number; p50: number; p99: number; cpu: number; main: number }
const results = new Map<string, Result[]>(variants.map((v) => [v.name, []]))

async function once(v: typeof variants[number], round: number): Promise<void> {
  await backing.purge()
  const prof = v.env.PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${v.env.PROF}`]
  const server = await startChild(`${here}sdk-order-server.ts`, [v.mode], { ...baseEnv, ...v.env }, prof)
  const body = JSON.stringify({ customerId: Number(server.extra), items: [{ sku: 'BOLT-M8', qty: 100 }, { sku: 'GEAR-40', qty: 2 }] })
  const opts = { url: `http://127.0.0.1:${server.port}/orders`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS, overallRate: RATE }
  await autocannon({ ...opts, duration: 3 }) // warm-up: JIT, lazy loading, pools
  const c0 = procCpu(server.proc.pid!)
  const r = await autocannon({ ...opts, duration: SECONDS })
  await new Promise((res) => setTimeout(res, 1500)) // let the last export batch go (its CPU counts)
  const c1 = procCpu(server.proc.pid!)
  await stop(server.proc)
  const n = Math.max(1, r.requests.total)
  const x = { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpu: (c1.all - c0.all) / n, main: (c1.main - c0.main) / n }
  results.get(v.name)!.push(x)
  console.log(`round ${round} ${v.name.padEnd(12)} ${x.rps.toFixed(0)} req/s  p50 ${x.p50} p99 ${x.p99} ms  CPU ${x.cpu.toFixed(0)} µs/request, main thread ${x.main.toFixed(0)}  (${r.non2xx} non-2xx, ${r.errors} errors; load ${loadavg()[0].toFixed(1)})`)
}

try {
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < variants.length; i++) await once(variants[(i + round) % variants.length], round)
  }
} finally {
  await backing.remove()
  await stop(sink.proc)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log(`\norder endpoint at ${RATE} req/s, ${CONNECTIONS} connections, ${SECONDS} s × ${ROUNDS} rounds (order rotating); medians`)
for (const [name, xs] of results) {
  console.log(`  ${name.padEnd(12)} CPU ${median(xs.map((x) => x.cpu)).toFixed(0)} µs/request (min ${Math.min(...xs.map((x) => x.cpu)).toFixed(0)}), main thread ${median(xs.map((x) => x.main)).toFixed(0)}; p50 ${median(xs.map((x) => x.p50))} ms, p99 ${median(xs.map((x) => x.p99))} ms; ${median(xs.map((x) => x.rps)).toFixed(0)} req/s`)
}
process.exit(0)
