/**
 * Business events, one call each, recorded as structured log records with ECS-style
 * `event.action` / `event.category` / `event.outcome` and the business keys (`order.id`,
 * `user.id`), so Beacon can find them, count them and alert on them. Each also becomes an event
 * on the active span, so it shows in the trace.
 *
 *   kind                     action                   level
 *   order status change      order.status_changed     INFO
 *   user action audit        order.created/updated/deleted   INFO
 *   authentication           user.login (success|failure), user.logout   INFO (failure: WARN)
 *   authorization            authorization.denied     WARN
 *   cost calculation error   cost.calculation_failed  ERROR
 *   equipment failure        equipment.failure        FATAL (flushed at once)
 *   customer complaint       order.complaint          WARN (counted per day in Beacon's overview)
 */
import { trace, type AttributeValue } from '@opentelemetry/api'
import type { Logger } from 'pino'
import { exceptionAttributes } from '../logging/records.ts'

type Id = string | number
type Extra = Record<string, unknown>
type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
type Outcome = 'success' | 'failure' | 'unknown'

export interface EventFields extends Extra {
  /** Defaults to info. */
  level?: Level
  outcome?: Outcome
  category?: string
  message?: string
}

export interface OrderStatusChange extends Extra { orderId: Id; from?: string; to: string; userId?: Id }
export interface OrderAction extends Extra { orderId: Id; userId?: Id }
export interface LoginSuccess extends Extra { userId: Id; method?: string }
export interface LoginFailure extends Extra { userName?: string; userId?: Id; reason: string }
export interface Logout extends Extra { userId: Id }
export interface AuthorizationDenial extends Extra { userId?: Id; action: string; resource: string; reason?: string }
export interface CostCalculationFailure extends Extra { orderId: Id; error: Error | string }
export interface Complaint extends Extra { orderId: Id; reason: string; customerId?: Id; channel?: string }
export interface EquipmentFailure extends Extra { equipmentId: string; error?: Error | string; orderId?: Id; message?: string }

/** The business events API (see the table at the top of this module). */
export interface BusinessEvents {
  /** INFO `order.status_changed` with `order.status.from` → `order.status.to`. */
  orderStatusChanged(e: OrderStatusChange): void
  /** INFO `order.created` (user action audit). */
  orderCreated(e: OrderAction): void
  /** INFO `order.updated` (user action audit). */
  orderUpdated(e: OrderAction): void
  /** INFO `order.deleted` (user action audit). */
  orderDeleted(e: OrderAction): void
  /** INFO `user.login`, outcome success. */
  loginSucceeded(e: LoginSuccess): void
  /** WARN `user.login`, outcome failure, with the reason. */
  loginFailed(e: LoginFailure): void
  /** INFO `user.logout`. */
  logout(e: Logout): void
  /** WARN `authorization.denied`: who tried what on which resource. */
  authorizationDenied(e: AuthorizationDenial): void
  /** ERROR `cost.calculation_failed` with the error's message and stack. */
  costCalculationFailed(e: CostCalculationFailure): void
  /** FATAL `equipment.failure`: flushed to Beacon at once. */
  equipmentFailure(e: EquipmentFailure): void
  /** WARN `order.complaint`: a customer complained about an order (reason, channel such as phone or e-mail). */
  complaint(e: Complaint): void
  /** Any other business event. */
  record(action: string, fields?: EventFields): void
}

function id(v: Id | undefined): string | undefined {
  return v === undefined ? undefined : String(v)
}

function errorFields(error: Error | string | undefined): Extra {
  if (error === undefined) return {}
  if (typeof error === 'string') return { 'error.message': error }
  return { ...exceptionAttributes(error), 'error.message': error.message }
}

/**
 * Creates the business events API writing through `logger`.
 * @example
 * const events = createEvents(log)
 * events.orderStatusChanged({ orderId: 'o-42', from: 'scheduled', to: 'in_production' })
 * events.loginFailed({ userName: 'ann@example.com', reason: 'bad password' })
 */
