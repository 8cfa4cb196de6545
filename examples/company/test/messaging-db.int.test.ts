/**
 * RabbitMQ and PostgreSQL incidents, seen through Beacon: a poison message ends in the
 * dead-letter queue and Beacon has the watcher's WARN record; the failing handler gives the
 * consumer's ERROR record; a slow query gives a WARN record and a failed query an ERROR record.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import amqp from 'amqplib'
import { AMQP_URL, createCompany, http, poll, startBeacon, type Beacon, type Company } from './test-utils.ts'

let beacon: Beacon
let company: Company

before(async () => {
  beacon = await startBeacon()
  company = await createCompany(beacon.otlpUrl, beacon.ingestKey)
  await Promise.all([company.start('crm-api'), company.start('mes-api')])
  await company.start('mes-worker')
})

after(async () => {
  await company?.close()
  await beacon?.test.stop()
})

test('a poison message ends in the dead-letter queue; Beacon has the ERROR from the handler and the WARN from the watcher', async () => {
  const messageId = `poison-${company.run}`
  const orderId = `ORD-POISON-${company.run}`
  const conn = await amqp.connect(AMQP_URL)
  try {
    const ch = await conn.createConfirmChannel()
    ch.publish(company.topology.exchange, 'order.created', Buffer.from(JSON.stringify({ orderId, items: 'three gears', password: 'poison-secret-123' })), { messageId, contentType: 'application/json' })
    await ch.waitForConfirms()

    const dead = await poll('the message in the DLQ', async () => {
      const m = await ch.get(company.topology.deadLetterQueue, { noAck: false })
      return m === false ? undefined : m
    }, 20_000)
    assert.equal(dead.properties.messageId, messageId)
    const death = (dead.properties.headers?.['x-death'] as { reason: string; queue: string }[])[0]
    assert.equal(death.reason, 'rejected')
    assert.equal(death.queue, company.topology.queue)
    ch.nack(dead, false, true)
  } finally {
    await conn.close()
  }

  const error = await poll('the handler\'s ERROR record', async () => (await beacon.api.search(`service:mes-worker level:error messaging.message.id:"${messageId}"`)).events[0], 20_000)
  assert.equal(error.attributes['messaging.destination.name'], company.topology.queue)
  assert.equal(error.attributes['messaging.rabbitmq.destination.routing_key'], 'order.created')
  assert.equal(error.attributes['messaging.rabbitmq.redelivery_count'], '0')
  assert.equal(error.attributes['exception.message'], `production order ${orderId} has no items`)
  assert.equal(error.orderId, orderId)

  const warn = await poll('the dead-letter WARN record', async () => (await beacon.api.search(`event.action:message.dead_lettered messaging.message.id:"${messageId}"`)).events[0], 20_000)
  assert.equal(warn.level, 'WARN')
  assert.equal(warn.attributes['messaging.rabbitmq.death.reason'], 'rejected')
  assert.equal(warn.attributes['messaging.rabbitmq.death.queue'], company.topology.queue)
  assert.match(warn.attributes['messaging.rabbitmq.death.x_death'], /"reason":"rejected"/)
  assert.match(warn.attributes['messaging.message.body'], /three gears/)
  assert.doesNotMatch(warn.attributes['messaging.message.body'], /poison-secret-123/, 'payload redacted')
})

test('a slow query gives a WARN record with the statement and no values', async () => {
  const r = await http(company.urls.crm, 'GET', '/reports/sales?days=7&heavy=1')
  assert.equal(r.status, 200)
  const warn = await poll('the slow-query WARN', async () => (await beacon.api.search('service:crm-api level:warn db.slow_query_threshold_ms:*')).events[0], 20_000)
  assert.match(warn.attributes['db.query.text'], /pg_sleep\(\$2::float8\)/)
  assert.ok(Number(warn.attributes['db.query.duration_ms']) >= 200)
  assert.ok(warn.traceId, 'linked to the trace of the request')
})

test('a failed query gives an ERROR record and the API answers normally', async () => {
  const body = { email: `dup.${company.run}@example.com`, name: 'Dup', password: 'long-enough-password' }
  assert.equal((await http(company.urls.crm, 'POST', '/customers', body)).status, 201)
  assert.equal((await http(company.urls.crm, 'POST', '/customers', body)).status, 409)
  const error = await poll('the failed-query ERROR', async () => (await beacon.api.search('service:crm-api level:error db.query.text:*')).events[0], 20_000)
  assert.match(error.attributes['db.query.text'], /^INSERT INTO crm\.customers/)
  assert.match(error.body, /duplicate key/)
  assert.doesNotMatch(JSON.stringify(error), /long-enough-password/)
})
