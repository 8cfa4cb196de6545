/**
 * Decode + convert cost of the OTLP receiver, per 1,000-record batch (no HTTP, no pipeline):
 *
 *   node --import tsx packages/server/src/ingest/otlp/decode.bench.ts
 *
 * Payloads come from the official serializers (what @opentelemetry/exporter-*-otlp-{http,proto}
 * send): realistic logs (≈300-byte bodies, 6 attributes, trace context) and server/client spans.
 * Also prints the batch-id hash (sha256 of the body) and gzip inflate, which the route adds.
 */
import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { decodeLogs, decodeTraces, type OtlpFormat } from './decode.ts'
import { DEFAULT_LIMITS, realisticLog, sdkLogs, sdkSpans, serializeLogs, serializeSpans } from './test-utils.ts'

const BATCH = 1000
const ROUNDS = Number(process.env.ROUNDS ?? 300)

/**
 * Prints, per call: the fastest run (the best estimate of the cost itself when other processes
 * share the cores), the median, and CPU time (process user+system over all rounds, which also
 * counts V8's background GC threads).
 */
function measure(name: string, bytes: number, fn: () => unknown): void {
  for (let i = 0; i < 50; i++) fn() // warm up (JIT)
  const times: number[] = []
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < ROUNDS; i++) {
    const t = process.hrtime.bigint()
    fn()
    times.push(Number(process.hrtime.bigint() - t) / 1000)
  }
  const cpu = process.cpuUsage(cpu0)
  const cpuPerCall = (cpu.user + cpu.system) / ROUNDS
  times.sort((a, b) => a - b)
  const [min, median] = [times[0], times[times.length >> 1]]
  const us = (n: number): string => String(Math.round(n)).padStart(6)
  console.log(`  ${name.padEnd(34)} ${us(min)} µs min ${us(median)} µs median ${us(cpuPerCall)} µs CPU  `
    + `(${(bytes / 1024).toFixed(0)} KiB; ${Math.round(BATCH / min * 1e6).toLocaleString('en')} records/s at the min)`)
}

const logs = await sdkLogs(Array.from({ length: BATCH }, (_, i) => realisticLog(i)))
const spans = await sdkSpans(BATCH)
const opts = { limits: DEFAULT_LIMITS }

console.log(`OTLP decode + convert, per ${BATCH}-record batch (${ROUNDS} rounds, node ${process.version})`)
for (const format of ['json', 'protobuf'] as OtlpFormat[]) {
  const body = serializeLogs(format, logs)
  const check = decodeLogs(format, body, opts)
  if (!check.ok || check.records.length !== BATCH) throw new Error(`logs ${format}: ${JSON.stringify(check).slice(0, 300)}`)
  measure(`logs ${format}`, body.length, () => decodeLogs(format, body, opts))
}
for (const format of ['json', 'protobuf'] as OtlpFormat[]) {
  const body = serializeSpans(format, spans)
  const check = decodeTraces(format, body, opts)
  if (!check.ok || check.records.length !== BATCH) throw new Error(`traces ${format}: ${JSON.stringify(check).slice(0, 300)}`)
  measure(`traces ${format}`, body.length, () => decodeTraces(format, body, opts))
}
const jsonBody = serializeLogs('json', logs)
measure('batch id: sha256 of the JSON logs', jsonBody.length, () => createHash('sha256').update(jsonBody).digest('hex'))
const gz = gzipSync(jsonBody)
measure('gunzip of the JSON logs', gz.length, () => gunzipSync(gz))
measure('JSON.parse alone (JSON logs)', jsonBody.length, () => JSON.parse(jsonBody.toString('utf8')))
