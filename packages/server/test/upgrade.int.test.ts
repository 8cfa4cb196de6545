import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config/load.ts'
import { createStore } from '../src/store/connection.ts'
import { attrs, type LogRecord } from '../src/pipeline/record.ts'
import { LEGACY_LOG_INSERT_COLUMNS, legacyEncodeLogs, legacySchemaV1 } from './fixtures/legacy-schema-v1.ts'
import { eventually, otlpLogsJson, spawnBeacon } from './test-utils.ts'

/**
 * Upgrade: a data directory written by version 1 (its DDL and its insert format, verbatim in
 * fixtures/legacy-schema-v1.ts), then `beacon start` of this version on it. Every stored record is
 * still there once, with its business keys; the migrations fold old records into the rollups; new
 * records are stored next to them; a second start changes nothing.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'beacon-upgrade-'))
after(() => rmSync(dataDir, { recursive: true, force: true }))

const NOW_S = Math.floor(Date.now() / 1000) - 3600
function oldLog(i: number): LogRecord {
  const a = attrs()
  a['order.id'] = `ORD-OLD-${i}`
  a['http.response.status_code'] = i % 10 === 0 ? '500' : '200'
  return {
    timeUnixNano: `${NOW_S - i}000000000`, observedTimeUnixNano: `${NOW_S}000000000`, severityText: i % 10 === 0 ? 'ERROR' : 'INFO',
    severityNumber: i % 10 === 0 ? 17 : 9, serviceName: 'legacy-api', body: `old record ${i}`, traceId: 'ab' + i.toString(16).padStart(30, '0'),
    spanId: '', traceFlags: 0, eventName: '', scopeName: 'v1', scopeVersion: '', resource: attrs(), attributes: a,
  }
}

test('beacon start on a data directory written by version 1 keeps every record and migrates once', async () => {
  const config = loadConfig({ env: { BEACON_DATA_DIR: dataDir }, file: '/dev/null' })
  const store = await createStore(config)
  await store.command(`CREATE TABLE IF NOT EXISTS beacon_schema_migrations (version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version`)
  for (const sql of legacySchemaV1(config.businessKeys, config.retention.days)) await store.command(sql)
  await store.command(`INSERT INTO beacon_schema_migrations (version, name) VALUES (1, 'logs and traces tables, trace bounds')`)
  const old = Array.from({ length: 500 }, (_, i) => oldLog(i))
  await store.insertTsv('otel_logs', LEGACY_LOG_INSERT_COLUMNS, Buffer.from(legacyEncodeLogs(old)))
  await store.close()

  const run = async (expectNewRecords: number) => {
    const child = await spawnBeacon(dataDir, { BEACON_LOG_LEVEL: 'info' })
    try {
      await child.ready
      const get = async (path: string) => (await fetch(child.apiUrl + path)).json() as Promise<any>
      if (expectNewRecords) {
        const res = await fetch(`${child.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpLogsJson('new-api', 'new', expectNewRecords, (i) => ({ 'order.id': `ORD-NEW-${i}` })) })
        assert.equal(res.status, 200)
      }
      const hit = await eventually(async () => {
        const b = await get('/api/search?q=order.id:ORD-NEW-3&from=now-2h')
        return b.total === 1 ? b : null
      }, 20_000, 'the new record to be searchable')
      assert.equal(hit.events.length, 1)
      const oldHit = await get('/api/search?q=order.id:ORD-OLD-7&from=now-2h')
      assert.equal(oldHit.total, 1, 'an old record keeps its materialized order id, once')
      const all = await get('/api/search?q=&from=now-3h&limit=1')
      assert.equal(all.total, 510, 'old and new records, none lost or doubled (rollup histogram)')
      const services = await get('/api/services?from=now-3h')
      const legacy = services.services.find((s: any) => s.name === 'legacy-api')
      assert.deepEqual([legacy.logs, legacy.errors], [500, 50], 'old records folded into the rollups exactly once')
      const trace = await get(`/api/traces/${'ab' + (7).toString(16).padStart(30, '0')}`)
      assert.equal(trace.logs.length, 1, 'a log-only trace is found (bounds written by version 1, or the bloom filter)')
      const health = await get('/api/health')
      return { health, output: child.output() }
    } finally {
      child.proc.kill('SIGTERM')
      await new Promise((r) => child.proc.once('exit', r))
    }
  }
  const first = await run(10)
  assert.match(first.output, /schema migrations applied/)
  assert.match(first.output, /"versions":\[2,3,4,5[,\]]/, 'migrations 2–5 ran on the old directory')
  const second = await run(0)
  assert.ok(!second.output.includes('schema migrations applied'), 'the second start migrates nothing')
  const after = await createStore(config)
  try {
    const [t] = await after.query<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'otel_logs'")
    assert.match(t.q, /index_granularity = 1024/, 'the logs table was rebuilt with the smaller granules (migration 11)')
    assert.match(t.q, /ObservedTimestamp`? DateTime64\(9\) CODEC\(ZSTD\(1\)\)/, 'ObservedTimestamp without Delta (migration 10)')
    const [deps] = await after.query<{ d: string[] }>("SELECT dependencies_table AS d FROM system.tables WHERE database = currentDatabase() AND name = 'otel_logs'")
    assert.ok(deps.d.includes('beacon_logs_1m_mv'), 'the rollup view reads the rebuilt table')
    const [rolled] = await after.query<{ n: string }>("SELECT sum(Count) AS n FROM beacon_logs_1m WHERE ServiceName = 'new-api'")
    assert.equal(Number(rolled.n), 10, 'records written after the rebuild reach the rollup')
    const left = await after.query<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%relayout%'")
    assert.deepEqual(left, [], 'no leftover copy')
  } finally {
    await after.close()
  }
  // Migration 5's merge settings survive the retention migrations' repartitioning (a new table with the old one's settings).
  const reopened = await createStore(config)
  try {
    const tables = await reopened.query<{ name: string; sql: string }>(`SELECT name, create_table_query AS sql FROM system.tables WHERE database = currentDatabase() AND name IN ('otel_logs', 'otel_traces')`)
    assert.equal(tables.length, 2)
    for (const t of tables) assert.match(t.sql, /vertical_merge_algorithm_min_rows_to_activate = 1/, t.name)
  } finally {
    await reopened.close()
  }
})
