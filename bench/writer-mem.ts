/**
 * The store writer's memory while the store is behind (the throughput phase's 429 regime): the
 * write-ahead log takes entries as fast as it can fsync them, the writer's backlog climbs to
 * `maxPendingBytes` and stays there (appends wait while it is full, as receivers answer 429), the
 * store drains it. Variants of the writer's in-memory budget (`residentBytes`) take turns in their
 * own child processes (glibc's mmap threshold as the launcher sets it); each prints its peak RSS, its
 * largest Node external memory and its CPU per stored row (all threads).
 *
 *   node --import tsx bench/writer-mem.ts                  # all (everything in memory, as before) / 64 MB (the default) / 32 MB
 *   WRITER_MEM_RECORDS=600000 WRITER_MEM_ROUNDS=2 WRITER_MEM_VARIANTS=all,67108864,0 …
 *   WRITER_MEM_TOGETHER=1 …   # a round's variants run at the same time (they share one load)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { pool } from './load.ts'

const records = Number(process.env.WRITER_MEM_RECORDS ?? 600_000)

async function child(resident: number): Promise<void> {
  const { loadConfig } = await import('../packages/server/src/config/load.ts')
  const { createStore } = await import('../packages/server/src/store/connection.ts')
  const { migrate } = await import('../packages/server/src/store/migrations.ts')
  const { createRowEncoder } = await import('../packages/server/src/store/encode.ts')
  const { decodeLogs } = await import('../packages/server/src/ingest/otlp/decode.ts')
  const { StoreWriter } = await import('../packages/server/src/store/writer.ts')
  const { WriteAheadLog } = await import('../packages/server/src/wal/wal.ts')
  const { encodeEntry } = await import('../packages/server/src/wal/entry.ts')
  const dir = mkdtempSync(join(tmpdir(), 'beacon-writer-mem-'))
  const config = loadConfig({ env: { BEACON_DATA_DIR: dir }, file: '/dev/null' })
  const store = await createStore(config)
  await migrate(store, config)
  const enc = createRowEncoder(config.businessKeys)
  const tsv = pool('json', 48).map((body) => {
    const r = decodeLogs('json', Buffer.from(body), { limits: config.limits })
    if (!r.ok) throw new Error(r.message)
    return { n: r.records.length, rows: Buffer.from(enc.logsBytes(r.records)) }
  })
  const wal = await WriteAheadLog.open({ dir: join(dir, 'wal'), fsync: true })
  const writer = new StoreWriter(wal, store, pino({ level: 'silent' }), { ...config.ingest, residentBytes: resident })
  let peak = 0
  let externalPeak = 0
  const watch = setInterval(() => {
    const m = process.memoryUsage()
    peak = Math.max(peak, m.rss)
    externalPeak = Math.max(externalPeak, m.external)
  }, 100)
  const cpu0 = process.cpuUsage()
  const t = performance.now()
  let sent = 0
  let i = 0
  // Four appenders, as the bench's four requests in flight; each entry a fresh Buffer, as a request's.
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (sent < records) {
      if (writer.backlogBytes > config.ingest.maxPendingBytes) { await new Promise((r) => setTimeout(r, 50)); continue }
      const b = tsv[i++ % tsv.length]
      sent += b.n
      writer.enqueue(await wal.append(encodeEntry(`b${i}`, b.n, 0, b.rows, '')))
    }
  }))
  await writer.stop()
  const s = (performance.now() - t) / 1000
  const cpu = process.cpuUsage(cpu0)
  clearInterval(watch)
  const stored = writer.status().storedRows
  console.log(JSON.stringify({ rss: peak / 2 ** 20, external: externalPeak / 2 ** 20, rate: stored / s, us: (cpu.user + cpu.system) / stored }))
  await wal.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}

async function run(variant: string): Promise<{ rss: number; external: number; rate: number; us: number }> {
  const me = fileURLToPath(import.meta.url)
  const proc = spawn(process.execPath, ['--import', 'tsx', me], { env: { ...process.env, WRITER_MEM_CHILD: variant === 'all' ? String(Number.MAX_SAFE_INTEGER) : variant, MALLOC_MMAP_THRESHOLD_: '131072' }, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => { out += d.toString() })
  await new Promise((r) => proc.once('exit', r))
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

if (process.env.WRITER_MEM_CHILD) {
  await child(Number(process.env.WRITER_MEM_CHILD))
} else {
  const variants = (process.env.WRITER_MEM_VARIANTS ?? `all,${64 * 2 ** 20},${32 * 2 ** 20}`).split(',')
  const rounds = Number(process.env.WRITER_MEM_ROUNDS ?? 2)
  const results = new Map<string, Awaited<ReturnType<typeof run>>[]>()
  const show = (r: Awaited<ReturnType<typeof run>>) => `peak RSS ${Math.round(r.rss)} MB, external ${Math.round(r.external)} MB, stored ${Math.round(r.rate)} rows/s, CPU ${r.us.toFixed(1)} µs per row`
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? variants : [...variants].reverse()
    const done = process.env.WRITER_MEM_TOGETHER === '1'
      ? await Promise.all(order.map(async (v) => [v, await run(v)] as const))
      : await order.reduce<Promise<(readonly [string, Awaited<ReturnType<typeof run>>])[]>>(async (acc, v) => [...await acc, [v, await run(v)] as const], Promise.resolve([]))
    for (const [v, r] of done) {
      results.set(v, [...(results.get(v) ?? []), r])
      console.log(`round ${round} ${v.padEnd(9)} ${show(r)}`)
    }
  }
  const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
  console.log(`\n${records} records per run, medians:`)
  for (const [v, rs] of results) console.log(`  ${v.padEnd(9)} ${show({ rss: med(rs.map((r) => r.rss)), external: med(rs.map((r) => r.external)), rate: med(rs.map((r) => r.rate)), us: med(rs.map((r) => r.us)) })}`)
}
