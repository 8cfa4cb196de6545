/**
 * Encoder A/B on the same 1,000-record batches, alternating, CPU time per record:
 *  - version 1's TSV encoder (business keys left to MATERIALIZED columns), string only;
 *  - the string encoder with business keys, plus its UTF-8 conversion (what the ingest path did
 *    until 2026-11-30: `Buffer.from(enc.logs(batch))`);
 *  - the byte encoder the ingest path uses (`enc.logsBytes`, straight into a scratch Buffer), plus
 *    the copy the write-ahead log entry makes of it.
 * `node --import tsx bench/encode-ab.ts` (~30 s).
 */
import { loadConfig } from '../packages/server/src/config/load.ts'
import { createRowEncoder } from '../packages/server/src/store/encode.ts'
import { referenceEncoder } from '../packages/server/test/tsv-reference.ts'
import { legacyEncodeLogs } from '../packages/server/test/fixtures/legacy-schema-v1.ts'
import { genBatch } from './load.ts'
import { toLogRecord } from './raw-chdb.ts'

const batches = Array.from({ length: 50 }, () => genBatch().map((r) => toLogRecord(r)))
const keys = loadConfig({ env: {}, file: '/dev/null' }).businessKeys
const enc = createRowEncoder(keys)
const ref = referenceEncoder(keys)
const variants: [string, (b: ReturnType<typeof toLogRecord>[]) => { length: number }][] = [
  ['v1 (no business keys)', legacyEncodeLogs],
  ['string only', ref.logs],
  ['string + Buffer.from', (b) => Buffer.from(ref.logs(b), 'utf8')],
  ['bytes + copy', (b) => Buffer.from(enc.logsBytes(b))],
]
const best = new Map<string, number>()
let sink = 0
for (let round = 0; round < 40; round++) {
  for (const [name, f] of round % 2 ? [...variants].reverse() : variants) {
    if (round === 0 && name !== variants[0][0]) sink += f(batches[0]).length // warm-up
    const cpu = process.cpuUsage()
    for (const b of batches) sink += f(b).length
    const used = process.cpuUsage(cpu)
    const us = (used.user + used.system) / (batches.length * 1000)
    best.set(name, Math.min(best.get(name) ?? Infinity, us))
  }
}
for (const [name, us] of best) console.log(`  ${name.padEnd(24)} ${us.toFixed(2)} µs CPU per record (best of 40 rounds of 50,000)`)
if (sink === 0) console.log('')
