/**
 * Business keys (order id, user id) that follow a unit of work across services.
 *
 * They ride in W3C baggage, so they cross HTTP calls and RabbitMQ messages with the trace context
 * (the OpenTelemetry propagators carry both). Every span started under them and every log record
 * written under them gets `order.id` / `user.id`, which is how Beacon's order timeline finds the
 * whole story of an order in every system.
 */
import { context, propagation, trace, type Context } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { baggageOf } from './tracer.ts'

export const ORDER_ID = 'order.id'
export const USER_ID = 'user.id'

export interface BusinessKeys {
  orderId?: string | number
  userId?: string | number
}

/** The business keys carried by the active context (from baggage). */
export function currentBusinessKeys(ctx: Context = context.active()): { orderId?: string; userId?: string } {
  const bag = baggageOf(ctx)
  if (bag === undefined) return {}
  return { orderId: bag.getEntry(ORDER_ID)?.value, userId: bag.getEntry(USER_ID)?.value }
}

/** A context carrying these business keys (added to any baggage already there). */
export function contextWithBusinessKeys(keys: BusinessKeys, ctx: Context = context.active()): Context {
  let bag = propagation.getBaggage(ctx) ?? propagation.createBaggage()
  if (keys.orderId !== undefined && keys.orderId !== '') bag = bag.setEntry(ORDER_ID, { value: String(keys.orderId) })
  if (keys.userId !== undefined && keys.userId !== '') bag = bag.setEntry(USER_ID, { value: String(keys.userId) })
  return propagation.setBaggage(ctx, bag)
}

/** Sets `order.id` / `user.id` on the active span (no-op without one). */
export function tagActiveSpan(keys: BusinessKeys): void {
  const span = trace.getActiveSpan()
  if (span === undefined) return
  if (keys.orderId !== undefined) span.setAttribute(ORDER_ID, String(keys.orderId))
  if (keys.userId !== undefined) span.setAttribute(USER_ID, String(keys.userId))
}

/**
 * Runs `fn` with these business keys in context: the active span is tagged, and every span, log
 * record, HTTP call and RabbitMQ message made inside carries them.
 * @example
 * const order = await withBusinessKeys({ orderId: order.id, userId }, () => crm.createOrder(order))
 */
export function withBusinessKeys<T>(keys: BusinessKeys, fn: () => T): T {
  tagActiveSpan(keys)
  return context.with(contextWithBusinessKeys(keys), fn)
}

/** `withBusinessKeys({ orderId }, fn)`. */
export function withOrder<T>(orderId: string | number, fn: () => T): T {
  return withBusinessKeys({ orderId }, fn)
}

/** Copies the business keys of the parent context onto every span as it starts. */
export class BusinessKeysSpanProcessor implements SpanProcessor {
  onStart(span: Span, parent: Context): void {
    const bag = propagation.getBaggage(parent)
    if (bag === undefined) return
    const order = bag.getEntry(ORDER_ID)
    if (order !== undefined) span.setAttribute(ORDER_ID, order.value)
    const user = bag.getEntry(USER_ID)
    if (user !== undefined) span.setAttribute(USER_ID, user.value)
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> { return Promise.resolve() }
  shutdown(): Promise<void> { return Promise.resolve() }
}
