/**
 * What DESIGN §1 asks to be logged, as Beacon searches: the demo ends by running each and saying
 * which kinds of events Beacon holds, then follows one finished order through its trace and its
 * timeline.
 */
import type { BeaconApi } from './shared/beacon-api.ts'

export interface Check { kind: string; q: string }

export const CHECKS: Check[] = [
  { kind: 'API requests (INFO: method, route, status, duration, user, order)', q: 'http.route:* http.response.status_code:* level:info' },
  { kind: 'API errors (WARN 4xx / ERROR 5xx, message + stack + request context)', q: 'exception.stacktrace:* http.request.method:*' },
  { kind: 'RabbitMQ: dead-lettered messages (WARN)', q: 'event.action:message.dead_lettered level:warn' },
  { kind: 'RabbitMQ: message processing errors (ERROR)', q: 'service:mes-worker level:error messaging.destination.name:*' },
  { kind: 'Database: slow queries (WARN)', q: 'db.slow_query_threshold_ms:* level:warn' },
  { kind: 'Database: failed queries (ERROR)', q: 'db.query.text:* level:error' },
  { kind: 'MES: order status changes (INFO)', q: 'event.action:order.status_changed' },
  { kind: 'MES: cost calculation errors (ERROR)', q: 'event.action:cost.calculation_failed level:error' },
  { kind: 'User actions: order created', q: 'event.action:order.created' },
  { kind: 'User actions: order updated', q: 'event.action:order.updated' },
  { kind: 'User actions: order deleted', q: 'event.action:order.deleted' },
  { kind: 'Authentication: login success', q: 'event.action:user.login event.outcome:success' },
  { kind: 'Authentication: login failure', q: 'event.action:user.login event.outcome:failure' },
  { kind: 'Authentication: logout', q: 'event.action:user.logout' },
  { kind: 'Authorization denied', q: 'event.action:authorization.denied' },
  { kind: 'FATAL: service crash', q: 'level:fatal event.action:process.crash' },
  { kind: 'FATAL: equipment failure', q: 'level:fatal event.action:equipment.failure' },
]

export interface CheckResult { kind: string; q: string; total: number }

export async function runChecks(api: BeaconApi, from: string): Promise<CheckResult[]> {
  const out: CheckResult[] = []
  for (const c of CHECKS) {
    try {
      const r = await api.search(c.q, { from, limit: 1 })
      out.push({ ...c, total: r.total })
    } catch {
      out.push({ ...c, total: -1 })
    }
  }
  return out
}

const STEPS = ['accepted', 'scheduled', 'in_production', 'quality_check', 'done']

export interface OrderStory {
  orderId: string
  traceId: string
  services: string[]
  spanCount: number
  hasPublish: boolean
  hasConsume: boolean
  statuses: string[]
  complete: boolean
}

/** Follows one finished order: its trace (services, RabbitMQ publish/consume spans) and its timeline. */
export async function followOrder(api: BeaconApi, from: string, orderId?: string): Promise<OrderStory | undefined> {
  let id = orderId
  if (id === undefined) {
    const done = await api.search('event.action:order.status_changed order.status.to:done', { from, limit: 1 })
    id = done.events[0]?.orderId || done.events[0]?.attributes?.['order.id']
  }
  if (!id) return undefined
  const timeline = await api.timeline(id, from)
  const statuses: string[] = timeline.summary.statusChanges.map((s: { to: string }) => s.to)
  const traceId: string = timeline.summary.traceIds[0] ?? ''
  const trace = traceId ? await api.trace(traceId) : undefined
  const spans: any[] = trace?.spans ?? []
  return {
    orderId: id,
    traceId,
    services: trace?.services ?? [],
    spanCount: spans.length,
    hasPublish: spans.some((s) => s.spanKind === 'Producer' || /publish|send/i.test(s.name)),
    hasConsume: spans.some((s) => s.spanKind === 'Consumer' || /process|receive/i.test(s.name)),
    statuses,
    complete: STEPS.every((s, i) => statuses[i] === s),
  }
}
