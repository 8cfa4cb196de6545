import type { Store } from './connection.ts'
import { LOG_INSERT_COLUMNS, LOGS_TABLE, SPAN_INSERT_COLUMNS, TRACES_TABLE } from './schema.ts'

/**
 * Order id → where its records are: signal, service, UTC day, first second and the seconds to the
 * last (a difference: 0 for most orders, ~0 bytes, where a Last column took 2 bytes per row). Written by the
 * store writer (writer.ts) from the rows it inserts — the order ids are in the rows' OrderId column
 * already (encode.ts) — in the same chunk, before the logs and spans, with its own deduplication
 * token: a crash between the inserts replays the chunk with the same tokens, so a stored record
 * always has its map row (a repeated row is harmless: the reader folds them). No materialized view:
 * a view wrote a second part per insert of every partition and cost ×1.5–1.7 engine time per insert
 * (BENCHMARKS.md, session 4); here one small insert per chunk carries the whole chunk's orders.
 *
 * An order-id search reads the map first (the table's primary key) and then only the partitions and
 * time range the order's records are in (api/order-narrow.ts), instead of the OrderId bloom filter of
 * every granule of the range. Rows stored before the map existed (an upgraded directory) are older
 * than the map's watermark (ORDER_MAP_SINCE_TABLE, migration 31): a range reaching back to it takes
 * the full path. Restored archive days are added to the map by the restore (archive/operations.ts).
 * Day partitions; the retention enforcer drops the days no hot retention keeps, as it does for the
 * trace bounds.
 */
export const ORDER_MAP_TABLE = 'beacon_order_map'
/** One row: the newest second stored before the map existed (0 on a fresh install). */
export const ORDER_MAP_SINCE_TABLE = 'beacon_order_map_since'

export const SIGNAL_LOGS = 1
export const SIGNAL_SPANS = 2

export const orderMapTableSql = `CREATE TABLE IF NOT EXISTS ${ORDER_MAP_TABLE} (
  OrderId String CODEC(ZSTD(1)),
  Signal UInt8 CODEC(ZSTD(1)),
  ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  First DateTime CODEC(ZSTD(1)),
  Seconds UInt32 CODEC(ZSTD(1)),
  Day Date DEFAULT toDate(First) CODEC(ZSTD(1))
) ENGINE = MergeTree
PARTITION BY Day
ORDER BY (OrderId, Signal, ServiceName)
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000`

export const orderMapSinceTableSql = `CREATE TABLE IF NOT EXISTS ${ORDER_MAP_SINCE_TABLE} (
  Since DateTime
) ENGINE = MergeTree ORDER BY tuple()`

/** Columns the writer inserts (Day follows First). */
export const ORDER_MAP_COLUMNS = ['OrderId', 'Signal', 'ServiceName', 'First', 'Seconds'] as const

const TAB = 9
const NL = 10
const DOT = 46
const SERVICE_COLUMN = LOG_INSERT_COLUMNS.indexOf('ServiceName')
const LOG_ORDER_COLUMN = LOG_INSERT_COLUMNS.indexOf('OrderId')
const SPAN_ORDER_COLUMN = SPAN_INSERT_COLUMNS.indexOf('OrderId')
if (SPAN_INSERT_COLUMNS.indexOf('ServiceName') !== SERVICE_COLUMN || LOG_INSERT_COLUMNS[0] !== 'Timestamp' || SPAN_INSERT_COLUMNS[0] !== 'Timestamp'
  || SERVICE_COLUMN > LOG_ORDER_COLUMN || SERVICE_COLUMN > SPAN_ORDER_COLUMN) {
  throw new Error('order-map: rows must start with Timestamp and have ServiceName before OrderId')
}

interface Entry { signal: number; service: string; day: number; first: number; last: number; next: Entry | null }

