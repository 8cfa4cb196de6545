import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import pino from 'pino'
import { loadConfig } from '../src/config/load.ts'
import { createStore } from '../src/store/connection.ts'
import { migrate } from '../src/store/migrations.ts'
import { createRowEncoder } from '../src/store/encode.ts'
import { LOGS_TABLE } from '../src/store/schema.ts'
import { StoreWriter } from '../src/store/writer.ts'
import { WriteAheadLog } from '../src/wal/wal.ts'
import { encodeEntry } from '../src/wal/entry.ts'
import { attrs, type LogRecord } from '../src/pipeline/record.ts'

/**
 * The store writer keeps the rows of only `residentBytes` of its backlog in memory; the rest is read
 * back from the write-ahead log when inserted. Everything is stored once and in order either way,
 * also across log segments, and an entry past the budget is not held by the writer.
 */
const dir = mkdtempSync(join(tmpdir(), 'beacon-writer-backlog-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const config = loadConfig({ env: { BEACON_DATA_DIR: dir }, file: '/dev/null' })
const store = await createStore(config)
await migrate(store, config)
after(() => store.close())
const encode = createRowEncoder(config.businessKeys)
const log = pino({ level: 'silent' })
const now = BigInt(Date.now()) * 1_000_000n

/** An entry of 40 records of ~200 bytes each (its own allocation: larger than Buffer's pool). */
function entry(tag: string, batch: number): Buffer {
  const recs: LogRecord[] = Array.from({ length: 40 }, (_, i) => {
    const t = String(now - BigInt(batch * 40 + i) * 1_000_000n)
    return { timeUnixNano: t, observedTimeUnixNano: t, severityText: 'INFO', severityNumber: 9, serviceName: 'shop', body: `${tag} ${batch * 40 + i} ${'x'.repeat(200)}`, traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs() }
  })
  return encodeEntry(`${tag}-${batch}`, recs.length, 0, encode.logsBytes(recs), '')
}
const bodies = async (tag: string): Promise<string[]> =>
  (await store.query<{ b: string }>(`SELECT Body AS b FROM ${LOGS_TABLE} WHERE startsWith(Body, {t:String}) ORDER BY Timestamp DESC`, { t: `${tag} ` })).map((r) => r.b.split(' ')[1])

test('a backlog past the in-memory budget is read back from the log, across segments, each row once and in order', async () => {
  const wal = await WriteAheadLog.open({ dir: join(dir, 'wal-order'), fsync: false, segmentBytes: 30_000 })
  const writer = new StoreWriter(wal, store, log, { flushIntervalMs: 60_000, flushRows: 100, fsync: false, residentBytes: 2 * entry('order', 0).length })
  let bytes = 0
  for (let b = 0; b < 12; b++) {
    const payload = entry('order', b)
    bytes += payload.length
    writer.enqueue(await wal.append(payload))
  }
  assert.ok((await wal.segments()).length >= 3, 'the backlog spans several segments')
  assert.equal(writer.backlogBytes, bytes, 'every queued byte still counts against maxPendingBytes')
  await writer.stop()
  assert.deepEqual(await bodies('order'), Array.from({ length: 480 }, (_, i) => String(i)))
  assert.equal(writer.backlogBytes, 0)
  await wal.close()
})

test('an entry past the budget is not held in memory by the writer', async () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const wal = await WriteAheadLog.open({ dir: join(dir, 'wal-memory'), fsync: false })
  const writer = new StoreWriter(wal, store, log, { flushIntervalMs: 60_000, flushRows: 100_000, fsync: false, residentBytes: 0 })
  // In a function of its own: no frame of the test keeps a payload.
  const enqueue = async (b: number): Promise<WeakRef<ArrayBuffer>> => {
    const payload = entry('memory', b)
    writer.enqueue(await wal.append(payload))
    return new WeakRef(payload.buffer as ArrayBuffer)
  }
  const refs = [await enqueue(0), await enqueue(1), await enqueue(2)]
  await new Promise((r) => setImmediate(r))
  gc()
  assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'the payloads were collected')
  await writer.stop()
  assert.equal((await bodies('memory')).length, 120)
  await wal.close()
})
