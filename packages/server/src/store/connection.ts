import { Readable } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../config/schema.ts'

/**
 * The store: ClickHouse through `@clickhouse/client`, embedded (chDB in-process) or a server.
 * This factory is the only place that knows which one it is; everything above uses `Store`.
 */
export interface Store {
  /** Runs a SELECT with `{name:Type}` parameters; returns the rows. */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>
  /** Runs DDL or any statement without a result. */
  command(sql: string, params?: Record<string, unknown>): Promise<void>
  /**
   * Inserts TabSeparated rows (see tsv.ts). With `dedupToken` a replay of the same insert is
   * ignored by ClickHouse (insert_deduplication_token + non_replicated_deduplication_window, or the
   * replicated window in cluster mode); without one the insert is never deduplicated.
   */
  insertTsv(table: string, columns: readonly string[], body: Buffer, dedupToken?: string): Promise<void>
  /** Where the data is, for the start banner ("embedded ./data/clickhouse" or the server URL without credentials). */
  readonly description: string
  close(): Promise<void>
}

/**
 * Beacon's engine arguments for embedded chDB (server settings, given at start; docs/ingest.md,
 * "Memory of the embedded store"). An operator's `BEACON_CHDB_ARGS` replace the ones of the same
 * name and add others. The engine sizes its caches for a server of its own (5 GB each for marks,
 * index marks and primary indexes, 4 GB for the text index): here it shares one process with
 * Beacon, whose goal is a 1 GB peak. The caps below are still well above what the bench's 10 M
 * records need (marks of 1,024-row granules: ~6 MB; the whole text index: ~230 MB).
 */
export const EMBEDDED_ARGS: readonly string[] = [
  '--mark_cache_size=268435456',
  '--index_mark_cache_size=134217728',
  '--primary_index_cache_size=134217728',
  '--text_index_tokens_cache_size=134217728',
  '--text_index_header_cache_size=67108864',
  '--text_index_postings_cache_size=268435456',
]

/** Beacon's defaults merged with the configured arguments: one `--name=value` per name, the configured value wins. */
export function embeddedArgs(configured: readonly string[]): string[] {
  const byName = new Map<string, string>()
  for (const arg of [...EMBEDDED_ARGS, ...configured]) byName.set(arg.slice(0, arg.indexOf('=')), arg)
  return [...byName.values()]
}

/** chDB's zero-copy insert (`connection.chdb.rawInsert`): the Buffer goes to the engine's parallel parser as is. */
type RawInsert = (p: { table: string; values: Buffer; format: 'TabSeparated'; columns: readonly string[]; settings: Record<string, string | number> }) => Promise<unknown>

export async function createStore(config: Config): Promise<Store> {
  let client: ClickHouseClient
  let description: string
  let rawInsert: RawInsert | null = null
  let engineSession: { close(): void } | null = null
  const cluster = config.clickhouse.cluster
  if (cluster && !config.clickhouse.url) throw new Error('BEACON_CLICKHOUSE_CLUSTER needs BEACON_CLICKHOUSE_URL (a node of that cluster); the embedded store is one process')
  if (config.clickhouse.url) {
    const url = new URL(config.clickhouse.url)
    url.username = ''
    url.password = ''
    description = cluster ? `ClickHouse cluster ${cluster} via ${url.origin}` : `ClickHouse server ${url.origin}`
    client = createClient({
      url: config.clickhouse.url,
      username: config.clickhouse.username,
      password: config.clickhouse.password,
      database: config.clickhouse.database,
      request_timeout: 120_000,
      clickhouse_settings: { date_time_output_format: 'iso' },
    })
    if (config.clickhouse.database !== 'default') {
      const admin = createClient({ url: config.clickhouse.url, username: config.clickhouse.username, password: config.clickhouse.password })
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.clickhouse.database}${cluster ? ` ON CLUSTER '${cluster}'` : ''}` })
      await admin.close()
    }
  } else {
    const path = resolve(join(config.dataDir, 'clickhouse'))
    mkdirSync(path, { recursive: true })
    description = `embedded ClickHouse (chDB) in ${path}`
    // Loaded lazily: the embedded engine is a large native library that a server deployment never needs.
    const [{ Session }, { createChdbConnection }] = await Promise.all([import('chdb'), import('chdb/connection')])
    // The engine starts with the first connection to a directory and takes its arguments then;
    // `createChdbConnection` has no way to pass any, so a session with the arguments opens first
    // and stays open: the client's connection joins the engine it started (same directory).
    engineSession = new Session(path, { connectionArgs: embeddedArgs(config.clickhouse.embeddedArgs) })
    const connection = createChdbConnection({ path })
    client = createClient({ connection: connection as never })
    rawInsert = (p) => connection.chdb.rawInsert(p)
    // The engine ignores an argument it does not know: a misspelt setting would go unnoticed.
    const names = config.clickhouse.embeddedArgs.map((a) => a.slice(2, a.indexOf('='))).filter((n) => /^[a-z0-9_]+$/.test(n))
    if (names.length > 0) {
      const known = new Set((await (await client.query({ query: 'SELECT name FROM system.server_settings WHERE has({n:Array(String)}, name) UNION ALL SELECT name FROM system.settings WHERE has({n:Array(String)}, name)', format: 'JSONEachRow', query_params: { n: names } })).json<{ name: string }>()).map((r) => r.name))
      const unknown = names.filter((n) => !known.has(n))
      if (unknown.length > 0) {
        await client.close()
        engineSession.close()
        throw new Error(`BEACON_CHDB_ARGS: the embedded engine has no setting ${unknown.join(', ')}`)
      }
    }
  }

  return {
    description,
    async query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
      const rs = await client.query({ query: sql, format: 'JSONEachRow', query_params: params })
      return (await rs.json()) as T[]
    },
    async command(sql: string, params?: Record<string, unknown>): Promise<void> {
      await client.command({ query: sql, query_params: params })
    },
    async insertTsv(table, columns, body, dedupToken) {
      if (body.length === 0) return
      // Always both settings: chDB applies client settings with SET on its one session, so a token
      // left from an earlier insert would otherwise silently deduplicate a later one away.
      // Without a token, a unique one: chDB's raw insert deduplicates identical tokenless blocks
      // even with insert_deduplicate = 0 (store-contract test), which would drop repeated rows.
      // Tables are partitioned by day × service (retention): one batch of many services, or a
      // shipper's backfill over weeks, may touch more than ClickHouse's default 100 partitions.
      const settings = {
        insert_deduplication_token: dedupToken ?? `once-${randomUUID()}`,
        insert_deduplicate: 1 as const,
        max_partitions_per_insert_block: '0',
        // Cluster: the Distributed table forwards the blocks to the shards before answering, so the
        // write-ahead log's checkpoint only moves past rows the shards' replicas hold.
        ...(cluster ? { insert_distributed_sync: 1 as const } : {}),
      }
      // Same statement either way (INSERT … SETTINGS … FORMAT TabSeparated); embedded chDB takes the
      // bytes without the client's string round trip.
      if (rawInsert) {
        await rawInsert({ table, values: body, format: 'TabSeparated', columns, settings })
        return
      }
      await client.insert({
        table,
        columns: columns as [string, ...string[]],
        format: 'TabSeparated',
        values: Readable.from([body], { objectMode: false }),
        clickhouse_settings: settings,
      })
    },
    async close() {
      await client.close()
      engineSession?.close()
    },
  }
}
