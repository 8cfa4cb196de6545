import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config/load.ts'
import { createStore } from '../src/store/connection.ts'
import { startTestBeacon } from '../src/testing.ts'
import { legacySchemaV1 } from './fixtures/legacy-schema-v1.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'beacon-upgrade-'))
after(() => rmSync(dataDir, { recursive: true, force: true }))

test('a data directory written by the previous version starts, repartitioned, with every row once', async () => {
  const config = loadConfig({ env: { BEACON_DATA_DIR: dataDir }, file: '/dev/null' })
  const old = await createStore(config)
  // The previous version's DDL (day partitions, a TTL), frozen in one fixture for every upgrade test.
  for (const sql of legacySchemaV1(config.businessKeys, 30)) await old.command(sql)
  await old.command(`CREATE TABLE IF NOT EXISTS beacon_schema_migrations (version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version`)
  await old.command(`INSERT INTO beacon_schema_migrations (version, name) VALUES (1, 'logs and traces tables, trace bounds')`)
  // 3 services × 5 days of logs, with order ids (materialized columns must be computed again).
  await old.command(`INSERT INTO otel_logs (Timestamp, ObservedTimestamp, TraceId, SeverityText, SeverityNumber, ServiceName, Body, LogAttributes)
    SELECT now64(9) - toIntervalHour(number % 120), now64(9), if(number % 10 = 0, lower(hex(number)), ''), 'INFO', 9,
      ['shop-api', 'crm-api', 'mes'][number % 3 + 1], concat('line ', toString(number)), map('order.id', concat('A-', toString(number)))
    FROM numbers(3000)`)
  await old.command(`INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, Duration)
    SELECT now64(9) - toIntervalHour(number % 96), lower(hex(1000000 + number)), lower(hex(number)), 'GET /x', ['shop-api', 'mes'][number % 2 + 1], number
    FROM numbers(1000)`)
  const before = await old.query<{ logs: string; spans: string; orders: string; bounds: string }>(`SELECT
    (SELECT count() FROM otel_logs) AS logs, (SELECT count() FROM otel_traces) AS spans,
    (SELECT countIf(OrderId != '') FROM otel_logs) AS orders, (SELECT uniqExact(TraceId) FROM otel_traces_trace_id_ts) AS bounds`)
  await old.close()

  const t = await startTestBeacon({ dataDir })
  try {
    const keys = await t.store.query<{ name: string; partition_key: string; create_table_query: string }>(
      `SELECT name, partition_key, create_table_query FROM system.tables WHERE database = currentDatabase() AND name IN ('otel_logs', 'otel_traces') ORDER BY name`)
    assert.deepEqual(keys.map((k) => k.partition_key.replace(/\s/g, '')), ['(toDate(TimestampTime),ServiceName)', '(toDate(Timestamp),ServiceName)'])
    for (const k of keys) assert.ok(!/ TTL /.test(k.create_table_query), `${k.name} has no TTL`)
    const [bounds] = await t.store.query<{ q: string }>(`SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'otel_traces_trace_id_ts'`)
    assert.ok(!/ TTL /.test(bounds.q), 'trace bounds have no TTL (the enforcer keeps them as long as the longest retention)')
    // Indexes, codecs and settings from the old table are kept.
    assert.match(keys[0].create_table_query, /INDEX idx_body/)
    assert.match(keys[0].create_table_query, /non_replicated_deduplication_window = 10000/)
    const tables = (await t.store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase()`)).map((r) => r.name)
    assert.ok(!tables.some((n) => n.endsWith('_repartition')), 'no leftover copy')
    const [after1] = await t.store.query<{ logs: string; spans: string; orders: string; bounds: string }>(`SELECT
      (SELECT count() FROM otel_logs) AS logs, (SELECT count() FROM otel_traces) AS spans,
      (SELECT countIf(OrderId != '') FROM otel_logs) AS orders, (SELECT uniqExact(TraceId) FROM otel_traces_trace_id_ts) AS bounds`)
    assert.deepEqual(after1, before[0])
    const [parts] = await t.store.query<{ p: string }>(`SELECT uniqExact(partition) AS p FROM system.parts WHERE table = 'otel_logs' AND active`)
    assert.ok(Number(parts.p) >= 12, `day × service partitions (${parts.p})`)
    // The trace-bounds views still fire on the new table.
    await t.store.command(`INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName) VALUES (now64(9), 'feedfacefeedface', '01', 'x', 'mes')`)
    const [b] = await t.store.query<{ n: string }>(`SELECT count() AS n FROM otel_traces_trace_id_ts WHERE TraceId = 'feedfacefeedface'`)
    assert.equal(Number(b.n), 1)
    const migrations = await t.api<{ migrations: number[] }>('/api/health')
    assert.ok(migrations.body.migrations.includes(300) && migrations.body.migrations.includes(301))
  } finally {
    await t.stop({ keepData: true })
  }
  // A second start changes nothing.
  const again = await startTestBeacon({ dataDir })
  const [n] = await again.store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs`)
  assert.equal(Number(n.n), Number(before[0].logs))
  await again.stop({ keepData: true })
})
