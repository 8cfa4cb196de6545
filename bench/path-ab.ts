/**
 * The ingest path's own main-thread work per record, without HTTP, the WAL's fsync or the engine:
 * decode (OTLP/JSON, OTLP/protobuf or ES `_bulk`, as the receivers do) → every pipeline stage
 * (the default security configuration: redaction on) → TSV for the store → write-ahead-log entry
 * bytes, on `npm run bench`'s 1,000-record batches, in CPU time of this process (GC included).
 *
 *   node --import tsx bench/path-ab.ts                        # each format, in-process encoder A/B
 *   PATH_AB_FLAGS='|--max-semi-space-size=32|--max-semi-space-size=64' node --import tsx bench/path-ab.ts
 *      # the same in child processes with each set of Node flags, alternating (PATH_AB_ROUNDS, default 4)
 *
 * Encoders compared in one process (alternating rounds): `string` = the string encoder and
 * `Buffer.from` (what the ingest path did until 2026-11-30), `bytes` = `logsBytes` (today).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../packages/server/src/config/load.ts'
import { decodeLogs } from '../packages/server/src/ingest/otlp/decode.ts'
import { parseBulk } from '../packages/server/src/ingest/elastic/bulk.ts'
import { documentToRecord } from '../packages/server/src/ingest/elastic/ecs.ts'
import { assembleStages } from '../packages/server/src/pipeline/stages/index.ts'
import { runStages } from '../packages/server/src/pipeline/pipeline.ts'
import { nowUnixNano, type Batch, type LogRecord } from '../packages/server/src/pipeline/record.ts'
import { createSecurityStages } from '../packages/server/src/security/stages.ts'
import { createRowEncoder } from '../packages/server/src/store/encode.ts'
import { encodeEntry } from '../packages/server/src/wal/entry.ts'
import { pool, type Format } from './load.ts'

const flagSets = process.env.PATH_AB_FLAGS
if (flagSets !== undefined && process.env.PATH_AB_CHILD === undefined) {
  // Parent: the same measurement in a child per flag set, alternating.
  const sets = flagSets.split('|')
  const rounds = Number(process.env.PATH_AB_ROUNDS ?? 4)
  const me = fileURLToPath(import.meta.url)
  const all = new Map<string, number[]>()
  for (let r = 0; r < rounds; r++) {
    for (const flags of r % 2 ? [...sets].reverse() : sets) {
      const out = spawnSync(process.execPath, [...flags.split(' ').filter(Boolean), '--import', 'tsx', me], { env: { ...process.env, PATH_AB_CHILD: '1', PATH_AB_ENCODERS: 'bytes' }, encoding: 'utf8' })
      for (const m of out.stdout.matchAll(/^ {2}(\S+) +bytes +([\d.]+) µs/gm)) {
        const key = `${m[1].padEnd(9)} ${flags || '(default flags)'}`
        all.set(key, [...(all.get(key) ?? []), Number(m[2])])
      }
      if (out.status !== 0) console.error(out.stderr)
    }
  }
  console.log(`µs CPU per record, best of each child (${rounds} children per flag set); min / median of the children:`)
  for (const [key, xs] of [...all].sort()) { xs.sort((a, b) => a - b); console.log(`  ${key.padEnd(40)} ${xs[0].toFixed(2)} / ${xs[xs.length >> 1].toFixed(2)}   [${xs.map((x) => x.toFixed(2)).join(', ')}]`) }
  process.exit(0)
}

const config = loadConfig({ env: {}, file: '/dev/null' })
const stages = assembleStages(createSecurityStages(config.security, undefined))
const enc = createRowEncoder(config.businessKeys)
const formats = (process.env.PATH_AB_FORMATS ?? 'json,protobuf,es').split(',') as Format[]
const encoders = (process.env.PATH_AB_ENCODERS ?? 'string,bytes').split(',')
const rounds = Number(process.env.PATH_AB_ROUNDS_IN ?? 12)

function decode(format: Format, body: string | Buffer): LogRecord[] {
  if (format === 'es') {
    const ctx = { limits: config.limits, observedTimeUnixNano: nowUnixNano() }
    const logs: LogRecord[] = []
    for (const item of parseBulk(body, '').items) if (item.doc) logs.push(documentToRecord(item.doc, item.index, ctx))
    return logs
  }
  const r = decodeLogs(format, Buffer.isBuffer(body) ? body : Buffer.from(body), { limits: config.limits })
  if (!r.ok) throw new Error(r.message)
  return r.records
}

function once(format: Format, body: string | Buffer, encoder: string, n: number): number {
  const logs = decode(format, body)
  const batch: Batch = { id: `b${n}`, source: 'bench', logs, spans: [], rejected: 0 }
  runStages(stages, batch)
  const entry = encoder === 'string'
    ? encodeEntry(batch.id, batch.logs.length, 0, enc.logs(batch.logs), enc.spans(batch.spans))
    : encodeEntry(batch.id, batch.logs.length, 0, enc.logsBytes(batch.logs), enc.spansBytes(batch.spans))
  return entry.length
}

let sink = 0
for (const format of formats) {
  const bodies = pool(format, 24).map((b) => Buffer.from(b)) // as received
  const best = new Map<string, number>()
  for (const e of encoders) for (let i = 0; i < 4; i++) sink += once(format, bodies[i], e, i) // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const e of r % 2 ? [...encoders].reverse() : encoders) {
      const cpu = process.cpuUsage()
      for (let i = 0; i < bodies.length; i++) sink += once(format, bodies[i], e, i)
      const used = process.cpuUsage(cpu)
      best.set(e, Math.min(best.get(e) ?? Infinity, (used.user + used.system) / (bodies.length * 1000)))
    }
  }
  for (const [e, us] of best) console.log(`  ${format.padEnd(9)} ${e.padEnd(7)} ${us.toFixed(2)} µs CPU per record (best of ${rounds} rounds of ${bodies.length},000)`)
}
if (sink === 0) console.log('')
