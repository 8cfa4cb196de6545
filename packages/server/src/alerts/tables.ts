import type { Migration } from '../store/migrations.ts'

/**
 * Alerting tables (migrations 200–299; 201: pending publishes of the lost-message rules). Definitions (rules, channels, silences), alert state and
 * incidents are never updated in place: a change is a new row with a higher `version`, readers use
 * `FINAL` (ReplacingMergeTree), so the same SQL runs on embedded chDB and on a cluster.
 */
export const RULES_TABLE = 'beacon_alert_rules'
export const CHANNELS_TABLE = 'beacon_alert_channels'
export const SILENCES_TABLE = 'beacon_alert_silences'
export const STATE_TABLE = 'beacon_alert_state'
export const INCIDENTS_TABLE = 'beacon_alert_incidents'
export const DELIVERIES_TABLE = 'beacon_alert_deliveries'
export const ROLLUPS_TABLE = 'beacon_alert_rollups'
export const SEEN_TABLE = 'beacon_alert_seen_values'
export const PENDING_PUBLISHES_TABLE = 'beacon_alert_pending_publishes'

const definitions = (table: string): string => `CREATE TABLE IF NOT EXISTS ${table} (
  id String,
  name String,
  spec String,
  deleted UInt8,
  updated_by String,
  updated_at DateTime64(3, 'UTC'),
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY id`

export const ALERT_MIGRATIONS: Migration[] = [
  {
    version: 200,
    name: 'alert rules, channels, silences, state, incidents, deliveries, rollups, seen values',
    statements: () => [
      definitions(RULES_TABLE),
      // `spec` holds the channel's settings without secrets; `secret` is a key-ring token.
      `CREATE TABLE IF NOT EXISTS ${CHANNELS_TABLE} (
  id String,
  name String,
  spec String,
  secret String,
  deleted UInt8,
  updated_by String,
  updated_at DateTime64(3, 'UTC'),
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
      definitions(SILENCES_TABLE),
      `CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (
  rule_id String,
  group_key String,
  state LowCardinality(String),
  labels Map(String, String),
  value Float64,
  since DateTime64(3, 'UTC'),
  fired_at DateTime64(3, 'UTC'),
  last_notified_at DateTime64(3, 'UTC'),
  incident_id String,
  flaps Array(Int64),
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY (rule_id, group_key)`,
      `CREATE TABLE IF NOT EXISTS ${INCIDENTS_TABLE} (
  id String,
  rule_id String,
  rule_name String,
  group_key String,
  service String,
  severity LowCardinality(String),
  labels Map(String, String),
  summary String,
  opened_at DateTime64(3, 'UTC'),
  last_fired_at DateTime64(3, 'UTC'),
  fire_count UInt32,
  acked_by String,
  acked_at Nullable(DateTime64(3, 'UTC')),
  resolved_at Nullable(DateTime64(3, 'UTC')),
  notes String,
  links String,
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
      `CREATE TABLE IF NOT EXISTS ${DELIVERIES_TABLE} (
  at DateTime64(3, 'UTC'),
  incident_id String,
  rule_id String,
  channel_id String,
  channel_name String,
  status LowCardinality(String),
  attempt UInt16,
  http_status UInt16,
  error String,
  alerts UInt32
) ENGINE = MergeTree ORDER BY (at, channel_id) TTL toDateTime(at) + INTERVAL 30 DAY`,
      // One row per (rule, group, 10 s interval): the live rollups, so a restart resumes windows.
      `CREATE TABLE IF NOT EXISTS ${ROLLUPS_TABLE} (
  rule_id String,
  interval_start DateTime('UTC'),
  group_key String,
  labels Map(String, String),
  count UInt64,
  denom UInt64,
  sum Float64,
  distinct_values Array(String),
  samples Array(Float64)
) ENGINE = ReplacingMergeTree ORDER BY (rule_id, interval_start, group_key)
TTL interval_start + INTERVAL 8 DAY`,
      `CREATE TABLE IF NOT EXISTS ${SEEN_TABLE} (
  rule_id String,
  value String,
  last_seen DateTime('UTC')
) ENGINE = ReplacingMergeTree(last_seen) ORDER BY (rule_id, value)
TTL last_seen + INTERVAL 90 DAY`,
    ],
  },
  {
    version: 201,
    name: 'alert pending publishes (lost-message rules survive a restart)',
    statements: () => [
      // One row per RabbitMQ publish still waiting for its consumer; settled = a newer row with deleted = 1.
      `CREATE TABLE IF NOT EXISTS ${PENDING_PUBLISHES_TABLE} (
  rule_id String,
  trace_id String,
  published_at DateTime64(3, 'UTC'),
  labels Map(String, String),
  sample String,
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY (rule_id, trace_id)
TTL toDateTime(published_at) + INTERVAL 8 DAY`,
    ],
  },
]

let lastVersion = 0
/** Strictly increasing row version (microseconds since epoch, bumped on collisions). */
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000)
  return lastVersion
}

/** A ClickHouse DateTime64(3) value in UTC from epoch ms. */
export function chMs(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

/** Epoch ms from a ClickHouse DateTime64 as JSON output ("2026-11-22 10:00:00.000" or ISO). */
export function parseChTime(text: string | null | undefined): number | null {
  if (text === null || text === undefined || text === '') return null
  const t = text.includes('T') ? text : text.replace(' ', 'T')
  const ms = Date.parse(t.endsWith('Z') ? t : `${t}Z`)
  return Number.isNaN(ms) || ms <= 0 ? null : ms
}
