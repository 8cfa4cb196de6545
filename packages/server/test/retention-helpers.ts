import type { Store } from '../src/store/connection.ts'

/** Today minus `n` days, YYYY-MM-DD (UTC, as the embedded store partitions). */
export const dayAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)

/** Writes `n` log rows for a service on the day `daysAgo` days back (straight into the store, as old data would be). */
export async function seedLogs(store: Store, service: string, daysAgo: number, n: number, bodyBytes = 0): Promise<void> {
  await store.command(`INSERT INTO otel_logs (Timestamp, ObservedTimestamp, SeverityText, SeverityNumber, ServiceName, Body, LogAttributes)
SELECT toDateTime64(toStartOfDay(now()) - toIntervalDay({d:UInt32}) + toIntervalSecond(60 + number % 80000), 9), now64(9), 'INFO', 9, {s:String},
  concat('archived line ', {s:String}, ' ', toString(number), ' ', randomPrintableASCII({pad:UInt32})), map('order.id', concat('O-', toString(number)))
FROM numbers({n:UInt32}) SETTINGS insert_deduplicate = 0, insert_deduplication_token = ''`, { d: daysAgo, s: service, n, pad: bodyBytes })
}

export async function seedSpans(store: Store, service: string, daysAgo: number, n: number): Promise<void> {
  await store.command(`INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, Duration, StatusCode)
SELECT toDateTime64(toStartOfDay(now()) - toIntervalDay({d:UInt32}) + toIntervalSecond(60 + number % 80000), 9), lower(hex(MD5(toString(number)))), lower(hex(number)),
  'GET /orders', {s:String}, 1000 + number, if(number % 10 = 0, 'Error', 'Ok')
FROM numbers({n:UInt32}) SETTINGS insert_deduplicate = 0, insert_deduplication_token = ''`, { d: daysAgo, s: service, n })
}

/** Hot rows per day for a service and table. */
export async function hotDays(store: Store, service: string, table = 'otel_logs'): Promise<Record<string, number>> {
  const rows = await store.query<{ day: string; n: string }>(
    `SELECT toString(toDate(Timestamp)) AS day, count() AS n FROM ${table} WHERE ServiceName = {s:String} GROUP BY day ORDER BY day`, { s: service })
  return Object.fromEntries(rows.map((r) => [r.day, Number(r.n)]))
}
