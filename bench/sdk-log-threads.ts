/**
 * Where the SDK logger's CPU goes, per thread (prints figures; not a test): the log call paced at
 * 5,000 lines/s (as `bench/sdk-overhead.ts`'s paced run) with export to bench/sdk-sink.ts, CPU per
 * line of the service's (main) thread and of every other thread (the export worker, GC helpers,
 * tsx's loader threads), from /proc/self/task/<tid>/stat (10 ms ticks: ±0.25 µs per line at
 * 40,000 lines). Plain pino and the SDK logger in the same process, twice each, interleaved. Each copy of the SDK
 * runs in its own child process; copies alternate, `--rounds` times. Linux only.
 *
 *   node --import tsx bench/sdk-log-threads.ts [--a=<copy's src dir>] [--b=<other copy's src dir>] [--rounds=3] [--lines=40000]
 */
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'

const here = fileURLToPath(new URL('.', import.meta.url))
const opt = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const LINES = Number(opt('lines') ?? 40_000)

if (process.env.SDK_LOG_THREADS_CHILD !== undefined) {
  await child(process.env.SDK_LOG_THREADS_CHILD)
  process.exit(0)
}

const dirs: [string, string][] = [['A', resolve(opt('a') ?? resolve(here, '../packages/sdk/src'))]]
if (opt('b') !== undefined) dirs.push(['B', resolve(opt('b')!)])
const rows = new Map<string, { main: number[]; other: number[]; all: number[] }>(dirs.map(([k]) => [k, { main: [], other: [], all: [] }]))
for (let r = 0; r < Number(opt('rounds') ?? 3); r++) {
  for (const [k, dir] of dirs) {
    const out = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `--lines=${LINES}`], {
      env: { ...process.env, SDK_LOG_THREADS_CHILD: `${dir}/index.ts` }, encoding: 'utf8', timeout: 300_000,
    })
    const m = /RESULT (\S+) (\S+) (\S+)/.exec(out.stdout)
    if (!m) throw new Error(`${k}: ${out.stdout}${out.stderr}`)
    const row = rows.get(k)!
    row.main.push(Number(m[1])); row.other.push(Number(m[2])); row.all.push(Number(m[3]))
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const show = (xs: number[]) => `${median(xs).toFixed(2)} [${xs.map((x) => x.toFixed(2)).join(' ')}]`
console.log(`SDK logger above plain pino, CPU µs per line at 5,000 lines/s (${LINES} lines), median [rounds]`)
for (const [k, dir] of dirs) {
  const v = rows.get(k)!
  console.log(`  ${k} ${dir}\n     service thread ${show(v.main)}\n     other threads  ${show(v.other)}\n     all threads    ${show(v.all)}`)
}

/** One measurement: plain pino, then the SDK logger, paced; prints `RESULT main other all` (SDK minus plain). */
async function child(sdkPath: string): Promise<void> {
  const sink = spawn(process.execPath, ['--import', 'tsx', `${here}sdk-sink.ts`], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((r) => sink.stdout!.on('data', (d: Buffer) => { const m = /READY (\d+)/.exec(d.toString()); if (m) r(Number(m[1])) }))
  process.env.BEACON_ENDPOINT = `http://127.0.0.1:${port}`
  process.env.BEACON_HANDLE_SIGNALS = 'false'
  const { init, createLogger } = await import(sdkPath) as typeof import('@beacon/sdk')
  const beacon = init({ service: 'bench-logger' })
  const sdkLogger = createLogger({ destination: pino.destination({ dest: '/dev/null', sync: true }) })
  const plain = pino({ base: { service: 'bench-logger' } }, pino.destination({ dest: '/dev/null', sync: true }))
  /** Ticks of each thread: [main, all others]. */
  const ticks = (): [number, number] => {
    let main = 0
    let other = 0
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const t = Number(f[11]) + Number(f[12]) // utime + stime
        if (Number(tid) === process.pid) main += t
        else other += t
      } catch { /* the thread ended */ }
    }
    return [main, other]
  }
  const paced = async (log: { info(o: object, m: string): void }, n: number): Promise<void> => {
    const perSecond = 5000
    const slice = perSecond / 100
    const t0 = performance.now()
    for (let i = 0; i < n; i += slice) {
      for (let j = 0; j < slice; j++) log.info({ 'order.id': 'ORD-1', step: j, ok: true }, 'order step done')
      const wait = t0 + ((i + slice) / perSecond) * 1000 - performance.now()
      await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)))
    }
  }
  await paced(plain, 5000)
  await paced(sdkLogger, 10_000)
  await beacon.flush()
  const perLine = (t: number) => (t * 1e6) / 100 / LINES // ticks are 10 ms
  const run = async (log: typeof plain): Promise<[number, number]> => {
    const [m0, o0] = ticks()
    await paced(log, LINES)
    await beacon.flush(30_000)
    const [m1, o1] = ticks()
    return [perLine(m1 - m0), perLine(o1 - o0)]
  }
  // Twice each, interleaved: background threads (V8's compiler, GC helpers) are busier early on.
  let pm = 0, po = 0, sm = 0, so = 0
  for (let i = 0; i < 2; i++) {
    const [a, b] = await run(plain)
    const [c, d] = await run(sdkLogger as typeof plain)
    pm += a / 2; po += b / 2; sm += c / 2; so += d / 2
  }
  if (beacon.stats().logs.dropped > 0) process.stderr.write(`dropped ${beacon.stats().logs.dropped}\n`)
  await beacon.shutdown()
  sink.kill('SIGTERM')
  console.log(`RESULT ${(sm - pm).toFixed(2)} ${(so - po).toFixed(2)} ${(sm + so - pm - po).toFixed(2)}`)
}