export function createEvents(logger: Logger): BusinessEvents {
  /**
   * One record: the `event.*` fields, then the caller's own fields (`e` without the keys in `omit`),
   * then `named` (the event's business keys), undefined values left out. Built in one pass, without
   * intermediate copies: an event is written on every order of a busy service.
   */
  function emit(action: string, category: string, outcome: Outcome, level: Level, message: string, e: Extra, omit: readonly string[], named: Extra): void {
    try {
      const record: Extra = { 'event.kind': 'event', 'event.action': action, 'event.category': category, 'event.outcome': outcome }
      for (const k in e) if (e[k] !== undefined && !omit.includes(k)) record[k] = e[k]
      for (const k in named) {
        if (named[k] !== undefined) record[k] = named[k]
        else if (k in record) delete record[k] // a business key left unset is absent, even when `e` has a field of that name
      }
      const span = trace.getActiveSpan()
      if (span !== undefined) {
        const attrs: Record<string, AttributeValue> = {}
        for (const k in record) {
          const v = record[k]
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attrs[k] = v
        }
        span.addEvent(action, attrs)
        if (level === 'error' || level === 'fatal') span.setAttribute('error', true)
      }
      logger[level](record, message)
    } catch {
      // never throw into the service
    }
  }

  return {
    orderStatusChanged(e) {
      emit('order.status_changed', 'process', 'success', 'info', `order ${e.orderId} status ${e.from ?? '∅'} → ${e.to}`, e, ['orderId', 'from', 'to', 'userId'], {
        'order.id': id(e.orderId), 'order.status.from': e.from, 'order.status.to': e.to, 'order.status': e.to, 'user.id': id(e.userId),
      })
    },
    complaint(e) {
      emit('order.complaint', 'customer', 'failure', 'warn', `complaint about order ${e.orderId}: ${e.reason}`, e, ['orderId', 'reason', 'customerId', 'channel'], {
        'order.id': id(e.orderId), 'complaint.reason': e.reason, 'customer.id': id(e.customerId), 'complaint.channel': e.channel,
      })
    },
    orderCreated(e) {
      emit('order.created', 'process', 'success', 'info', `order ${e.orderId} created`, e, ['orderId', 'userId'], { 'order.id': id(e.orderId), 'user.id': id(e.userId) })
    },
    orderUpdated(e) {
      emit('order.updated', 'process', 'success', 'info', `order ${e.orderId} updated`, e, ['orderId', 'userId'], { 'order.id': id(e.orderId), 'user.id': id(e.userId) })
    },
    orderDeleted(e) {
      emit('order.deleted', 'process', 'success', 'info', `order ${e.orderId} deleted`, e, ['orderId', 'userId'], { 'order.id': id(e.orderId), 'user.id': id(e.userId) })
    },
    loginSucceeded(e) {
      emit('user.login', 'authentication', 'success', 'info', `user ${e.userId} logged in`, e, ['userId', 'method'], { 'user.id': id(e.userId), 'authentication.method': e.method })
    },
    loginFailed(e) {
      emit('user.login', 'authentication', 'failure', 'warn', `login failed: ${e.reason}`, e, ['userName', 'userId', 'reason'], {
        'user.name': e.userName, 'user.id': id(e.userId), 'event.reason': e.reason,
      })
    },
    logout(e) {
      emit('user.logout', 'authentication', 'success', 'info', `user ${e.userId} logged out`, e, ['userId'], { 'user.id': id(e.userId) })
    },
    authorizationDenied(e) {
      emit('authorization.denied', 'iam', 'failure', 'warn', `user ${e.userId ?? 'anonymous'} denied ${e.action} on ${e.resource}`, e, ['userId', 'action', 'resource', 'reason'], {
        'user.id': id(e.userId), 'authorization.action': e.action, 'authorization.resource': e.resource, 'event.reason': e.reason,
      })
    },
    costCalculationFailed(e) {
      const msg = typeof e.error === 'string' ? e.error : e.error.message
      emit('cost.calculation_failed', 'process', 'failure', 'error', `cost calculation failed for order ${e.orderId}: ${msg}`, e, ['orderId', 'error'], {
        'order.id': id(e.orderId), ...errorFields(e.error),
      })
    },
    equipmentFailure(e) {
      const msg = e.message ?? (e.error === undefined ? 'equipment failure' : typeof e.error === 'string' ? e.error : e.error.message)
      emit('equipment.failure', 'host', 'failure', 'fatal', `equipment ${e.equipmentId} failed: ${msg}`, e, ['equipmentId', 'error', 'orderId', 'message'], {
        'equipment.id': e.equipmentId, 'order.id': id(e.orderId), ...errorFields(e.error),
      })
    },
    record(action, fields = {}) {
      const { level = 'info', outcome = 'unknown', category = 'process', message = action, ...extra } = fields
      emit(action, category, outcome, level, message, extra, [], {})
    },
  }
}
