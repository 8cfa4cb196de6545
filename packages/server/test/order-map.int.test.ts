import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { loadConfig } from '../src/config/load.ts'
import { createStore, type Store } from '../src/store/connection.ts'
import { migrate } from '../src/store/migrations.ts'
import { createRowEncoder } from '../src/store/encode.ts'
import { splitByPartition } from '../src/store/partition-split.ts'
import { LOGS_TABLE, LOG_INSERT_COLUMNS, TRACES_TABLE } from '../src/store/schema.ts'
import { OrderMapCollector, ORDER_MAP_COLUMNS, ORDER_MAP_SINCE_TABLE, ORDER_MAP_TABLE, SIGNAL_LOGS, SIGNAL_SPANS, lookupOrder } from '../src/store/order-map.ts'
import { StoreWriter } from '../src/store/writer.ts'
import { WriteAheadLog, formatPosition, writeCheckpoint, type WalEntry } from '../src/wal/wal.ts'
import { encodeEntry } from '../src/wal/entry.ts'
import { attrs, type LogRecord, type SpanRecord } from '../src/pipeline/record.ts'
import { startTestBeacon } from '../src/testing.ts'

/**
 * The order-id map (store/order-map.ts) is written by the store writer with the records. After a
 * crash in the middle of a chunk — before the map insert (as an earlier version left it) or after it
 * — the replay leaves every stored order id in the map, with bounds that cover its records. Order-id
 * searches through the map answer exactly what the full path answers.
 */
