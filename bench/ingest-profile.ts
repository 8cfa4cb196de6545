/**
 * One ingest phase against a `beacon start` child, for profiles: the child runs with
 * PROFILE_NODE_OPTIONS (flags allowed in NODE_OPTIONS, e.g. `--max-semi-space-size=32` or
 * `--import /path/to/preload.mjs`; Node 20 refuses `--cpu-prof` there, so a profile needs a preload
 * that starts `node:inspector`'s Profiler and writes it at exit) and PROFILE_ENV (extra
 * environment, `NAME=value` pairs separated by spaces, e.g. `JE_MALLOC_CONF=dirty_decay_ms:0`);
 * its peak RSS is printed with the split at the peak: anonymous / file-backed / shared memory
 * (/proc/<pid>/status), the file-backed pages of libchdb.so, and the private vs shared pages
 * (/proc/<pid>/smaps_rollup).
 *
 *   PROFILE_FORMAT=json PROFILE_SECONDS=20 node --import tsx bench/ingest-profile.ts
 *   PROFILE_RECORDS=1000000 node --import tsx bench/ingest-profile.ts   # the bench's fill: fresh records, generated while sending
 *   PROFILE_ENGINE=1 …   # also the engine's MemoryTracking, merges and cache bytes each second (bench/engine-watch.mjs)
 *   PROFILE_WATCH_COPY=/tmp/a.jsonl …   # keeps that per-second timeline (JSON lines) for a closer look
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnBeacon } from '../packages/server/test/test-utils.ts'
import { encodeBatch, genBatch, load, pool, rssMb, waitDrained, type Format } from './load.ts'

const records = Number(process.env.PROFILE_RECORDS ?? 0)
const format = (records ? 'json' : process.env.PROFILE_FORMAT ?? 'json') as Format
const seconds = Number(process.env.PROFILE_SECONDS ?? 20)
const env = Object.fromEntries((process.env.PROFILE_ENV ?? '').split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
const dir = mkdtempSync(join(tmpdir(), 'beacon-profile-'))
const batches = records ? [] : pool(format, 48)
// PROFILE_ENGINE=1: the child also records the engine's own accounting each second (bench/engine-watch.mjs).
const watchOut = process.env.PROFILE_ENGINE === '1' ? join(dir, 'engine-watch.jsonl') : ''
const nodeOptions = `${process.env.PROFILE_NODE_OPTIONS ?? ''}${watchOut ? ` --import ${join(import.meta.dirname, 'engine-watch.mjs')}` : ''}`
const child = await spawnBeacon(dir, { BEACON_LOG_LEVEL: 'warn', NODE_OPTIONS: nodeOptions, ENGINE_WATCH_OUT: watchOut, ...env })
await child.ready
const pid = child.proc.pid!
const kb = (text: string, name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) / 1024
/** The file-backed resident pages of libchdb.so (its mappings in /proc/<pid>/smaps). */
const libRss = (): number => {
  let mb = 0
  let inLib = false
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inLib = line.endsWith('libchdb.so')
    else if (inLib && line.startsWith('Rss:')) mb += kb(line, 'Rss')
  }
  return mb
}
let peak = 0
let at = ''
let lastSplit = 0
const watch = setInterval(() => {
  const rss = rssMb(pid)
  if (rss <= peak) return
  peak = rss
  if (rss < lastSplit + 16) return // smaps is not free: the split again only when the peak moved
  lastSplit = rss
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'utf8')
    const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    const m = (n: number) => Math.round(n)
    at = `anonymous ${m(kb(st, 'RssAnon'))}, file-backed ${m(kb(st, 'RssFile'))} (libchdb.so ${m(libRss())}), shmem ${m(kb(st, 'RssShmem'))}; ` +
      `private ${m(kb(roll, 'Private_Clean') + kb(roll, 'Private_Dirty'))}, shared ${m(kb(roll, 'Shared_Clean') + kb(roll, 'Shared_Dirty'))}, Pss ${m(kb(roll, 'Pss'))}`
  } catch { /* exited */ }
}, 250)
const cpuSeconds = (): number => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100 }
const cpu0 = cpuSeconds()
let i = 0
const t = performance.now()
const phase = records
  ? await load('fill (OTLP JSON)', `${child.otlpUrl}/v1/logs`, 'json', () => encodeBatch('json', genBatch()), { seconds: 36_000, concurrency: 4, maxRecords: records })
  : await load(format, format === 'es' ? `${child.esUrl}/_bulk` : `${child.otlpUrl}/v1/logs`, format, () => batches[i++ % batches.length], { seconds, concurrency: 4 })
const stored = await waitDrained(child.apiUrl)
const s = (performance.now() - t) / 1000
const cpu = cpuSeconds() - cpu0
clearInterval(watch)
console.log(`${records ? 'fill' : format}${Object.keys(env).length ? ` ${JSON.stringify(env)}` : ''}: acked ${Math.round(phase.rps)} rec/s, stored ${Math.round(stored / s)} rec/s (${stored} in ${s.toFixed(1)} s), statuses ${JSON.stringify(phase.statuses)}, server CPU ${(cpu * 1e6 / Math.max(1, stored)).toFixed(1)} µs per stored record (all its threads), peak RSS ${Math.round(peak)} MB (at the peak: ${at})`)
if (watchOut) {
  // Each figure's own maximum over the run, and every figure in the second the process was largest.
  const lines = readFileSync(watchOut, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>)
  const max: Record<string, number> = {}
  for (const l of lines) for (const [k, v] of Object.entries(l)) if (k !== 't') max[k] = Math.max(max[k] ?? 0, v)
  const top = lines.reduce((a, b) => (b.rss > a.rss ? b : a), lines[0])
  const show = (o: Record<string, number>) => Object.entries(o).filter(([k, v]) => k !== 't' && v > 0).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')
  console.log(`  engine, each figure's maximum (MB; Merge: count): ${show(max)}`)
  console.log(`  engine, at the largest RSS second: ${show(top)}`)
  if (process.env.PROFILE_WATCH_COPY) copyFileSync(watchOut, process.env.PROFILE_WATCH_COPY)
}
child.proc.kill('SIGTERM')
await new Promise((r) => child.proc.once('exit', r))
rmSync(dir, { recursive: true, force: true })
