/**
 * Checks that the company's infrastructure is there before anything starts: PostgreSQL (creating
 * the database when absent) and RabbitMQ. Each failure says what is missing and how to start it.
 */
import pg from 'pg'
import amqp from 'amqplib'

export interface PreflightResult { ok: boolean; problems: string[] }

const HOW_TO = {
  postgres: [
    'Start PostgreSQL on 127.0.0.1:5432 with user "postgres" and trust authentication, e.g.:',
    '    sudo service postgresql start            (Debian/Ubuntu package)',
    '    docker run -d --name pg -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16',
    '  or point COMPANY_DATABASE_URL at another server.',
  ],
  rabbitmq: [
    'Start RabbitMQ on 127.0.0.1:5672 with the default guest/guest user, e.g.:',
    '    sudo service rabbitmq-server start       (Debian/Ubuntu package)',
    '    docker run -d --name rabbit -p 5672:5672 rabbitmq:3',
    '  or point COMPANY_AMQP_URL at another broker.',
  ],
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { message: string }[] }
  return e.code ?? e.errors?.[0]?.message ?? e.message ?? String(err)
}

/** Connects to the server's `postgres` database and creates `database` if it does not exist. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl)
  const database = decodeURIComponent(url.pathname.slice(1))
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`database name ${database} must be lower-case letters, digits and _`)
  url.pathname = '/postgres'
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
    if (r.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${database}`)
      } catch (err) {
        if ((err as { code?: string }).code !== '42P04') throw err // created meanwhile by someone else
      }
    }
  } finally {
    await client.end()
  }
}

export async function preflight(databaseUrl: string, amqpUrl: string): Promise<PreflightResult> {
  const problems: string[] = []
  const pgTarget = new URL(databaseUrl)
  try {
    await ensureDatabase(databaseUrl)
  } catch (err) {
    problems.push([`PostgreSQL is not reachable at ${pgTarget.host} (${describe(err)}).`, ...HOW_TO.postgres].join('\n  '))
  }
  const mqTarget = new URL(amqpUrl)
  try {
    const conn = await amqp.connect(amqpUrl, { timeout: 3000 })
    await conn.close()
  } catch (err) {
    problems.push([`RabbitMQ is not reachable at ${mqTarget.host} (${describe(err)}).`, ...HOW_TO.rabbitmq].join('\n  '))
  }
  return { ok: problems.length === 0, problems }
}
