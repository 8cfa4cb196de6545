import type { Migration } from '../store/migrations.ts'

/**
 * Identity tables (security migrations 100–149). Rows are never updated in place: a change is a
 * new row with a higher `version` and readers use `FINAL`, so the same SQL works on embedded chDB
 * and on a cluster without mutations.
 */
export const USERS_TABLE = 'beacon_users'
export const SESSIONS_TABLE = 'beacon_sessions'
export const KEYS_TABLE = 'beacon_api_keys'
export const KEY_USAGE_TABLE = 'beacon_api_key_usage'

export const AUTH_MIGRATIONS: Migration[] = [
  {
    version: 100,
    name: 'users, sessions, API keys',
    statements: () => [
      `CREATE TABLE IF NOT EXISTS ${USERS_TABLE} (
  username String,
  password_hash String,
  roles Array(LowCardinality(String)),
  disabled UInt8,
  sessions_after DateTime64(3, 'UTC'),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY username`,
      `CREATE TABLE IF NOT EXISTS ${SESSIONS_TABLE} (
  token_hash String,
  username String,
  created_at DateTime64(3, 'UTC'),
  expires_at DateTime64(3, 'UTC'),
  revoked UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY token_hash
TTL toDateTime(expires_at) + INTERVAL 1 DAY`,
      `CREATE TABLE IF NOT EXISTS ${KEYS_TABLE} (
  id String,
  name String,
  scope LowCardinality(String),
  service String,
  key_hash String,
  created_by String,
  created_at DateTime64(3, 'UTC'),
  revoked UInt8,
  revoked_at DateTime64(3, 'UTC'),
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
      // Separate from the key rows so a last-used write can never race a revocation.
      `CREATE TABLE IF NOT EXISTS ${KEY_USAGE_TABLE} (
  id String,
  last_used_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(last_used_at) ORDER BY id`,
    ],
  },
]

let lastVersion = 0
/** Strictly increasing row version (microseconds since epoch, bumped on collisions). */
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000)
  return lastVersion
}
