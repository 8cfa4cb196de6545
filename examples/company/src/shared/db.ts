/** PostgreSQL pool and idempotent schema creation (each service owns a schema in the same database). */
import pg from 'pg'

export function createPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 10_000 })
  // An idle client losing its connection must not crash the service; the next query reconnects.
  pool.on('error', () => {})
  return pool
}

/** Runs DDL statements in order; concurrent starters are serialized by an advisory lock. */
export async function ensureSchema(pool: pg.Pool, lockKey: number, statements: string[]): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockKey])
    for (const sql of statements) await client.query(sql)
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => {})
    client.release()
  }
}

/** Runs `fn` in a transaction on one pooled client: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}