/**
 * Collects the distinct (order id, service, day) of TabSeparated rows with their first and last
 * second. Fields are copied as the rows hold them (TSV-escaped) and written back the same way, so
 * nothing is unescaped. Deterministic for the same input (the insert's token depends on it).
 * Per row: the row's tabs up to OrderId (native indexOf), one string for the order id, one map
 * lookup; the service name is decoded once per run of rows of the same service.
 */
export class OrderMapCollector {
  /** Order id → its places (a chain: almost always one). */
  private readonly entries = new Map<string, Entry>()
  private rows = 0

  add(buffers: readonly Buffer[], signal: number): void {
    const orderColumn = signal === SIGNAL_LOGS ? LOG_ORDER_COLUMN : SPAN_ORDER_COLUMN
    let service = ''
    let serviceBuf: Buffer | null = null
    let serviceAt = 0
    let serviceLen = -1
    for (const buf of buffers) {
      const len = buf.length
      let pos = 0
      while (pos < len) {
        let end = buf.indexOf(NL, pos)
        if (end === -1) end = len
        let sec = 0
        for (let i = pos; i < end; i++) {
          const c = buf[i]
          if (c === DOT || c === TAB) break
          sec = sec * 10 + (c - 48)
        }
        let t = pos - 1
        let col = 0
        for (; col < SERVICE_COLUMN; col++) { t = buf.indexOf(TAB, t + 1); if (t === -1 || t >= end) break }
        if (col === SERVICE_COLUMN) {
          const serviceStart = t + 1
          t = buf.indexOf(TAB, serviceStart)
          for (col++; col < orderColumn && t !== -1 && t < end; col++) t = buf.indexOf(TAB, t + 1)
          if (col === orderColumn && t !== -1 && t < end && buf[t + 1] !== TAB && t + 1 < end) {
            let orderEnd = buf.indexOf(TAB, t + 1)
            if (orderEnd === -1 || orderEnd > end) orderEnd = end
            const serviceEnd = buf.indexOf(TAB, serviceStart)
            if (serviceEnd - serviceStart !== serviceLen || serviceBuf === null || buf.compare(serviceBuf, serviceAt, serviceAt + serviceLen, serviceStart, serviceEnd) !== 0) {
              service = buf.toString('latin1', serviceStart, serviceEnd)
              serviceBuf = buf
              serviceAt = serviceStart
              serviceLen = serviceEnd - serviceStart
            }
            this.note(signal, service, buf.toString('latin1', t + 1, orderEnd), sec)
          }
        }
        pos = end + 1
      }
    }
  }

  private note(signal: number, service: string, order: string, sec: number): void {
    const day = Math.floor(sec / 86400)
    let e = this.entries.get(order)
    if (e === undefined) {
      this.entries.set(order, { signal, service, day, first: sec, last: sec, next: null })
      this.rows++
      return
    }
    for (;;) {
      if (e.day === day && e.signal === signal && e.service === service) {
        if (sec < e.first) e.first = sec
        else if (sec > e.last) e.last = sec
        return
      }
      if (e.next === null) break
      e = e.next
    }
    e.next = { signal, service, day, first: sec, last: sec, next: null }
    this.rows++
  }

  /** Map rows collected. */
  get size(): number {
    return this.rows
  }

  /** The map rows as TSV (ORDER_MAP_COLUMNS), the seconds as numbers. */
  tsv(): Buffer {
    let size = 0
    for (const [order, first] of this.entries) {
      for (let e: Entry | null = first; e !== null; e = e.next) size += order.length + e.service.length + 30
    }
    const out = Buffer.allocUnsafe(size)
    let p = 0
    for (const [order, first] of this.entries) {
      for (let e: Entry | null = first; e !== null; e = e.next) {
        p += out.write(order, p, 'latin1')
        out[p++] = TAB
        out[p++] = 48 + e.signal
        out[p++] = TAB
        p += out.write(e.service, p, 'latin1')
        out[p++] = TAB
        p = writeUint(out, p, e.first)
        out[p++] = TAB
        p = writeUint(out, p, e.last - e.first)
        out[p++] = NL
      }
    }
    return out.subarray(0, p)
  }
}

