import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config/load.ts'
import { createStore } from '../src/store/connection.ts'
import { migrate } from '../src/store/migrations.ts'
import { createRowEncoder } from '../src/store/encode.ts'
import { splitByPartition } from '../src/store/partition-split.ts'
import { LOGS_TABLE, LOG_INSERT_COLUMNS } from '../src/store/schema.ts'
import { rebuildTable } from '../src/retention/repartition.ts'
import { RETENTION_MIGRATIONS } from '../src/retention/tables.ts'
import { WriteAheadLog, formatPosition, writeCheckpoint, type WalEntry } from '../src/wal/wal.ts'
import { encodeEntry } from '../src/wal/entry.ts'
import { attrs, type LogRecord } from '../src/pipeline/record.ts'
import { spawnBeacon } from './test-utils.ts'

/**
 * An upgrade right after a crash: the previous version died in the middle of storing a chunk (some
 * day × service inserts done, the checkpoint still `inflight`), and the new version rebuilds the
 * logs table at start (migration 11: index granularity). The rebuilt table would not recognise the
 * insert tokens of the part already stored, so the interrupted range is stored before the rebuild:
 * every record once, none lost.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'beacon-upgrade-crash-'))
after(() => rmSync(dataDir, { recursive: true, force: true }))
const config = loadConfig({ env: { BEACON_DATA_DIR: dataDir }, file: '/dev/null' })
const DAY_NS = 86_400_000_000_000n
const now = BigInt(Date.now()) * 1_000_000n

function rec(i: number, service: string, day: number): LogRecord {
  const t = String(now - BigInt(day) * DAY_NS - BigInt(i) * 1_000_000n)
  return { timeUnixNano: t, observedTimeUnixNano: t, severityText: 'INFO', severityNumber: 9, serviceName: service, body: `crashed ${i}`, traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs() }
}

test('a chunk interrupted by a crash, then an upgrade that rebuilds the logs table: each record stored once', async () => {
  // The previous version's directory: today's schema, but the logs table still with 8,192-row granules.
  const store = await createStore(config)
  await migrate(store, config, RETENTION_MIGRATIONS)
  await rebuildTable(store, LOGS_TABLE, `${LOGS_TABLE}_old`, {
    done: (info) => /index_granularity = 8192/.test(info.create_table_query),
    sql: (q, tmp) => q.replace(/^CREATE TABLE (\S+\.)?`?otel_logs`?/, `CREATE TABLE ${tmp}`).replace(/index_granularity = \d+/, 'index_granularity = 8192'),
  })
  await store.command(`ALTER TABLE beacon_schema_migrations DELETE WHERE version = 11 SETTINGS mutations_sync = 1`)

  // Its write-ahead log: two batches, 60 records over three services and two days, in flight.
  const walDir = join(dataDir, 'wal')
  const wal = await WriteAheadLog.open({ dir: walDir, fsync: false })
  const encode = createRowEncoder(config.businessKeys)
  const from = wal.head()
  const logs: Buffer[] = []
  const entries: WalEntry[] = []
  for (let b = 0; b < 2; b++) {
    const recs = Array.from({ length: 30 }, (_, i) => rec(b * 30 + i, ['shop', 'crm', 'mes'][i % 3], i % 2))
    const rows = Buffer.from(encode.logsBytes(recs))
    entries.push(await wal.append(encodeEntry(`crash-${b}`, recs.length, 0, rows, '')))
    logs.push(rows)
  }
  const to = entries[1].end
  await writeCheckpoint(walDir, { done: from, inflight: { from, to, split: true } }, false)
  await wal.close()
  // The crash: three of the six day × service inserts reached the store.
  const groups = splitByPartition(logs)
  assert.equal(groups.length, 6)
  const token = `${formatPosition(from)}-${formatPosition(to)}:logs`
  for (let i = 0; i < 3; i++) await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, Buffer.concat(groups[i]), `${token}:${i}`)
  const [partial] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${LOGS_TABLE}`)
  assert.ok(Number(partial.n) > 0 && Number(partial.n) < 60, `a partly stored chunk (${partial.n} rows)`)
  await store.close()

  // The new version starts on it.
  const child = await spawnBeacon(dataDir, { BEACON_LOG_LEVEL: 'info' })
  try {
    await child.ready
  } finally {
    child.proc.kill('SIGTERM')
    await new Promise((r) => child.proc.once('exit', r))
  }
  assert.match(child.output(), /completed before a table rebuild/)
  assert.match(child.output(), /"versions":\[11[,\]]/, 'migration 11 ran')

  const after = await createStore(config)
  try {
    const [t] = await after.query<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'otel_logs'")
    assert.match(t.q, /index_granularity = 1024/, 'the logs table was rebuilt')
    const rows = await after.query<{ Body: string; n: string }>(`SELECT Body, count() AS n FROM ${LOGS_TABLE} GROUP BY Body HAVING n > 1`)
    assert.deepEqual(rows, [], 'no record stored twice')
    const [all] = await after.query<{ n: string }>(`SELECT count() AS n FROM ${LOGS_TABLE}`)
    assert.equal(Number(all.n), 60, 'every record of the interrupted chunk, once')
  } finally {
    await after.close()
  }
})
