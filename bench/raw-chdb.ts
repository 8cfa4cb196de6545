import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../packages/server/src/config/load.ts'
import { createStore } from '../packages/server/src/store/connection.ts'
import { migrate } from '../packages/server/src/store/migrations.ts'
import { createRowEncoder } from '../packages/server/src/store/encode.ts'
import { LOGS_TABLE, LOG_INSERT_COLUMNS } from '../packages/server/src/store/schema.ts'
import { attrs, type LogRecord } from '../packages/server/src/pipeline/record.ts'
import type { GenRecord } from './generate.ts'

/**
 * A generated record as the pipeline would hand it to the encoder; `observedNs` is the receive
 * time (the OTLP receiver stamps one per request when the record has none).
 */
export function toLogRecord(r: GenRecord, observedNs = r.tsNs): LogRecord {
  const a = attrs()
  for (const [k, v] of r.attrs) a[k] = v
  const res = attrs()
  res['service.name'] = r.service
  res['host.name'] = `node-${r.service}-1`
  return { timeUnixNano: r.tsNs, observedTimeUnixNano: observedNs, severityText: r.level, severityNumber: r.sev, serviceName: r.service, body: r.body, traceId: r.traceId, spanId: r.spanId, traceFlags: 1, eventName: '', scopeName: 'bench', scopeVersion: '', resource: res, attributes: a }
}

/**
 * The baseline: the same rows inserted straight into a chDB table with Beacon's schema (same
 * indexes, same views), in this process, TabSeparated through the store's own insert (chDB
 * zero-copy), 100,000 rows per insert, after one warm-up insert. Encoding to TSV is done before the
 * clock starts; only the engine's work is timed.
 */
export async function rawChdbInsert(batches: GenRecord[][]): Promise<{ rows: number; seconds: number; rps: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-rawchdb-'))
  const config = loadConfig({ env: { BEACON_DATA_DIR: dir }, file: '/dev/null' })
  const store = await createStore(config)
  const encoder = createRowEncoder(config.businessKeys)
  try {
    await migrate(store, config)
    const chunks: Buffer[] = []
    for (let i = 0; i < batches.length; i += 100) {
      const logs: LogRecord[] = batches.slice(i, i + 100).flat().map((r, j) => toLogRecord(r, `${Date.now() + i * 10 + Math.floor(j / 1000) * 10}000000`))
      chunks.push(Buffer.from(encoder.logsBytes(logs)))
    }
    await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, chunks[0])
    const timed = chunks.slice(1)
    const rows = batches.slice(100).reduce((n, b) => n + b.length, 0)
    const t0 = performance.now()
    for (const c of timed) await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, c)
    const seconds = (performance.now() - t0) / 1000
    return { rows, seconds, rps: rows / seconds }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
