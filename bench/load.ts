import { readFileSync } from 'node:fs'
import { ecsDoc, esBulkBatch, genRecord, otlpJsonBatch, type GenRecord } from './generate.ts'
import { protobufBatch } from './protobuf.ts'

/**
 * The load generator: concurrent HTTP requests of 1,000-record batches, each 200 a durable
 * acknowledgement. Throughput phases send pre-encoded batches (a pool built before the clock
 * starts, each request with its own Idempotency-Key so none is taken for a client's retry): the
 * generator costs next to nothing while it runs, on the same 2 cores as the server.
 */
export const BATCH = 1000
const DAY = 86_400_000
const ORDERS = 2_000_000

export type Format = 'json' | 'protobuf' | 'es'

const CONTENT_TYPE: Record<Format, string> = { json: 'application/json', protobuf: 'application/x-protobuf', es: 'application/x-ndjson' }

/** Fresh generated records (timestamps over the last 24 h). */
export function genBatch(now = Date.now()): GenRecord[] {
  const recs = new Array<GenRecord>(BATCH)
  for (let i = 0; i < BATCH; i++) recs[i] = genRecord(now, DAY, ORDERS)
  return recs
}

export function encodeBatch(format: Format, recs: GenRecord[]): string | Buffer {
  return format === 'json' ? otlpJsonBatch(recs) : format === 'protobuf' ? protobufBatch(recs) : esBulkBatch(recs)
}

/** Raw NDJSON bytes of a batch (one flat ECS document per line), estimated from two records. */
export function rawBytes(recs: GenRecord[]): number {
  return (ecsDoc(recs[0]).length + 1 + ecsDoc(recs[1]).length + 1) / 2 * recs.length
}

/** `pool` distinct pre-encoded batches of a format. */
export function pool(format: Format, size: number): (string | Buffer)[] {
  return Array.from({ length: size }, () => encodeBatch(format, genBatch()))
}

export interface Phase { name: string; records: number; seconds: number; rps: number; failed: number; statuses: Record<string, number> }

let seq = 0

/** Sends batches from `next()` with `concurrency` in flight for `seconds` (or until `maxRecords`). */
export async function load(name: string, url: string, format: Format, next: () => string | Buffer, opts: { seconds: number; concurrency: number; maxRecords?: number }): Promise<Phase> {
  const t0 = performance.now()
  const deadline = t0 + opts.seconds * 1000
  const max = opts.maxRecords ?? Infinity
  let records = 0
  let sent = 0
  let failed = 0
  const statuses: Record<string, number> = {}
  const worker = async () => {
    while (performance.now() < deadline && sent < max) {
      sent += BATCH
      const body = next()
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': CONTENT_TYPE[format], 'idempotency-key': `bench-${process.pid}-${++seq}` }, body: body as BodyInit })
      await res.arrayBuffer()
      statuses[res.status] = (statuses[res.status] ?? 0) + 1
      if (res.status === 200) records += BATCH
      else { failed++; sent -= BATCH; await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 100)) }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, worker))
  const s = (performance.now() - t0) / 1000
  const p = { name, records, seconds: s, rps: records / s, failed, statuses }
  console.log(`  ${name.padEnd(24)} ${records.toLocaleString('en').padStart(11)} records in ${s.toFixed(1).padStart(5)} s = ${Math.round(p.rps).toLocaleString('en').padStart(7)} rec/s acked  (non-200: ${failed}, ${JSON.stringify(statuses)})`)
  return p
}

/** Resident memory of a process, MB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch { return 0 }
}

/** Polls /api/health until the store has every acknowledged record. */
export async function waitDrained(apiUrl: string): Promise<number> {
  for (;;) {
    const body = await (await fetch(apiUrl + '/api/health')).json() as { ingest: { backlogRows: number; storedRows: number } }
    if (body.ingest.backlogRows === 0) return body.ingest.storedRows
    await new Promise((r) => setTimeout(r, 200))
  }
}
