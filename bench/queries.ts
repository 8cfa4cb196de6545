import pino from 'pino'
import { loadConfig } from '../packages/server/src/config/load.ts'
import { createBeacon, type Beacon } from '../packages/server/src/app.ts'
import { securityExtensions } from '../packages/server/src/security-wiring.ts'
import type { Store } from '../packages/server/src/store/connection.ts'
import { freePort } from '../packages/server/src/testing.ts'

/**
 * The query phase: Beacon started in this process on the filled data directory (same code as
 * `beacon start`: security extensions, auth off on loopback), so every SQL statement an API call
 * runs is recorded. For each query figure the API is timed end to end over HTTP, then the
 * recorded statements are run straight on the same engine (the floor: no HTTP, auth, audit or
 * JSON shaping); the ratio is Beacon's overhead (goal ≤ 1.3×).
 *
 * The engine's query condition cache remembers which granules matched a statement's condition, so a
 * statement replayed right after the API ran it skips work the API's run did (a trace by id: ×0.75–0.83
 * CPU). The cache is therefore emptied before each API call and again before its replay: both start
 * from the same state. The replay with the cache as the API call left it is printed too ("warm"),
 * the floor of the runs before session 8.
 */
interface Recorded { sql: string; params?: Record<string, unknown>; start: number; end: number }

export interface QueryFigure { name: string; goal: string; p50: number; p95: number; floorP50: number; ratio: number; warmFloorP50: number }

export interface QueryBench {
  beacon: Beacon
  store: Store
  apiUrl: string
  measure(name: string, goal: string, paths: string[], runs?: number): Promise<QueryFigure>
  api(path: string): Promise<any>
  close(): Promise<void>
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

export async function startQueryBench(dataDir: string, env: Record<string, string> = {}): Promise<QueryBench> {
  const port = await freePort()
  const config = loadConfig({ env: { BEACON_DATA_DIR: dataDir, BEACON_API_PORT: String(port), BEACON_OTLP_PORT: '0', BEACON_ES_PORT: '0', BEACON_HOST: '127.0.0.1', BEACON_AUTH: 'off', ...env }, file: '/dev/null' })
  const log = pino({ level: 'warn' })
  const ext = await securityExtensions(config, log)
  let store: Store | null = null
  let recording: Recorded[] | null = null
  const init = ext.init
  ext.init = async (s) => {
    store = s
    const query = s.query.bind(s)
    s.query = (async (sql: string, params?: Record<string, unknown>) => {
      const rec: Recorded = { sql, params, start: performance.now(), end: 0 }
      try { return await query(sql, params) } finally { rec.end = performance.now(); recording?.push(rec) }
    }) as Store['query']
    if (init) await init(s)
  }
  const beacon = await createBeacon(config, log, ext)
  const apiUrl = `http://127.0.0.1:${port}`
  const api = async (path: string) => {
    const res = await fetch(apiUrl + path)
    const body = await res.json()
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`)
    return body
  }

  /** Empties the engine's query condition cache (see the top of this file). */
  const dropConditionCache = (): Promise<void> => store!.command('SYSTEM DROP QUERY CONDITION CACHE')

  /** Replays recorded statements as the API ran them: overlapping ones together. */
  const replay = async (recs: Recorded[]): Promise<number> => {
    const groups: Recorded[][] = []
    for (const r of recs.sort((a, b) => a.start - b.start)) {
      const g = groups[groups.length - 1]
      if (g && r.start < Math.max(...g.map((x) => x.end))) g.push(r)
      else groups.push([r])
    }
    const t = performance.now()
    for (const g of groups) await Promise.all(g.map((r) => store!.query(r.sql, r.params)))
    return performance.now() - t
  }

  return {
    beacon,
    get store() { return store! },
    apiUrl,
    api,
    async measure(name, goal, paths, runs = 20) {
      const ms: number[] = []
      const floor: number[] = []
      const warmFloor: number[] = []
      for (let i = 0; i < runs; i++) {
        await dropConditionCache()
        recording = []
        const t = performance.now()
        await api(paths[i % paths.length])
        ms.push(performance.now() - t)
        const recs = recording
        recording = null
        warmFloor.push(await replay(recs))
        await dropConditionCache()
        floor.push(await replay(recs))
      }
      const f: QueryFigure = { name, goal, p50: pct(ms, 50), p95: pct(ms, 95), floorP50: pct(floor, 50), ratio: pct(ms, 50) / pct(floor, 50), warmFloorP50: pct(warmFloor, 50) }
      console.log(`  ${name.padEnd(40)} p50 ${f.p50.toFixed(0).padStart(5)} ms  p95 ${f.p95.toFixed(0).padStart(5)} ms  engine floor p50 ${f.floorP50.toFixed(0).padStart(5)} ms  ratio ${f.ratio.toFixed(2)}×  (goal ${goal}; warm replay ${f.warmFloorP50.toFixed(0)} ms, ratio ${(f.p50 / f.warmFloorP50).toFixed(2)}×)`)
      return f
    },
    async close() { await beacon.stop() },
  }
}
