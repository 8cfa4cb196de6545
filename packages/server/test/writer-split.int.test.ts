import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { loadConfig } from '../src/config/load.ts'
import { createStore } from '../src/store/connection.ts'
import { migrate } from '../src/store/migrations.ts'
import { createRowEncoder } from '../src/store/encode.ts'
import { splitByPartition } from '../src/store/partition-split.ts'
import { LOGS_TABLE, LOG_INSERT_COLUMNS } from '../src/store/schema.ts'
import { StoreWriter } from '../src/store/writer.ts'
import { WriteAheadLog, formatPosition, writeCheckpoint, type WalEntry } from '../src/wal/wal.ts'
import { encodeEntry } from '../src/wal/entry.ts'
import { attrs, type LogRecord } from '../src/pipeline/record.ts'

/**
 * The store writer inserts a chunk one day × service at a time. A crash after some of those
 * inserts (the checkpoint still says `inflight`) is replayed with the same groups and tokens: the
 * groups already stored are recognised, the others stored, nothing twice. A range an earlier
 * version started (no `split` in the checkpoint) is replayed as the one insert it was.
 */
const dir = mkdtempSync(join(tmpdir(), 'beacon-writer-split-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const config = loadConfig({ env: { BEACON_DATA_DIR: dir }, file: '/dev/null' })
const store = await createStore(config)
await migrate(store, config)
after(() => store.close())
const encode = createRowEncoder(config.businessKeys)
const log = pino({ level: 'silent' })
const DAY_NS = 86_400_000_000_000n
const now = BigInt(Date.now()) * 1_000_000n

function rec(i: number, service: string, day: number, tag: string): LogRecord {
  const t = String(now - BigInt(day) * DAY_NS - BigInt(i) * 1_000_000n)
  return { timeUnixNano: t, observedTimeUnixNano: t, severityText: 'INFO', severityNumber: 9, serviceName: service, body: `${tag} ${i}`, traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs() }
}
const count = async (tag: string): Promise<number> => Number((await store.query<{ n: string }>(`SELECT count() AS n FROM ${LOGS_TABLE} WHERE startsWith(Body, {t:String})`, { t: `${tag} ` }))[0].n)

async function crashedRange(tag: string, walDir: string, partly: (bodies: Buffer[], token: string) => Promise<void>, split: boolean): Promise<{ wal: WriteAheadLog; expected: number }> {
  const wal = await WriteAheadLog.open({ dir: walDir, fsync: false })
  const batches = [0, 1].map((b) => Array.from({ length: 30 }, (_, i) => rec(b * 30 + i, ['shop', 'crm', 'mes'][i % 3], i % 2, tag)))
  const from = wal.head()
  const entries: WalEntry[] = []
  const rows = batches.map((recs) => Buffer.from(encode.logsBytes(recs)))
  for (const [b, recs] of batches.entries()) entries.push(await wal.append(encodeEntry(`${tag}-${b}`, recs.length, 0, rows[b], '')))
  const to = entries[entries.length - 1].end
  await writeCheckpoint(walDir, { done: from, inflight: { from, to, ...(split ? { split: true } : {}) } }, false)
  const logs = entries.map((e, b) => Buffer.from(e.payload.subarray(e.payload.length - rows[b].length)))
  await partly(logs, `${formatPosition(from)}-${formatPosition(to)}:logs`)
  return { wal, expected: 60 }
}

test('a crash in the middle of a split chunk: replayed with the same groups and tokens, each row once', async () => {
  const { wal, expected } = await crashedRange('split', join(dir, 'wal-split'), async (logs, token) => {
    const groups = splitByPartition(logs)
    assert.equal(groups.length, 6, 'three services × two days')
    // The first three groups reached the store before the crash.
    for (let i = 0; i < 3; i++) await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, Buffer.concat(groups[i]), `${token}:${i}`)
  }, true)
  assert.ok(await count('split') > 0 && await count('split') < expected)
  const writer = new StoreWriter(wal, store, log, { flushIntervalMs: 50, flushRows: 100_000, fsync: false })
  await writer.recover(() => {})
  await writer.stop()
  assert.equal(await count('split'), expected)
  await wal.close()
})

test('a range an earlier version started (one insert, no split flag) is replayed as one insert', async () => {
  const { wal, expected } = await crashedRange('whole', join(dir, 'wal-whole'), async (logs, token) => {
    await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, Buffer.concat(logs), token)
  }, false)
  assert.equal(await count('whole'), expected)
  const writer = new StoreWriter(wal, store, log, { flushIntervalMs: 50, flushRows: 100_000, fsync: false })
  await writer.recover(() => {})
  await writer.stop()
  assert.equal(await count('whole'), expected, 'recognised by its token, not stored twice')
  await wal.close()
})
