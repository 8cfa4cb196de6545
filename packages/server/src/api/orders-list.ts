import type { FastifyInstance } from 'fastify'
import { BeaconError } from '../errors.ts'
import { LOGS_TABLE } from '../store/schema.ts'
import { chTime, parseRange, isoRange } from './time-range.ts'
import { intParam, qs, type ApiDeps } from './deps.ts'
import { errors, ok, stringParam, timeRange, LIMIT } from './openapi-schemas.ts'

/**
 * GET /api/orders?status=&stuck=true&from=&to=&limit= → recent orders (those with a record in the
 * range), newest activity first: current status (the last `order.status_changed`), age, last
 * service, errors and complaints, and whether the order is stuck — no status change for longer than
 * `orders.stuckAfterMinutes` while not finished, or ended `failed`.
 */
export const FINISHED_STATUSES = ['delivered', 'completed', 'shipped', 'cancelled', 'canceled', 'closed', 'done']

export interface OrderListRow {
  orderId: string; status: string; lastChange: string | null; firstSeen: string; lastSeen: string; lastService: string
  ageSeconds: number; stuck: boolean; reason: string | null; errors: number; complaints: number
}

/** Why an order is stuck, or null: pure so the rule is tested without a store. */
export function stuckReason(status: string, lastChangeMs: number | null, nowMs: number, stuckAfterMinutes: number): string | null {
  const s = status.toLowerCase()
  if (s === 'failed') return 'ended failed'
  if (FINISHED_STATUSES.includes(s)) return null
  if (lastChangeMs === null) return null
  const idle = nowMs - lastChangeMs
  return idle > stuckAfterMinutes * 60_000 ? `no status change for ${Math.round(idle / 60_000)} min` : null
}

export function registerOrderListRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/orders', {
    config: { permission: ['logs:read', 'traces:read'], audit: 'orders.list' },
    schema: {
      description: 'Recent orders with current status, age, last service and stuck flag',
      tags: ['orders'],
      querystring: {
        type: 'object',
        properties: {
          status: stringParam('only orders currently in this status'),
          stuck: { type: 'string', enum: ['true', 'false', ''], description: 'true: only stuck orders' },
          ...timeRange('now-24h'),
          limit: LIMIT(200, 1000, 'orders'),
        },
      },
      response: { ...ok('`orders` with current status, age, last service and stuck flag'), ...errors(400) },
    },
  }, async (request) => {
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'), 'now-24h')
    const status = qs(request.query, 'status')
    if (status.length > 64) throw new BeaconError('bad_request', 'status must be at most 64 characters')
    const stuckOnly = qs(request.query, 'stuck') === 'true'
    const limit = intParam(request.query, 'limit', 200, 1, 1000)
    const minutes = deps.config.orders.stuckAfterMinutes
    const rows = await deps.store.query<{ id: string; status: string; changed: string; first: string; last: string; svc: string; errors: string; complaints: string }>(
      `SELECT OrderId AS id,
         argMaxIf(LogAttributes['order.status.to'], Timestamp, EventAction = 'order.status_changed') AS status,
         toString(toUnixTimestamp64Milli(maxIf(Timestamp, EventAction = 'order.status_changed'))) AS changed,
         toString(toUnixTimestamp64Milli(min(Timestamp))) AS first,
         toString(toUnixTimestamp64Milli(max(Timestamp))) AS last,
         argMax(ServiceName, Timestamp) AS svc,
         countIf(SeverityNumber >= 17) AS errors,
         countIf(EventAction = 'order.complaint') AS complaints
       FROM ${LOGS_TABLE}
       WHERE OrderId != '' AND TimestampTime >= toDateTime({from:DateTime64(3)}) AND TimestampTime <= toDateTime({to:DateTime64(3)})
       GROUP BY OrderId
       ORDER BY max(Timestamp) DESC
       LIMIT 5000`,
      { from: chTime(range.fromMs), to: chTime(range.toMs) })
    const now = Date.now()
    const orders: OrderListRow[] = []
    for (const r of rows) {
      const changed = Number(r.changed) > 0 ? Number(r.changed) : null
      const reason = stuckReason(r.status, changed, now, minutes)
      if (status && r.status !== status) continue
      if (stuckOnly && !reason) continue
      orders.push({
        orderId: r.id, status: r.status || 'unknown', lastChange: changed ? new Date(changed).toISOString() : null,
        firstSeen: new Date(Number(r.first)).toISOString(), lastSeen: new Date(Number(r.last)).toISOString(), lastService: r.svc,
        ageSeconds: Math.round((now - Number(r.first)) / 1000), stuck: reason !== null, reason,
        errors: Number(r.errors), complaints: Number(r.complaints),
      })
      if (orders.length >= limit) break
    }
    return { ...isoRange(range), stuckAfterMinutes: minutes, orders }
  })
}
