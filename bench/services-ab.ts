/**
 * Services over 24 h (issue 13: ≤ 30 ms): the API's statements A/B on the engine, through the read
 * store (its limits in every statement, as the API runs them), on a copy of a filled directory.
 *
 *   SERVICES_AB_DIR=/tmp/beacon-filled node --import tsx bench/services-ab.ts
 *   SERVICES_AB_RUNS=25
 */
import { rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { abRunner, openCopy, type Variant } from './ab.ts'
import { createReadStore } from '../packages/server/src/api/read-limits.ts'
import { servicesFromRollup } from '../packages/server/src/store/rollups.ts'
import type { Store } from '../packages/server/src/store/connection.ts'

const src = process.env.SERVICES_AB_DIR ?? '/tmp/beacon-filled'
const RUNS = Number(process.env.SERVICES_AB_RUNS ?? 25)
const { store: engine, dir, config } = await openCopy(src, 'beacon-sab-', true)
const read: Store = createReadStore(engine, config.security.reads)
const ab = abRunner(RUNS)
console.log(`services A/B on a copy of ${src}; ${RUNS} alternating runs; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)

const range = () => { const to = Date.now(); return { fromMs: to - 24 * 3600_000, toMs: to } }
const withSetting = (sql: string, s: string): string => `${sql} SETTINGS ${s}`
/** The statements servicesFromRollup runs for the last 24 h (recorded, not run). */
async function servicesStatements(fromMs: number, toMs: number): Promise<{ statements: string[]; params: Record<string, unknown> }> {
  const statements: string[] = []
  let params: Record<string, unknown> = {}
  const recorder = { ...engine, query: async <T>(sql: string, p?: Record<string, unknown>): Promise<T[]> => { statements.push(sql); params = p ?? {}; return [] } } as Store
  await servicesFromRollup(recorder, fromMs, toMs)
  return { statements, params }
}
/** Both answers from one statement: the logs' and the spans' rows side by side, told apart by `kind`. */
const oneStatement = ([logs, spans]: string[]): string => `SELECT 'logs' AS kind, name, events AS n, errors AS e, fatals AS f, toFloat64(0) AS p95, last FROM (${logs})
  UNION ALL SELECT 'spans' AS kind, name, spans AS n, errors AS e, 0 AS f, p95, last FROM (${spans})`
const variants: Variant[] = [
  ['as the API runs them (two statements, Promise.all)', () => { const r = range(); return servicesFromRollup(read, r.fromMs, r.toMs) }],
  ['two statements, one after the other', async () => { const r = range(); const s = await servicesStatements(r.fromMs, r.toMs); for (const x of s.statements) await read.query(x, s.params) }],
  ['two statements, max_threads = 1', async () => { const r = range(); const s = await servicesStatements(r.fromMs, r.toMs); await Promise.all(s.statements.map((x) => read.query(withSetting(x, 'max_threads = 1'), s.params))) }],
  ['one statement (logs UNION ALL spans)', async () => { const r = range(); const s = await servicesStatements(r.fromMs, r.toMs); return read.query(oneStatement(s.statements), s.params) }],
  ['logs statement only', async () => { const r = range(); const s = await servicesStatements(r.fromMs, r.toMs); return read.query(s.statements[0], s.params) }],
  ['spans statement only', async () => { const r = range(); const s = await servicesStatements(r.fromMs, r.toMs); return read.query(s.statements[1], s.params) }],
  ['SELECT 1 (fixed cost of a statement)', () => read.query('SELECT 1')],
]
await ab('services over 24 h: statements through the read store (engine CPU of all threads)', variants)
await engine.close()
rmSync(dir, { recursive: true, force: true })
