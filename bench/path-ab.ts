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
 *   node --import tsx bench/path-ab.ts base@/work/main new@.   # two checkouts' code in this one process, alternating
 *
 * Encoders compared in one process (alternating rounds): `string` = the string encoder and
 * `Buffer.from` (what the ingest path did until 2026-11-30), `bytes` = `logsBytes` (today).
 * With checkouts named as arguments, each one's modules are loaded side by side into this process
 * and take turns on the same bodies (`bytes` encoder): the A/B least distorted by a loaded machine.
 */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Batch, LogRecord } from '../packages/server/src/pipeline/record.ts'
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

/** One checkout's ingest path: decode → stages → TSV → WAL entry, from its own modules. */
interface Path { name: string; once(format: Format, body: Buffer, encoder: string, n: number): number }

async function loadPath(name: string, root: string): Promise<Path> {
  const m = async (rel: string) => import(pathToFileURL(resolve(root, 'packages/server/src', rel)).href)
  const { loadConfig } = await m('config/load.ts')
  const { decodeLogs } = await m('ingest/otlp/decode.ts')
  const { parseBulk } = await m('ingest/elastic/bulk.ts')
  const { documentToRecord } = await m('ingest/elastic/ecs.ts')
  const { assembleStages } = await m('pipeline/stages/index.ts')
  const { runStages } = await m('pipeline/pipeline.ts')
  const { nowUnixNano } = await m('pipeline/record.ts')
  const { createSecurityStages } = await m('security/stages.ts')
  const { createRowEncoder } = await m('store/encode.ts')
  const { encodeEntry } = await m('wal/entry.ts')
  const config = loadConfig({ env: {}, file: '/dev/null' })
  const stages = assembleStages(createSecurityStages(config.security, undefined))
  const enc = createRowEncoder(config.businessKeys)

  function decode(format: Format, body: Buffer): LogRecord[] {
    if (format === 'es') {
      const ctx = { limits: config.limits, observedTimeUnixNano: nowUnixNano() }
      const logs: LogRecord[] = []
      for (const item of parseBulk(body, '').items) if (item.doc) logs.push(documentToRecord(item.doc, item.index, ctx))
      return logs
    }
    const r = decodeLogs(format, body, { limits: config.limits })
    if (!r.ok) throw new Error(r.message)
    return r.records
  }

  return {
    name,
    once(format, body, encoder, n) {
      const logs = decode(format, body)
      const batch: Batch = { id: `b${n}`, source: 'bench', logs, spans: [], rejected: 0 }
      runStages(stages, batch)
      const entry = encoder === 'string'
        ? encodeEntry(batch.id, batch.logs.length, 0, enc.logs(batch.logs), enc.spans(batch.spans))
        : encodeEntry(batch.id, batch.logs.length, 0, enc.logsBytes(batch.logs), enc.spansBytes(batch.spans))
      return entry.length
    },
  }
}

const formats = (process.env.PATH_AB_FORMATS ?? 'json,protobuf,es').split(',') as Format[]
const rounds = Number(process.env.PATH_AB_ROUNDS_IN ?? 12)
const checkouts = process.argv.slice(2).map((arg) => { const at = arg.indexOf('@'); return at < 0 ? { name: arg, root: '.' } : { name: arg.slice(0, at), root: arg.slice(at + 1) } })
const here = fileURLToPath(new URL('../', import.meta.url))
// variants: [label, path, encoder]
const variants: [string, Path, string][] = checkouts.length > 0
  ? await Promise.all(checkouts.map(async (c) => [c.name, await loadPath(c.name, c.root), 'bytes'] as [string, Path, string]))
  : await loadPath('this', here).then((p) => (process.env.PATH_AB_ENCODERS ?? 'string,bytes').split(',').map((e) => [e, p, e] as [string, Path, string]))

let sink = 0
for (const format of formats) {
  const bodies = pool(format, 24).map((b) => Buffer.from(b)) // as received
  const best = new Map<string, number[]>()
  for (const [, p, e] of variants) for (let i = 0; i < 4; i++) sink += p.once(format, bodies[i], e, i) // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [label, p, e] of r % 2 ? [...variants].reverse() : variants) {
      const cpu = process.cpuUsage()
      for (let i = 0; i < bodies.length; i++) sink += p.once(format, bodies[i], e, i)
      const used = process.cpuUsage(cpu)
      best.set(label, [...(best.get(label) ?? []), (used.user + used.system) / (bodies.length * 1000)])
    }
  }
  for (const [label, xs] of best) {
    xs.sort((a, b) => a - b)
    // "best" first: the parent mode (PATH_AB_FLAGS) reads it
    console.log(`  ${format.padEnd(9)} ${label.padEnd(7)} ${xs[0].toFixed(2)} µs CPU per record (best of ${rounds} rounds of ${bodies.length},000; median ${xs[xs.length >> 1].toFixed(2)})`)
  }
}
if (sink === 0) console.log('')
