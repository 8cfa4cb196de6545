/**
 * Decode + convert cost of the OTLP receiver, per 1,000-record batch (no HTTP, no pipeline):
 *
 *   node --import tsx packages/server/src/ingest/otlp/decode.bench.ts      (ROUNDS=300 by default)
 *
 * Payloads: the official serializers' output (what @opentelemetry/exporter-*-otlp-{http,proto}
 * send: realistic logs with ≈300-byte bodies, 6 attributes and trace context; server/client
 * spans), and the `npm run bench` load generator's batches (bench/generate.ts, bench/protobuf.ts).
 * Also prints what the route adds (batch-id sha256, gzip inflate), plain JSON.parse for scale, and
 * OTLP/JSON logs through JSON.parse + decodeLogsJson (the fallback of the one-pass scanner).
 *
 * The cases run interleaved, one call each per round, so load from other processes hits them
 * alike; the minimum is the best estimate of the cost itself on a busy machine, p50 shows the noise.
 */
import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { decodeLogs, decodeTraces } from './decode.ts'
import { DecodeState } from './fields.ts'
import { parseOtlpJson } from './json-common.ts'
import { decodeLogsJson } from './json-logs.ts'
import { DEFAULT_LIMITS, realisticLog, sdkLogs, sdkSpans, serializeLogs, serializeSpans } from './test-utils.ts'
import { genRecord, otlpJsonBatch } from '../../../../../bench/generate.ts'
import { protobufBatch } from '../../../../../bench/protobuf.ts'

const BATCH = 1000
const ROUNDS = Number(process.env.ROUNDS ?? 300)
const opts = { limits: DEFAULT_LIMITS }

interface Case { name: string; bytes: number; run: () => unknown; times: number[] }
const cases: Case[] = []
function add(name: string, body: Buffer, run: () => unknown): void {
  cases.push({ name, bytes: body.length, run, times: [] })
}
function expectRecords(name: string, r: { ok: boolean; records?: unknown[] }): void {
  if (!r.ok || r.records?.length !== BATCH) throw new Error(`${name}: ${JSON.stringify(r).slice(0, 300)}`)
}

const logs = await sdkLogs(Array.from({ length: BATCH }, (_, i) => realisticLog(i)))
const spans = await sdkSpans(BATCH)
const generated = Array.from({ length: BATCH }, () => genRecord(Date.now(), 86_400_000, 2_000_000))
const bodies = {
  sdkLogsJson: serializeLogs('json', logs),
  sdkLogsProto: serializeLogs('protobuf', logs),
  sdkSpansJson: serializeSpans('json', spans),
  sdkSpansProto: serializeSpans('protobuf', spans),
  benchLogsJson: Buffer.from(otlpJsonBatch(generated)),
  benchLogsProto: protobufBatch(generated),
}
/** The scanner's fallback: JSON.parse, then the tree walked to records. */
function parsedLogs(body: Buffer): ReturnType<typeof decodeLogsJson> {
  const doc = parseOtlpJson(body)
  if (!doc.ok) throw new Error(doc.message)
  return decodeLogsJson(doc.value, new DecodeState(DEFAULT_LIMITS, '1700000000000000000'))
}

for (const [name, body, decode] of [
  ['logs JSON (SDK exporter)', bodies.sdkLogsJson, () => decodeLogs('json', bodies.sdkLogsJson, opts)],
  ['logs protobuf (SDK exporter)', bodies.sdkLogsProto, () => decodeLogs('protobuf', bodies.sdkLogsProto, opts)],
  ['logs JSON (npm run bench batch)', bodies.benchLogsJson, () => decodeLogs('json', bodies.benchLogsJson, opts)],
  ['logs JSON via JSON.parse (SDK)', bodies.sdkLogsJson, () => parsedLogs(bodies.sdkLogsJson)],
  ['logs JSON via JSON.parse (bench batch)', bodies.benchLogsJson, () => parsedLogs(bodies.benchLogsJson)],
  ['logs protobuf (npm run bench batch)', bodies.benchLogsProto, () => decodeLogs('protobuf', bodies.benchLogsProto, opts)],
  ['spans JSON (SDK exporter)', bodies.sdkSpansJson, () => decodeTraces('json', bodies.sdkSpansJson, opts)],
  ['spans protobuf (SDK exporter)', bodies.sdkSpansProto, () => decodeTraces('protobuf', bodies.sdkSpansProto, opts)],
] as const) {
  expectRecords(name, decode())
  add(name, body, decode)
}
const gz = gzipSync(bodies.benchLogsJson)
add('+ batch id: sha256 (bench JSON batch)', bodies.benchLogsJson, () => createHash('sha256').update(bodies.benchLogsJson).digest('hex'))
add('+ gunzip (bench JSON batch)', gz, () => gunzipSync(gz))
add('ref: toString + JSON.parse (bench JSON)', bodies.benchLogsJson, () => JSON.parse(bodies.benchLogsJson.toString('utf8')))

for (let i = 0; i < 30; i++) for (const c of cases) c.run() // warm up (JIT)
for (let i = 0; i < ROUNDS; i++) {
  for (const c of cases) {
    const t = process.hrtime.bigint()
    c.run()
    c.times.push(Number(process.hrtime.bigint() - t) / 1000)
  }
}

console.log(`OTLP decode + convert, µs per ${BATCH}-record batch (${ROUNDS} rounds, node ${process.version})`)
const us = (n: number): string => String(Math.round(n)).padStart(7)
for (const c of cases) {
  c.times.sort((a, b) => a - b)
  const min = c.times[0]
  const p50 = c.times[c.times.length >> 1]
  console.log(`  ${c.name.padEnd(40)} ${us(min)} min ${us(p50)} p50   ${(c.bytes / 1024).toFixed(0).padStart(4)} KiB   `
    + `${Math.round(BATCH / min * 1e6).toLocaleString('en').padStart(9)} records/s/core at min`)
}