/** Decimal digits of a non-negative integer below 10^12 at `p`; the position after them. */
function writeUint(out: Buffer, p: number, n: number): number {
  if (n <= 0) { out[p] = 48; return p + 1 }
  let digits = 1
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++
  for (let i = p + digits - 1; i >= p; i--) { out[i] = 48 + (n % 10); n = Math.floor(n / 10) }
  return p + digits
}

/**
 * The map rows of what a table holds for `where` (parameters in `params`): the migration's nothing,
 * the archive restore's restored day. Signal 1 for the logs table, 2 for spans.
 */
export function orderMapFromTableSql(signal: number, where: string): string {
  const table = signal === SIGNAL_LOGS ? LOGS_TABLE : TRACES_TABLE
  return `INSERT INTO ${ORDER_MAP_TABLE} (${ORDER_MAP_COLUMNS.join(', ')})
SELECT OrderId, ${signal}, ServiceName, min(toDateTime(Timestamp)), toUnixTimestamp(max(toDateTime(Timestamp))) - toUnixTimestamp(min(toDateTime(Timestamp)))
FROM ${table} WHERE OrderId != '' AND (${where}) GROUP BY OrderId, ServiceName, toDate(Timestamp)
SETTINGS insert_deduplicate = 0, insert_deduplication_token = ''`
}

/** Where an order's records are: per signal and service, merged [first, last] seconds. */
export interface OrderPlace { signal: number; service: string; first: number; last: number }

/** The newest second of the records stored before the map existed (cached: fixed once migrated). */
const sinceCache = new WeakMap<Store, Promise<number>>()
export function orderMapSince(store: Store): Promise<number> {
  let p = sinceCache.get(store)
  if (!p) {
    // No row (the migration did not finish): the map is never trusted.
    p = store.query<{ n: string; s: string }>(`SELECT count() AS n, toUnixTimestamp(max(Since)) AS s FROM ${ORDER_MAP_SINCE_TABLE}`)
      .then((r) => (Number(r[0]?.n ?? 0) > 0 ? Number(r[0].s) : Infinity))
    p.catch(() => sinceCache.delete(store))
    sinceCache.set(store, p)
  }
  return p
}

/** The map's rows for one order, folded per signal and service (null: the map cannot answer for this range). */
export async function lookupOrder(store: Store, orderId: string, fromSec: number, toSec: number): Promise<OrderPlace[] | null> {
  if (fromSec <= await orderMapSince(store)) return null
  const rows = await store.query<{ Signal: number; ServiceName: string; f: number; l: number }>(
    `SELECT Signal, ServiceName, toUnixTimestamp(First) AS f, toUnixTimestamp(First) + Seconds AS l FROM ${ORDER_MAP_TABLE} WHERE OrderId = {id:String}`, { id: orderId })
  const byKey = new Map<string, OrderPlace[]>()
  for (const r of rows) {
    const f = Number(r.f)
    const l = Number(r.l)
    if (l < fromSec || f > toSec) continue
    const key = `${r.Signal}\t${r.ServiceName}`
    const list = byKey.get(key) ?? []
    list.push({ signal: Number(r.Signal), service: r.ServiceName, first: f, last: l })
    byKey.set(key, list)
  }
  const out: OrderPlace[] = []
  for (const list of byKey.values()) {
    list.sort((a, b) => a.first - b.first)
    let cur = { ...list[0] }
    for (const p of list.slice(1)) {
      // Days apart stay apart: each is one partition read; adjacent or overlapping ranges merge.
      if (p.first <= cur.last + 1) cur.last = Math.max(cur.last, p.last)
      else { out.push(cur); cur = { ...p } }
    }
    out.push(cur)
  }
  return out
}
