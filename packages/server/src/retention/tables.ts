import type { Migration } from '../store/migrations.ts'
import { LOGS_TABLE, TRACES_TABLE, TRACE_BOUNDS_TABLE } from '../store/schema.ts'
import { repartitionTable } from './repartition.ts'
import type { Signal } from './config.ts'

/** Retention overrides set through the admin API (latest row per service wins; '' = every service). */
export const POLICY_TABLE = 'beacon_retention_policy'
/** Local index of archived objects (the manifests in the archive are the truth; see archive/catalogue.ts). */
export const ARCHIVE_TABLE = 'beacon_archive_objects'
/** Days brought back from the archive, kept hot until `Until`. */
export const RESTORED_TABLE = 'beacon_restored_days'

export const SIGNAL_TABLE: Record<Signal, string> = { logs: LOGS_TABLE, spans: TRACES_TABLE }
/** The day × service partition key of each signal's table. */
export const PARTITION_KEY: Record<Signal, string> = {
  logs: '(toDate(TimestampTime), ServiceName)',
  spans: '(toDate(Timestamp), ServiceName)',
}

/** Migrations 300–399: day × service partitions (no TTL), retention overrides, archive catalogue, restored days. */
export const RETENTION_MIGRATIONS: Migration[] = [
  {
    version: 300,
    name: 'logs: day × service partitions, no TTL (the retention enforcer drops partitions)',
    statements: () => [],
    rebuilds: true,
    run: async (store) => { await repartitionTable(store, LOGS_TABLE, PARTITION_KEY.logs) },
  },
  {
    version: 301,
    name: 'spans: day × service partitions, no TTL',
    statements: () => [],
    rebuilds: true,
    run: async (store) => { await repartitionTable(store, TRACES_TABLE, PARTITION_KEY.spans) },
  },
  {
    version: 302,
    name: 'retention overrides, archive catalogue, restored days',
    statements: () => [
      `CREATE TABLE IF NOT EXISTS ${POLICY_TABLE} (
  Service String, LogsDays Nullable(UInt32), SpansDays Nullable(UInt32), CapBytes Nullable(UInt64),
  UpdatedBy String, UpdatedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(UpdatedAt) ORDER BY Service`,
      `CREATE TABLE IF NOT EXISTS ${ARCHIVE_TABLE} (
  Key String, Signal LowCardinality(String), Service String, Day Date, Rows UInt64, Bytes UInt64, HotBytes UInt64,
  MinTime DateTime64(9), MaxTime DateTime64(9), SchemaVersion UInt32, Sha256 String, ArchivedAt DateTime64(3),
  Deleted UInt8 DEFAULT 0, Version DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(Version) ORDER BY Key`,
      `CREATE TABLE IF NOT EXISTS ${RESTORED_TABLE} (
  Signal LowCardinality(String), Service String, Day Date, Until DateTime, Rows UInt64, Version DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(Version) ORDER BY (Signal, Service, Day)`,
    ],
  },
  {
    version: 303,
    name: 'trace bounds: no TTL (kept as long as the longest hot retention, by the enforcer)',
    // The fresh-install DDL (store/schema.ts) still declares the old TTL; this removes it either way.
    statements: () => [`ALTER TABLE ${TRACE_BOUNDS_TABLE} REMOVE TTL`],
  },
]
