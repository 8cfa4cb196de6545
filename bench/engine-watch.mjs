/**
 * Preloaded into a `beacon start` child by bench/ingest-profile.ts (PROFILE_ENGINE=1): once the
 * server answers /api/health (so the store has started the engine with its own arguments), a second
 * connection to the same data directory joins the engine and writes, every second, the engine's
 * memory accounting (system.metrics: MemoryTracking, running merges and statements, cache bytes;
 * active parts of the logs table, the running merges' uncompressed input and memory; the writer's backlog from /api/health) with the
 * process's RSS split as JSON lines to ENGINE_WATCH_OUT.
 */
/* global fetch, setTimeout */
import { appendFileSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const out = process.env.ENGINE_WATCH_OUT
const api = `http://127.0.0.1:${process.env.BEACON_API_PORT}/api/health`
const kb = (text, name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) / 1024
if (out) {
  const start = async () => {
    try { if (!(await fetch(api)).ok) throw new Error() } catch { setTimeout(start, 500).unref(); return }
    const { Session } = createRequire(join(process.cwd(), 'package.json'))('chdb')
    const session = new Session(resolve(process.env.BEACON_DATA_DIR, 'clickhouse'))
    const tick = async () => {
      try {
        const rows = JSON.parse(`[${(await session.queryAsync(`SELECT metric, value FROM system.metrics WHERE metric IN ('MemoryTracking', 'Merge', 'MergesMutationsMemoryTracking', 'Query') OR metric LIKE '%CacheBytes' UNION ALL SELECT 'parts', count() FROM system.parts WHERE active AND table = 'otel_logs' UNION ALL SELECT 'mergeInput', sum(total_size_bytes_uncompressed) FROM system.merges UNION ALL SELECT 'mergeMemory', sum(memory_usage) FROM system.merges`, { format: 'JSONEachRow' })).text().trim().split('\n').join(',')}]`)
        const backlog = await fetch(api).then((r) => r.json()).then((b) => b.ingest?.backlogBytes ?? 0, () => 0)
        const st = readFileSync('/proc/self/status', 'utf8')
        const line = { t: Date.now(), rss: kb(st, 'VmRSS'), anon: kb(st, 'RssAnon'), file: kb(st, 'RssFile'), heap: process.memoryUsage().heapTotal / 1048576, heapUsed: process.memoryUsage().heapUsed / 1048576, external: process.memoryUsage().external / 1048576, backlog: backlog / 1048576 }
        // Counts as they are (merges, running statements — this watcher's own included —, active parts of the logs table); bytes in MB.
        for (const r of rows) line[r.metric] = ['Merge', 'Query', 'parts'].includes(r.metric) ? Number(r.value) : Number(r.value) / 1048576
        appendFileSync(out, `${JSON.stringify(line)}\n`)
      } catch { /* closing */ }
      setTimeout(tick, 1000).unref()
    }
    await tick()
  }
  setTimeout(start, 500).unref()
}
