/**
 * npm run bench:receivers — records/s through each receiver into a real `beacon start` process,
 * the same generated records in each protocol's own form, durable acknowledgements where the
 * protocol has them:
 *
 *   OTLP/HTTP protobuf   batches of 1,000, BENCH_CONCURRENCY requests in flight (the baseline)
 *   OTLP/gRPC            LogsService/Export, batches of 1,000, same concurrency
 *   syslog TCP           RFC 5424 octet-counted lines, one connection per worker; no acks, so the
 *                        time runs until the server has taken every line written
 *   Forward              PackedForward chunks of 1,000 with `chunk`, each waiting for its ack
 *
 *   BENCH_RECEIVER_SECONDS=15   length of each phase
 *   BENCH_CONCURRENCY=4         requests / connections in flight
 * Also run at the end of `npm run bench` (bench/ingest.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { Packr, Unpackr } from 'msgpackr'
import { freePort } from '../packages/server/src/testing.ts'
import { spawnBeacon } from '../packages/server/test/test-utils.ts'
import { genRecord, type GenRecord } from './generate.ts'
import { protobufBatch } from './protobuf.ts'

const SECONDS = Number(process.env.BENCH_RECEIVER_SECONDS ?? 15)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)
const BATCH = 1000
const packr = new Packr({ useRecords: false, variableMapSize: true })
const unpackr = new Unpackr({ useRecords: false })

function batch(): GenRecord[] {
  const now = Date.now()
  return Array.from({ length: BATCH }, () => genRecord(now, 3_600_000, 2_000_000))
}

export interface ReceiverFigure { receiver: string; records: number; seconds: number; rps: number }

async function timed(receiver: string, seconds: number, worker: (deadline: number) => Promise<number>): Promise<ReceiverFigure> {
  const t0 = performance.now()
  const deadline = t0 + seconds * 1000
  const counts = await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(deadline)))
  const records = counts.reduce((a, b) => a + b, 0)
  const s = (performance.now() - t0) / 1000
  const f = { receiver, records, seconds: s, rps: records / s }
  console.log(`  ${receiver.padEnd(28)} ${Math.round(f.rps).toLocaleString('en').padStart(8)} records/s  (${records.toLocaleString('en')} in ${s.toFixed(1)} s)`)
  return f
}

function otlpHttp(url: string) {
  return async (deadline: number) => {
    let n = 0
    while (performance.now() < deadline) {
      const res = await fetch(`${url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(protobufBatch(batch())) })
      await res.arrayBuffer()
      if (res.ok) n += BATCH
      else await new Promise((r) => setTimeout(r, 200))
    }
    return n
  }
}

function otlpGrpc(address: string) {
  return async (deadline: number) => {
    const client = new grpc.Client(address, grpc.credentials.createInsecure())
    const id = (b: Buffer) => b
    let n = 0
    while (performance.now() < deadline) {
      const ok = await new Promise<boolean>((resolve) => client.makeUnaryRequest(
        '/opentelemetry.proto.collector.logs.v1.LogsService/Export', id, id, protobufBatch(batch()), new grpc.Metadata(), (err) => resolve(!err)))
      if (ok) n += BATCH
      else await new Promise((r) => setTimeout(r, 200))
    }
    client.close()
    return n
  }
}

function syslogLines(records: GenRecord[]): Buffer {
  const out: string[] = []
  for (const r of records) {
    const sd = r.attrs.slice(0, 2).map(([k, v]) => `${k.replace(/\W/g, '_')}="${v}"`).join(' ')
    const msg = `<${r.sev >= 17 ? 11 : 14}>1 ${new Date(Number(r.tsNs.slice(0, -6))).toISOString()} node-1 ${r.service} - - [bench@32473 ${sd}] ${r.body}`
    out.push(`${Buffer.byteLength(msg)} ${msg}`)
  }
  return Buffer.from(out.join(''))
}

function write(s: Socket, b: Buffer): Promise<void> {
  return new Promise((resolve, reject) => s.write(b, (err) => (err ? reject(err) : resolve())))
}

function syslogTcp(port: number) {
  return async (deadline: number) => {
    const s = connect({ host: '127.0.0.1', port })
    await new Promise((r) => s.once('connect', r))
    let n = 0
    while (performance.now() < deadline) {
      await write(s, syslogLines(batch()))
      n += BATCH
    }
    await new Promise<void>((r) => s.end(() => r()))
    return n
  }
}

function forward(port: number) {
  return async (deadline: number) => {
    const s = connect({ host: '127.0.0.1', port })
    await new Promise((r) => s.once('connect', r))
    let waiting: ((ack: string) => void) | undefined
    s.on('data', (d) => { for (const m of unpackr.unpackMultiple(d) as { ack: string }[]) waiting?.(m.ack) })
    let n = 0
    let seq = 0
    while (performance.now() < deadline) {
      const recs = batch()
      const entries = Buffer.concat(recs.map((r) => packr.pack([Math.floor(Number(r.tsNs.slice(0, -9))), {
        message: r.body, level: r.level, 'service.name': r.service, 'trace.id': r.traceId, ...Object.fromEntries(r.attrs),
      }])))
      const chunk = `${process.pid}-${seq++}-${Math.random()}`
      const acked = new Promise<string>((r) => { waiting = r })
      await write(s, packr.pack(['bench.app', entries, { chunk, size: BATCH }]))
      if ((await acked) === chunk) n += BATCH
    }
    s.destroy()
    return n
  }
}

/** Runs every receiver against a fresh server; prints and returns the figures. */
export async function runReceiverBench(): Promise<ReceiverFigure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'beacon-bench-receivers-'))
  const [grpcPort, syslogPort, forwardPort] = await Promise.all([freePort(), freePort(), freePort()])
  const child = await spawnBeacon(dataDir, {
    BEACON_LOG_LEVEL: 'warn', BEACON_OTLP_GRPC_PORT: String(grpcPort), BEACON_SYSLOG_PORT: String(syslogPort), BEACON_FORWARD_PORT: String(forwardPort),
  })
  await child.ready
  const records = async (): Promise<number> => ((await (await fetch(`${child.apiUrl}/api/health`)).json()) as { ingest: { records: number } }).ingest.records
  try {
    console.log(`\nreceivers (batches of ${BATCH}, ${CONCURRENCY} in flight or connections, ${SECONDS} s each, durable acks where the protocol has them):`)
    const figures = [
      await timed('OTLP/HTTP protobuf', SECONDS, otlpHttp(child.otlpUrl)),
      await timed('OTLP/gRPC', SECONDS, otlpGrpc(`127.0.0.1:${grpcPort}`)),
    ]
    // Syslog has no acknowledgement: count what the server took into its write-ahead log.
    const before = await records()
    const t0 = performance.now()
    const written = (await Promise.all(Array.from({ length: CONCURRENCY }, () => syslogTcp(syslogPort)(t0 + SECONDS * 1000)))).reduce((a, b) => a + b, 0)
    while ((await records()) - before < written && performance.now() - t0 < (SECONDS + 60) * 1000) await new Promise((r) => setTimeout(r, 100))
    const taken = (await records()) - before
    const s = (performance.now() - t0) / 1000
    console.log(`  ${'syslog TCP (octet-counted)'.padEnd(28)} ${Math.round(taken / s).toLocaleString('en').padStart(8)} records/s  (${taken.toLocaleString('en')} of ${written.toLocaleString('en')} written, in ${s.toFixed(1)} s)`)
    figures.push({ receiver: 'syslog TCP', records: taken, seconds: s, rps: taken / s })
    figures.push(await timed('Forward PackedForward', SECONDS, forward(forwardPort)))
    return figures
  } finally {
    child.proc.kill('SIGTERM')
    await new Promise((r) => child.proc.once('exit', r))
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runReceiverBench()
