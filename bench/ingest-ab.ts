/**
 * Ingest A/B on a loaded machine: variants of `beacon start` (Node flags, or another checkout of the
 * repository) take turns running the same throughput phase (bench/load.ts: pre-encoded 1,000-record
 * batches, 4 in flight, durable acks), each on a fresh data directory, started through the
 * checkout's launcher (packages/server/bin/beacon, as `npm start`: its malloc setting included) when it
 * has one. Per run: acked and stored rec/s, CPU per stored record of the server's main thread and of
 * all its threads, the main thread's GC pauses (bench/gc-meter.mjs) as a share of its CPU, and the
 * server's peak RSS (every 250 ms). CPU per record is the steadier figure.
 *
 *   node --import tsx bench/ingest-ab.ts base= ss32=--max-semi-space-size=32 [old@/path/to/checkout=]
 *   AB_FORMAT=json|protobuf|es AB_SECONDS=12 AB_ROUNDS=3
 *
 * A variant is `name[@root]=node flags`; `root` is a checkout with its node_modules (default: this one).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../packages/server/src/testing.ts'
import { load, pool, rssMb, waitDrained, type Format } from './load.ts'

const format = (process.env.AB_FORMAT ?? 'json') as Format
const seconds = Number(process.env.AB_SECONDS ?? 12)
const rounds = Number(process.env.AB_ROUNDS ?? 3)
const here = fileURLToPath(new URL('../', import.meta.url))
const meter = fileURLToPath(new URL('./gc-meter.mjs', import.meta.url))
const variants = process.argv.slice(2).map((arg) => {
  const eq = arg.indexOf('=')
  const [name, root] = (eq < 0 ? arg : arg.slice(0, eq)).split('@')
  return { name, root: root ?? here, flags: eq < 0 ? '' : arg.slice(eq + 1) }
})
if (variants.length === 0) throw new Error('usage: ingest-ab.ts name[@root]=flags ...')
const batches = pool(format, 48)

interface Gc { gcMs: number; minor: number; other: number }

/** utime + stime of a thread or process, seconds. */
const cpu = (path: string): number => { const f = readFileSync(path, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100 }

async function run(v: (typeof variants)[number]) {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-ab-'))
  const gcFile = join(dir, 'gc.json')
  const [api, otlp, es] = await Promise.all([freePort(), freePort(), freePort()])
  const launcher = join(v.root, 'packages/server/bin/beacon')
  const [cmd, args] = existsSync(launcher) ? ['sh', [launcher, 'start']] : [process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'start']]
  const proc = spawn(cmd, args, {
    cwd: v.root,
    env: { ...process.env, NODE_OPTIONS: `${v.flags} --import ${meter}`.trim(), GC_METER_FILE: gcFile, BEACON_LOG_LEVEL: 'warn', BEACON_DATA_DIR: join(dir, 'data'), BEACON_API_PORT: String(api), BEACON_OTLP_PORT: String(otlp), BEACON_ES_PORT: String(es), BEACON_HOST: '127.0.0.1', BEACON_OTLP_GRPC_PORT: '0', BEACON_SYSLOG_PORT: '0', BEACON_SYSLOG_TLS_PORT: '0', BEACON_FORWARD_PORT: '0', BEACON_AUTH: 'off', BEACON_CONFIG: '/dev/null' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('Beacon is ready')) resolve() })
    proc.stderr.on('data', (d: Buffer) => { out += d.toString() })
    proc.once('exit', (code) => reject(new Error(`beacon exited with ${code}:\n${out}`)))
  })
  const pid = proc.pid!
  const gc = (): Gc => { try { return JSON.parse(readFileSync(gcFile, 'utf8')) as Gc } catch { return { gcMs: 0, minor: 0, other: 0 } } }
  const all0 = cpu(`/proc/${pid}/stat`), main0 = cpu(`/proc/${pid}/task/${pid}/stat`), gc0 = gc()
  let peak = 0
  const watch = setInterval(() => { peak = Math.max(peak, rssMb(pid)) }, 250)
  let i = 0
  const t = performance.now()
  const url = format === 'es' ? `http://127.0.0.1:${es}/_bulk` : `http://127.0.0.1:${otlp}/v1/logs`
  const phase = await load(v.name, url, format, () => batches[i++ % batches.length], { seconds, concurrency: 4 })
  const stored = await waitDrained(`http://127.0.0.1:${api}`)
  const s = (performance.now() - t) / 1000
  await new Promise((r) => setTimeout(r, 600))
  clearInterval(watch)
  const all = cpu(`/proc/${pid}/stat`) - all0, main = cpu(`/proc/${pid}/task/${pid}/stat`) - main0, gc1 = gc(), gcMs = gc1.gcMs - gc0.gcMs
  proc.kill('SIGTERM')
  await new Promise((r) => proc.once('exit', r))
  rmSync(dir, { recursive: true, force: true })
  const n = Math.max(1, stored)
  return { acked: phase.rps, stored: stored / s, mainUs: main * 1e6 / n, allUs: all * 1e6 / n, gcShare: gcMs / 1000 / Math.max(1e-9, main), gcUs: gcMs * 1000 / n, minorPer1k: (gc1.minor - gc0.minor) * 1000 / n, otherPer1k: (gc1.other - gc0.other) * 1000 / n, failed: phase.failed, rss: peak }
}

const results = new Map<string, Awaited<ReturnType<typeof run>>[]>()
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const res = await run(v)
    results.set(v.name, [...(results.get(v.name) ?? []), res])
    console.log(`  round ${r + 1} ${v.name.padEnd(10)} acked ${Math.round(res.acked)} stored ${Math.round(res.stored)} rec/s; main thread ${res.mainUs.toFixed(1)} µs/rec (GC pauses ${res.gcUs.toFixed(1)} µs wall, ${(res.gcShare * 100).toFixed(1)} %; per 1,000 rec ${res.minorPer1k.toFixed(2)} scavenges, ${res.otherPer1k.toFixed(2)} other); all threads ${res.allUs.toFixed(1)} µs/rec; non-200 ${res.failed}; peak RSS ${Math.round(res.rss)} MB`)
  }
}
const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
console.log(`\n${format}, ${seconds} s per run, ${rounds} rounds, medians:`)
for (const [name, rs] of results) {
  console.log(`  ${name.padEnd(10)} acked ${Math.round(med(rs.map((x) => x.acked)))} / stored ${Math.round(med(rs.map((x) => x.stored)))} rec/s; main ${med(rs.map((x) => x.mainUs)).toFixed(1)} µs/rec, GC ${med(rs.map((x) => x.gcUs)).toFixed(1)} µs/rec (${(med(rs.map((x) => x.gcShare)) * 100).toFixed(1)} % of main), ${med(rs.map((x) => x.minorPer1k)).toFixed(2)} scavenges + ${med(rs.map((x) => x.otherPer1k)).toFixed(2)} other GCs per 1,000 rec, all threads ${med(rs.map((x) => x.allUs)).toFixed(1)} µs/rec, non-200 ${rs.reduce((n, x) => n + x.failed, 0)} in all, peak RSS ${Math.round(med(rs.map((x) => x.rss)))} MB`)
}
