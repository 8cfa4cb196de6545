/**
 * One throughput phase against a `beacon start` child, for profiles: the child runs with
 * PROFILE_NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`), its peak RSS is printed.
 *
 *   PROFILE_FORMAT=json PROFILE_SECONDS=20 node --import tsx bench/ingest-profile.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnBeacon } from '../packages/server/test/test-utils.ts'
import { load, pool, rssMb, waitDrained, type Format } from './load.ts'

const format = (process.env.PROFILE_FORMAT ?? 'json') as Format
const seconds = Number(process.env.PROFILE_SECONDS ?? 20)
const dir = mkdtempSync(join(tmpdir(), 'beacon-profile-'))
const batches = pool(format, 48)
const child = await spawnBeacon(dir, { BEACON_LOG_LEVEL: 'warn', NODE_OPTIONS: process.env.PROFILE_NODE_OPTIONS ?? '' })
await child.ready
let peak = 0
let at = { anon: 0, file: 0 }
const kb = (text: string, name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) / 1024
const watch = setInterval(() => {
  const rss = rssMb(child.proc.pid!)
  if (rss <= peak) return
  peak = rss
  try { const st = readFileSync(`/proc/${child.proc.pid}/status`, 'utf8'); at = { anon: kb(st, 'RssAnon'), file: kb(st, 'RssFile') } } catch { /* exited */ }
}, 250)
const cpuSeconds = (): number => { const f = readFileSync(`/proc/${child.proc.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100 }
const cpu0 = cpuSeconds()
let i = 0
const t = performance.now()
const phase = await load(format, format === 'es' ? `${child.esUrl}/_bulk` : `${child.otlpUrl}/v1/logs`, format, () => batches[i++ % batches.length], { seconds, concurrency: 4 })
const stored = await waitDrained(child.apiUrl)
const s = (performance.now() - t) / 1000
const cpu = cpuSeconds() - cpu0
clearInterval(watch)
console.log(`${format}: acked ${Math.round(phase.rps)} rec/s, stored ${Math.round(stored / s)} rec/s (${stored} in ${s.toFixed(1)} s), statuses ${JSON.stringify(phase.statuses)}, server CPU ${(cpu * 1e6 / Math.max(1, stored)).toFixed(1)} µs per stored record (all its threads), peak RSS ${Math.round(peak)} MB (anonymous ${Math.round(at.anon)}, file-backed ${Math.round(at.file)})`)
child.proc.kill('SIGTERM')
await new Promise((r) => child.proc.once('exit', r))
rmSync(dir, { recursive: true, force: true })
