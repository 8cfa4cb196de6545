import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { compileSearch } from '@beacon/query'
import type { TableLog, TableSpan } from '@beacon/query/test-table'
import { businessKeysSchema } from '../src/config/schema.ts'
import { createRowEncoder } from '../src/store/encode.ts'
import { LOG_INSERT_COLUMNS, LOGS_TABLE, SPAN_INSERT_COLUMNS, TRACES_TABLE, logsTableSql, tracesTableSql } from '../src/store/schema.ts'

/**
 * Test helper: the real engine (chDB) with the tables exactly as the server declares them, filled
 * through the server's own encoder (what the ingest path writes), and a way to ask which records a
 * query matches.
 */

/** The business keys the tables are created with (the configuration's defaults). */
export const KEYS = businessKeysSchema.parse({})
const encoder = createRowEncoder(KEYS)

export interface Engine {
  client: ClickHouseClient
  /** Inserts records as one insert (one part) into `table`. */
  insertLogs(records: readonly TableLog[], table?: string): Promise<void>
  insertSpans(records: readonly TableSpan[]): Promise<void>
  /** Labels (ScopeName) of the rows a query matches, sorted. */
  labels(table: string, q: string, target: 'logs' | 'spans', settings?: string): Promise<string[]>
  rows<T = Record<string, string>>(sql: string, params?: Record<string, unknown>): Promise<T[]>
  close(): Promise<void>
}

export async function createEngine(): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-query-'))
  const client = createClient({ connection: createChdbConnection({ path: dir }) as never })
  await client.command({ query: logsTableSql(KEYS) })
  await client.command({ query: tracesTableSql(KEYS) })
  const insert = async (table: string, columns: readonly string[], tsv: Buffer): Promise<void> => {
    await client.insert({ table, columns: columns as [string, ...string[]], format: 'TabSeparated', values: Readable.from([tsv], { objectMode: false }) })
  }
  const rows = async <T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> => {
    const rs = await client.query({ query: sql, format: 'JSONEachRow', query_params: params })
    return rs.json()
  }
  return {
    client,
    rows,
    insertLogs: (records, table = LOGS_TABLE) => insert(table, LOG_INSERT_COLUMNS, Buffer.from(encoder.logsBytes(records))),
    insertSpans: (records) => insert(TRACES_TABLE, SPAN_INSERT_COLUMNS, Buffer.from(encoder.spansBytes(records))),
    async labels(table, q, target, settings = '') {
      const { sql, params } = compileSearch(q, { target })
      const found = await rows<{ label: string }>(`SELECT ScopeName AS label FROM ${table} WHERE ${sql} ORDER BY label ${settings}`, params)
      return found.map((r) => r.label)
    },
    async close() {
      await client.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