const dir = mkdtempSync(join(tmpdir(), 'beacon-order-map-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const config = loadConfig({ env: { BEACON_DATA_DIR: dir }, file: '/dev/null' })
const store = await createStore(config)
await migrate(store, config)
let closed = false
after(() => (closed ? undefined : store.close()))
const encode = createRowEncoder(config.businessKeys)
const log = pino({ level: 'silent' })
const DAY_NS = 86_400_000_000_000n
const now = BigInt(Date.now()) * 1_000_000n
const ORDERS = ['ORD-1', 'ORD-2', 'ORD-3', 'ORD\t4\\x', 'ÖRD-ü5', 'ORD-6', 'ORD-7']
const SERVICES = ['shop', 'crm', 'mes']

function rec(i: number, tag: string): LogRecord {
  const t = String(now - BigInt(i % 2) * DAY_NS - BigInt(i) * 1_000_000_000n)
  const attributes = attrs()
  if (i % 5 !== 4) attributes['order.id'] = `${tag}-${ORDERS[i % ORDERS.length]}`
  return { timeUnixNano: t, observedTimeUnixNano: t, severityText: 'INFO', severityNumber: 9, serviceName: SERVICES[i % 3], body: `${tag} ${i}`, traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: attrs(), attributes }
}

function span(i: number, tag: string): SpanRecord {
  const attributes = attrs()
  attributes['order.id'] = `${tag}-${ORDERS[i % ORDERS.length]}`
  return {
    timeUnixNano: String(now - BigInt(i) * 7_000_000_000n), durationNano: '1000', traceId: 'ab'.repeat(16), spanId: `f${String(i).padStart(15, '0')}`, parentSpanId: '', traceState: '',
    name: 'op', kind: 'Server', serviceName: SERVICES[(i + 1) % 3], scopeName: '', scopeVersion: '', resource: attrs(), attributes, statusCode: 'Ok', statusMessage: '', events: [], links: [],
  }
}

/** Every stored (order, signal, service, day) with its first and last second, and whether the map covers it. */
async function uncovered(s: Store, tag: string): Promise<{ stored: number; missing: string[] }> {
  const stored = await s.query<{ o: string; sig: number; svc: string; d: string; f: number; l: number }>(
    `SELECT OrderId AS o, 1 AS sig, ServiceName AS svc, toString(toDate(TimestampTime)) AS d, toUnixTimestamp(min(TimestampTime)) AS f, toUnixTimestamp(max(TimestampTime)) AS l
     FROM ${LOGS_TABLE} WHERE startsWith(OrderId, {t:String}) GROUP BY o, svc, d
     UNION ALL
     SELECT OrderId AS o, 2 AS sig, ServiceName AS svc, toString(toDate(Timestamp)) AS d, toUnixTimestamp(min(toDateTime(Timestamp))) AS f, toUnixTimestamp(max(toDateTime(Timestamp))) AS l
     FROM ${TRACES_TABLE} WHERE startsWith(OrderId, {t:String}) GROUP BY o, svc, d`, { t: `${tag}-` })
  const map = await s.query<{ o: string; sig: number; svc: string; d: string; f: number; l: number }>(
    `SELECT OrderId AS o, Signal AS sig, ServiceName AS svc, toString(Day) AS d, toUnixTimestamp(First) AS f, toUnixTimestamp(First) + Seconds AS l FROM ${ORDER_MAP_TABLE} WHERE startsWith(OrderId, {t:String})`, { t: `${tag}-` })
  const missing = stored.filter((r) => !map.some((m) => m.o === r.o && Number(m.sig) === Number(r.sig) && m.svc === r.svc && m.d === r.d && Number(m.f) <= Number(r.f) && Number(m.l) >= Number(r.l)))
  return { stored: stored.length, missing: missing.map((r) => JSON.stringify(r)) }
}

const mapRows = async (tag: string): Promise<number> => Number((await store.query<{ n: string }>(`SELECT count() AS n FROM ${ORDER_MAP_TABLE} WHERE startsWith(OrderId, {t:String})`, { t: `${tag}-` }))[0].n)
const logCount = async (tag: string): Promise<number> => Number((await store.query<{ n: string }>(`SELECT count() AS n FROM ${LOGS_TABLE} WHERE startsWith(Body, {t:String})`, { t: `${tag} ` }))[0].n)

/** Appends two batches to a fresh write-ahead log and marks them in flight, as a crash in the middle of their insert leaves them. */
let pads = 0
async function crashed(tag: string, partly: (logs: Buffer[], spans: Buffer[], token: string) => Promise<void>): Promise<WriteAheadLog> {
  const walDir = join(dir, `wal-${tag}`)
  const wal = await WriteAheadLog.open({ dir: walDir, fsync: false })
  // Each test's log at its own positions: the tokens (positions) differ from the other test's.
  await wal.append(encodeEntry(`${tag}-pad`, 0, 0, Buffer.alloc(100 * ++pads), Buffer.alloc(0)))
  const from = wal.head()
  const entries: WalEntry[] = []
  const logs: Buffer[] = []
  const spans: Buffer[] = []
  for (let b = 0; b < 2; b++) {
    const l = Buffer.from(encode.logsBytes(Array.from({ length: 40 }, (_, i) => rec(b * 40 + i, tag))))
    const s = Buffer.from(encode.spansBytes(Array.from({ length: 10 }, (_, i) => span(b * 10 + i, tag))))
    logs.push(l)
    spans.push(s)
    entries.push(await wal.append(encodeEntry(`${tag}-${b}`, 40, 10, l, s)))
  }
  const to = entries[entries.length - 1].end
  await writeCheckpoint(walDir, { done: from, inflight: { from, to, split: true } }, false)
  await partly(logs, spans, `${formatPosition(from)}-${formatPosition(to)}`)
  return wal
}

async function recover(wal: WriteAheadLog): Promise<void> {
  const writer = new StoreWriter(wal, store, log, { flushIntervalMs: 50, flushRows: 100_000, fsync: false })
  await writer.recover(() => {})
  await writer.stop()
  await wal.close()
}

test('a crash after some of a chunk\'s log inserts but before its map insert (an earlier version): the replay puts every order in the map', async () => {
  const wal = await crashed('old', async (logs, _spans, token) => {
    const groups = splitByPartition(logs)
    for (let i = 0; i < 2; i++) await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, Buffer.concat(groups[i]), `${token}:logs:${i}`)
  })
  assert.ok((await uncovered(store, 'old')).missing.length > 0, 'stored records whose orders the map does not know yet')
  await recover(wal)
  assert.equal(await logCount('old'), 80, 'each record once')
  const { stored, missing } = await uncovered(store, 'old')
  assert.ok(stored > 30, `orders × services × days stored (${stored})`)
  assert.deepEqual(missing, [])
})

test('a crash after the map insert and some log inserts: replayed with the same tokens, the map rows once', async () => {
  let expected = 0
  const wal = await crashed('new', async (logs, spans, token) => {
    const c = new OrderMapCollector()
    c.add(logs, SIGNAL_LOGS)
    c.add(spans, SIGNAL_SPANS)
    expected = c.size
    await store.insertTsv(ORDER_MAP_TABLE, ORDER_MAP_COLUMNS, c.tsv(), `${token}:orders`)
    const groups = splitByPartition(logs)
    await store.insertTsv(LOGS_TABLE, LOG_INSERT_COLUMNS, Buffer.concat(groups[0]), `${token}:logs:0`)
  })
  await recover(wal)
  assert.equal(await logCount('new'), 80)
  assert.deepEqual((await uncovered(store, 'new')).missing, [])
  assert.equal(await mapRows('new'), expected, 'the replayed map insert was recognised by its token')
})

test('the map is not trusted for a range reaching back to the records stored before it (the watermark)', async () => {
  // The watermark is read once per store object: a new one sees the changed value.
  const s2: Store = Object.create(store)
  const [before] = await store.query<{ s: number }>(`SELECT toUnixTimestamp(max(Since)) AS s FROM ${ORDER_MAP_SINCE_TABLE}`)
  assert.equal(Number(before.s), 0, 'a fresh install: everything is in the map')
  await store.command(`TRUNCATE TABLE ${ORDER_MAP_SINCE_TABLE}`)
  try {
    assert.equal(await lookupOrder(Object.create(store), 'ORD-1', 1_000_000, 3_000_000), null, 'no watermark (migration unfinished): never trusted')
    await store.command(`INSERT INTO ${ORDER_MAP_SINCE_TABLE} (Since) VALUES (toDateTime({s:UInt32}))`, { s: 2_000_000 })
    assert.equal(await lookupOrder(s2, 'ORD-1', 1_000_000, 3_000_000), null, 'from before the watermark: the full path')
    assert.deepEqual(await lookupOrder(s2, 'ORD-1', 2_000_001, 3_000_000), [], 'after it: the map answers (nothing)')
  } finally {
    await store.command(`TRUNCATE TABLE ${ORDER_MAP_SINCE_TABLE}`)
    await store.command(`INSERT INTO ${ORDER_MAP_SINCE_TABLE} (Since) VALUES (toDateTime(0))`)
  }
})

test('order-id searches and the order timeline through the map answer what the full path answers, also after a restart', async () => {
  // chDB opens one data directory per process.
  await store.close()
  closed = true
  const tbDir = mkdtempSync(join(tmpdir(), 'beacon-order-api-'))
  after(() => rmSync(tbDir, { recursive: true, force: true }))
  let tb = await startTestBeacon({ dataDir: tbDir })
  try {
    const logs = Array.from({ length: 300 }, (_, i) => rec(i, 'api'))
    const spans = Array.from({ length: 40 }, (_, i) => span(i, 'api'))
    for (let k = 0; k < logs.length; k += 100) {
      const out = await tb.beacon.ingest.submit({ id: `order-map-${k}`, source: 'test', logs: logs.slice(k, k + 100), spans: k === 0 ? spans : [], rejected: 0 })
      assert.equal(out.status, 'ok')
    }
    await tb.flush()
    assert.deepEqual((await uncovered(tb.store, 'api')).missing, [])
    // Ids with characters TSV escapes are stored in the map as they are.
    const places = await lookupOrder(tb.store, 'api-ORD\t4\\x', 1, Math.floor(Date.now() / 1000) + 60)
    assert.ok(places && places.length > 0 && places.every((p) => SERVICES.includes(p.service)), JSON.stringify(places))
    for (let round = 0; round < 2; round++) {
      for (const o of [...ORDERS.map((x) => `api-${x}`), 'api-no-such-order']) {
        for (const target of ['logs', 'spans']) {
          for (const limit of [100, 3]) {
            const get = async (q: string) => {
              const r = await tb.api(`/api/search?target=${target}&from=now-3d&limit=${limit}&q=${encodeURIComponent(q)}`)
              assert.equal(r.status, 200, JSON.stringify(r.body))
              return r.body
            }
            const quoted = JSON.stringify(o)
            // The OR makes the query neither a point lookup nor an order-id search: the full path.
            const [mapped, full] = await Promise.all([get(`order.id:${quoted}`), get(`order.id:${quoted} OR order.id:"nothing-at-all"`)])
            assert.equal(mapped.total, full.total, `${o} ${target} total`)
            assert.deepEqual(mapped.events.map((e: any) => e.id), full.events.map((e: any) => e.id), `${o} ${target} events, limit ${limit}`)
            assert.deepEqual(mapped.histogram, full.histogram, `${o} ${target} histogram`)
            if (o !== 'api-no-such-order' && !o.includes('\t') && limit === 100) assert.ok(mapped.total > 0, `${o} ${target} found`)
          }
        }
        const tl = await tb.api(`/api/orders/${encodeURIComponent(o)}/timeline?from=now-3d`)
        assert.equal(tl.status, 200)
        const [n] = await tb.store.query<{ n: string }>(`SELECT (SELECT count() FROM ${LOGS_TABLE} WHERE OrderId = {o:String}) + (SELECT count() FROM ${TRACES_TABLE} WHERE OrderId = {o:String}) AS n`, { o })
        assert.equal(tl.body.entries.length, Number(n.n), `${o} timeline`)
      }
      // A restart on the same directory: the map and its watermark stay as they were.
      await tb.stop({ keepData: true })
      tb = await startTestBeacon({ dataDir: tbDir })
    }
  } finally {
    await tb.stop({ keepData: true })
  }
})
