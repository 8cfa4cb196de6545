/**
 * Encoder A/B: version 1's TSV encoder (business keys left to MATERIALIZED columns) against today's
 * (business keys looked up in the pipeline and written as columns), on the same 1,000-record
 * batches, alternating, CPU time per record. `node --import tsx bench/encode-ab.ts` (~20 s).
 */
import { loadConfig } from '../packages/server/src/config/load.ts'
import { createRowEncoder } from '../packages/server/src/store/encode.ts'
import { legacyEncodeLogs } from '../packages/server/test/fixtures/legacy-schema-v1.ts'
import { genBatch } from './load.ts'
import { toLogRecord } from './raw-chdb.ts'

const batches = Array.from({ length: 50 }, () => genBatch().map((r) => toLogRecord(r)))
const enc = createRowEncoder(loadConfig({ env: {}, file: '/dev/null' }).businessKeys)
const variants: [string, (b: ReturnType<typeof toLogRecord>[]) => string][] = [['v1 (no business keys)', legacyEncodeLogs], ['today (business keys)', enc.logs]]
const best = new Map<string, number>()
let sink = 0
for (let round = 0; round < 40; round++) {
  for (const [name, f] of round % 2 ? [...variants].reverse() : variants) {
    const cpu = process.cpuUsage()
    for (const b of batches) sink += f(b).length
    const used = process.cpuUsage(cpu)
    const us = (used.user + used.system) / (batches.length * 1000)
    best.set(name, Math.min(best.get(name) ?? Infinity, us))
  }
}
for (const [name, us] of best) console.log(`  ${name.padEnd(24)} ${us.toFixed(2)} µs CPU per record (best of 40 rounds of 50,000)`)
if (sink === 0) console.log('')
