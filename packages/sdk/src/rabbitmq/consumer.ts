/**
 * A RabbitMQ consumer wrapper that logs processing errors.
 *
 *   message ─▶ parse ─▶ handler (in the message's trace context, with its order id in baggage) ─▶ ack
 *                │ throws      │ throws
 *                ▼             ▼
 *         ERROR record (message id, queue, routing key, redelivery count, payload preview)
 *                ▼
 *         nack without requeue ─▶ the queue's dead-letter exchange (or requeue, if asked)
 *
 * The amqplib instrumentation (enabled by `init()`) makes the consumer span a child of the
 * publisher's span, so the handler's spans and records join the publisher's trace.
 */
import { SpanStatusCode, trace } from '@opentelemetry/api'
import type { Channel, ConsumeMessage, Options } from 'amqplib'
import type { Logger } from 'pino'
import { captureBody, findOrderId } from '../http/request-record.ts'
import { withBusinessKeys, type BusinessKeys } from '../telemetry/business-keys.ts'

export interface ConsumeOptions<T> {
  logger: Logger
  /** Turns the message content into the handler's input (default: JSON). */
  parse?: (content: Buffer, msg: ConsumeMessage) => T
  /** Whether a failed message goes back to the queue (default: never: it is dead-lettered). */
  requeue?: (error: unknown, msg: ConsumeMessage) => boolean
  /** Business keys of a message (default: its order id from the usual keys). */
  keys?: (body: T, msg: ConsumeMessage) => BusinessKeys
  /** Characters of payload kept in records (default 1024). */
  payloadLimit?: number
  /** Channel prefetch set before consuming (default: left as is). */
  prefetch?: number
  consume?: Options.Consume
}

/** How many times this message has been delivered before (quorum `x-delivery-count`, else `x-death`, else the redelivered flag). */
export function redeliveryCount(msg: ConsumeMessage): number {
  const headers = msg.properties.headers ?? {}
  const dc = Number(headers['x-delivery-count'])
  if (Number.isFinite(dc) && dc > 0) return dc
  const deaths = headers['x-death']
  if (Array.isArray(deaths)) return deaths.reduce((n: number, d: { count?: number }) => n + (Number(d?.count) || 0), 0)
  return msg.fields.redelivered ? 1 : 0
}

/** Messaging attributes of a delivered message (OpenTelemetry semantic conventions). */
export function messageAttributes(msg: ConsumeMessage, queue: string, payloadLimit: number): Record<string, unknown> {
  return {
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': 'process',
    'messaging.destination.name': queue,
    'messaging.message.id': msg.properties.messageId,
    'messaging.message.conversation_id': msg.properties.correlationId,
    'messaging.rabbitmq.destination.routing_key': msg.fields.routingKey,
    'messaging.rabbitmq.exchange': msg.fields.exchange,
    'messaging.rabbitmq.message.delivery_tag': msg.fields.deliveryTag,
    'messaging.rabbitmq.redelivered': msg.fields.redelivered,
    'messaging.rabbitmq.redelivery_count': redeliveryCount(msg),
    'messaging.message.body.size': msg.content.length,
    'messaging.message.body': captureBody(msg.content, payloadLimit),
  }
}

const jsonParse = (content: Buffer): any => JSON.parse(content.toString('utf8'))

/**
 * Consumes `queue`, running `handler` for each message; acks on success, logs an ERROR record
 * and nacks (dead-letters by default) on failure. Never throws from the message callback.
 * @example
 * await consumeWithLogging(channel, 'production.orders', async (order) => produce(order), { logger: log })
 */
export async function consumeWithLogging<T = any>(
  channel: Channel,
  queue: string,
  handler: (body: T, msg: ConsumeMessage) => Promise<void> | void,
  opts: ConsumeOptions<T>,
): Promise<{ consumerTag: string }> {
  const parse = opts.parse ?? (jsonParse as (c: Buffer) => T)
  const limit = opts.payloadLimit ?? 1024
  if (opts.prefetch !== undefined) await channel.prefetch(opts.prefetch)

  const fail = (msg: ConsumeMessage, error: unknown, stage: 'parse' | 'process', orderId: string | undefined): void => {
    const err = error instanceof Error ? error : new Error(String(error))
    let requeue: boolean
    try {
      requeue = opts.requeue?.(error, msg) ?? false
    } catch {
      requeue = false
    }
    const span = trace.getActiveSpan()
    span?.recordException(err)
    span?.setStatus({ code: SpanStatusCode.ERROR, message: err.message })
    opts.logger.error({
      err,
      ...messageAttributes(msg, queue, limit),
      'order.id': orderId,
      'error.type': stage === 'parse' ? 'message_unparseable' : err.name,
      'messaging.rabbitmq.requeued': requeue,
    }, `message ${msg.properties.messageId ?? msg.fields.deliveryTag} from ${queue} failed (${stage}): ${err.message}`)
    try {
      channel.nack(msg, false, requeue)
    } catch {
      // channel already closed: the broker redelivers
    }
  }

  return channel.consume(queue, (msg) => {
    if (msg === null) return // consumer cancelled by the broker
    let body: T
    try {
      body = parse(msg.content, msg)
    } catch (error) {
      fail(msg, error, 'parse', undefined)
      return
    }
    let keys: BusinessKeys = {}
    try {
      keys = opts.keys?.(body, msg) ?? { orderId: findOrderId(body) }
    } catch {
      keys = {}
    }
    void withBusinessKeys(keys, async () => {
      try {
        await handler(body, msg)
      } catch (error) {
        fail(msg, error, 'process', keys.orderId === undefined ? undefined : String(keys.orderId))
        return
      }
      try {
        channel.ack(msg)
      } catch {
        // channel closed meanwhile: the broker redelivers
      }
    }).catch(() => {})
  }, opts.consume)
}
