/**
 * RabbitMQ topology of the CRM → MES integration (asserted by every party on start):
 *
 *   CRM ──publish order.created──▶ [production] (topic) ──order.*──▶ production.orders ──▶ MES worker
 *                                                                       │ nack / TTL / overflow
 *                                                                       ▼
 *                                               [production.dlx] (fanout) ──▶ production.dlq (kept for people)
 *                                                                          └─▶ production.dlx.beacon-watch (dead-letter watcher)
 */
import type { Channel } from 'amqplib'

export interface Topology {
  exchange: string
  queue: string
  deadLetterExchange: string
  deadLetterQueue: string
}

export function topologyNames(prefix: string): Topology {
  return {
    exchange: `${prefix}production`,
    queue: `${prefix}production.orders`,
    deadLetterExchange: `${prefix}production.dlx`,
    deadLetterQueue: `${prefix}production.dlq`,
  }
}

export async function assertTopology(ch: Channel, t: Topology): Promise<void> {
  await ch.assertExchange(t.deadLetterExchange, 'fanout', { durable: true })
  await ch.assertQueue(t.deadLetterQueue, { durable: true })
  await ch.bindQueue(t.deadLetterQueue, t.deadLetterExchange, '')
  await ch.assertExchange(t.exchange, 'topic', { durable: true })
  await ch.assertQueue(t.queue, { durable: true, arguments: { 'x-dead-letter-exchange': t.deadLetterExchange } })
  await ch.bindQueue(t.queue, t.exchange, 'order.*')
}
