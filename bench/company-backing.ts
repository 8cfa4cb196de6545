/**
 * The company order endpoint's backing services for the SDK benches (bench/sdk-overhead.ts,
 * bench/sdk-order-ab.ts): a database and a RabbitMQ topology of their own, emptied between runs and
 * removed at the end. PostgreSQL and RabbitMQ on localhost, or COMPANY_DATABASE_URL / COMPANY_AMQP_URL.
 */
import { randomBytes } from 'node:crypto'
import amqp from 'amqplib'
import pg from 'pg'
import { ensureDatabase } from '../examples/company/src/preflight.ts'
import { topologyNames } from '../examples/company/src/shared/topology.ts'

export interface CompanyBacking {
  /** The environment sdk-order-server.ts needs (database, broker, queue prefix). */
  env: Record<string, string>
  /** Empties the production queue (no consumer runs), so each run meets the same broker state. */
  purge(): Promise<void>
  /** Drops the database, the queues and the exchanges. */
  remove(): Promise<void>
}

export async function companyBacking(label: string): Promise<CompanyBacking> {
  const run = randomBytes(4).toString('hex')
  const database = `beacon_${label}_${run}`
  const pgBase = process.env.COMPANY_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/beacon_demo'
  const dbUrl = new URL(pgBase)
  dbUrl.pathname = `/${database}`
  const amqpUrl = process.env.COMPANY_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
  const prefix = `${label}-${run}.`
  await ensureDatabase(dbUrl.toString())
  const topo = topologyNames(prefix)
  return {
    env: { COMPANY_DATABASE_URL: dbUrl.toString(), COMPANY_AMQP_URL: amqpUrl, COMPANY_MQ_PREFIX: prefix },
    async purge() {
      // The first run finds no queue yet: the broker closes the channel, which is fine.
      const mq = await amqp.connect(amqpUrl)
      mq.on('error', () => {})
      const ch = await mq.createChannel()
      ch.on('error', () => {})
      await ch.purgeQueue(topo.queue).catch(() => {})
      await mq.close().catch(() => {})
    },
    async remove() {
      const adminUrl = new URL(pgBase)
      adminUrl.pathname = '/postgres'
      const admin = new pg.Client({ connectionString: adminUrl.toString() })
      await admin.connect()
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {})
      await admin.end()
      const conn = await amqp.connect(amqpUrl)
      const ch = await conn.createChannel()
      for (const q of [topo.queue, topo.deadLetterQueue]) await ch.deleteQueue(q).catch(() => {})
      for (const x of [topo.exchange, topo.deadLetterExchange]) await ch.deleteExchange(x).catch(() => {})
      await conn.close().catch(() => {})
    },
  }
}
