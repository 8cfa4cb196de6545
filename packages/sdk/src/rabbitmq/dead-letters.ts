/**
 * A dead-letter watcher: one WARN record for every message that lands in a dead-letter exchange,
 * with the reason and the `x-death` data, the payload truncated and redacted.
 *
 *   given `exchange` (the DLX):  DLX ──▶ <dlx>.beacon-watch (its own queue) ──▶ WARN, ack
 *                                  └──▶ the DLQ keeps every message for people to inspect/replay
 *   given `queue` only:          DLQ ──▶ WARN, ack (the watcher drains the queue)
 */
import type { Channel, ConsumeMessage } from 'amqplib'
import type { Logger } from 'pino'
import { findOrderId, parseJsonBody } from '../http/request-record.ts'
import { messageAttributes } from './consumer.ts'

export interface DeadLetterWatchOptions {
  logger: Logger
  /** The dead-letter exchange to watch through a queue of the watcher's own (the DLQ stays intact). */
  exchange?: string
  /** Binding keys for that queue (default `#`, which a fanout or topic DLX matches). */
  bindingKeys?: string[]
  /** The watcher's queue (default `<exchange>.beacon-watch`), or the DLQ to drain when no exchange is given. */
  queue?: string
  /** Characters of payload kept (default 1024). */
  payloadLimit?: number
}

interface Death {
  reason?: string
  queue?: string
  exchange?: string
  'routing-keys'?: string[]
  count?: number
  time?: unknown
}

function deathTime(t: unknown): string | undefined {
  const v = (t as { value?: unknown } | undefined)?.value ?? t
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) return undefined
  return new Date(n < 1e11 ? n * 1000 : n).toISOString()
}

/** Attributes describing why and where a message was dead-lettered (first `x-death` entry). */
export function deathAttributes(msg: ConsumeMessage): Record<string, unknown> {
  const headers = msg.properties.headers ?? {}
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as Death[]) : []
  const d = deaths[0] ?? {}
  return {
    'messaging.rabbitmq.death.reason': d.reason ?? headers['x-first-death-reason'],
    'messaging.rabbitmq.death.queue': d.queue ?? headers['x-first-death-queue'],
    'messaging.rabbitmq.death.exchange': d.exchange ?? headers['x-first-death-exchange'],
    'messaging.rabbitmq.death.routing_keys': d['routing-keys']?.join(','),
    'messaging.rabbitmq.death.count': d.count,
    'messaging.rabbitmq.death.time': deathTime(d.time),
    'messaging.rabbitmq.death.entries': deaths.length,
    'messaging.rabbitmq.death.x_death': deaths.length === 0 ? undefined : JSON.stringify(deaths.map((x) => ({ ...x, time: deathTime(x.time) }))),
  }
}

/**
 * Starts watching dead letters. Returns the queue watched and a `stop()`.
 * @example
 * await watchDeadLetters(channel, { logger: log, exchange: 'production.dlx' })
 */
export async function watchDeadLetters(channel: Channel, opts: DeadLetterWatchOptions): Promise<{ queue: string; consumerTag: string; stop(): Promise<void> }> {
  const limit = opts.payloadLimit ?? 1024
  let queue: string
  if (opts.exchange !== undefined) {
    queue = opts.queue ?? `${opts.exchange}.beacon-watch`
    await channel.assertQueue(queue, { durable: true })
    for (const key of opts.bindingKeys ?? ['#']) await channel.bindQueue(queue, opts.exchange, key)
  } else if (opts.queue !== undefined) {
    queue = opts.queue
  } else {
    throw new TypeError('watchDeadLetters needs an exchange or a queue')
  }

  const { consumerTag } = await channel.consume(queue, (msg) => {
    if (msg === null) return
    try {
      const death = deathAttributes(msg)
      const orderId = findOrderId(parseJsonBody(msg.content))
      opts.logger.warn({
        ...messageAttributes(msg, queue, limit),
        ...death,
        'messaging.operation.type': 'receive',
        'order.id': orderId,
        'event.action': 'message.dead_lettered',
        'event.category': 'process',
        'event.outcome': 'failure',
      }, `message ${msg.properties.messageId ?? ''} dead-lettered from ${String(death['messaging.rabbitmq.death.queue'] ?? '?')} (${String(death['messaging.rabbitmq.death.reason'] ?? 'unknown reason')})`)
    } catch {
      // never throw into the service
    }
    try {
      channel.ack(msg)
    } catch {
      // channel closed: redelivered later
    }
  })
  return {
    queue,
    consumerTag,
    async stop() {
      try {
        await channel.cancel(consumerTag)
      } catch {
        // already gone
      }
    },
  }
}
