/**
 * What the engine-side A/B scripts share (query-ab.ts, text-ab.ts): a copy of a filled data
 * directory opened as a store, and alternating timed runs of variants.
 */
import { cpSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../packages/server/src/config/load.ts'
import type { Config } from '../packages/server/src/config/schema.ts'
import { createStore, type Store } from '../packages/server/src/store/connection.ts'
import { migrate } from '../packages/server/src/store/migrations.ts'

/** Copies `src`'s store into a temporary directory (experiments may add indexes or tables) and opens it; migrated unless `migrateIt` is false. */
export async function openCopy(src: string, prefix: string, migrateIt: boolean): Promise<{ store: Store; dir: string; config: Config }> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  cpSync(join(src, 'clickhouse'), join(dir, 'clickhouse'), { recursive: true })
  const config = loadConfig({ env: { BEACON_DATA_DIR: dir }, file: '/dev/null' })
  const store = await createStore(config)
  if (migrateIt) await migrate(store, config)
  return { store, dir, config }
}

export type Variant = [name: string, run: () => Promise<unknown>]

const pct = (xs: number[], f: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(f * s.length))] }

/**
 * `ab(title, variants)`: `runs` alternating runs of each variant (one warm-up each; A B, B A, …);
 * prints wall p50 / p90, CPU p50 (all threads of this process: the engine runs in it; less
 * distorted by other load than wall time) and the ratios to the first variant.
 */
export const abRunner = (runs: number) => async (title: string, variants: Variant[]): Promise<void> => {
  const ms = variants.map(() => [] as number[])
  const cpu = variants.map(() => [] as number[])
  for (const [, f] of variants) await f()
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? [...variants.keys()].reverse() : [...variants.keys()]
    for (const k of order) {
      const t = performance.now()
      const c = process.cpuUsage()
      await variants[k][1]()
      const used = process.cpuUsage(c)
      ms[k].push(performance.now() - t)
      cpu[k].push((used.user + used.system) / 1000)
    }
  }
  console.log(`${title}:`)
  const base = pct(ms[0], 0.5)
  const baseCpu = pct(cpu[0], 0.5)
  variants.forEach(([name], k) => console.log(`  ${name.padEnd(60)} p50 ${pct(ms[k], 0.5).toFixed(1).padStart(6)} ms  p90 ${pct(ms[k], 0.9).toFixed(1).padStart(6)} ms  ×${(pct(ms[k], 0.5) / base).toFixed(2)}  CPU p50 ${pct(cpu[k], 0.5).toFixed(1).padStart(6)} ms  ×${(pct(cpu[k], 0.5) / baseCpu).toFixed(2)}`))
}
