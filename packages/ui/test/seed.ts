/**
 * Known data for the UI's end-to-end test, sent over OTLP/JSON like any application would:
 * one order's trace across four services with a RabbitMQ hop (shop-api → crm-api over HTTP,
 * shop-api → queue orders.created → mes-worker → mes-api), its status changes and logs, a failed
 * order and an idle one (both stuck), a run of log lines for context, and filler for scrolling.
 */
export const ORDER = 'ORD-UI-1001'
export const FAILED_ORDER = 'ORD-UI-2002'
export const IDLE_ORDER = 'ORD-UI-3003'
export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
export const CUSTOMER = 'Erika Mustermann'

type Attrs = Record<string, string | number>
const attrs = (a: Attrs) => Object.entries(a).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } }))
const ns = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n)

interface SpanSpec { id: string; parent: string; service: string; name: string; kind: number; start: number; end: number; attrs?: Attrs; error?: string }

export function orderTrace(t0: number): string {
  const spans: SpanSpec[] = [
    { id: 'a000000000000001', parent: '', service: 'shop-api', name: 'POST /orders', kind: 2, start: 0, end: 120, attrs: { 'http.route': '/orders', 'http.response.status_code': 201, 'order.id': ORDER } },
    { id: 'a000000000000002', parent: 'a000000000000001', service: 'shop-api', name: 'POST', kind: 3, start: 10, end: 40, attrs: { 'server.address': 'crm-api', 'order.id': ORDER } },
    { id: 'a000000000000003', parent: 'a000000000000002', service: 'crm-api', name: 'POST /customers/verify', kind: 2, start: 12, end: 38, attrs: { 'http.route': '/customers/verify', 'http.response.status_code': 200, 'order.id': ORDER } },
    { id: 'a000000000000004', parent: 'a000000000000001', service: 'shop-api', name: 'orders.created publish', kind: 4, start: 50, end: 55, attrs: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'orders.created', 'messaging.operation.type': 'publish', 'order.id': ORDER } },
    { id: 'a000000000000005', parent: 'a000000000000004', service: 'mes-worker', name: 'orders.created process', kind: 5, start: 60, end: 110, attrs: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'orders.created', 'messaging.operation.type': 'process', 'order.id': ORDER } },
    { id: 'a000000000000006', parent: 'a000000000000005', service: 'mes-worker', name: 'POST', kind: 3, start: 70, end: 100, attrs: { 'server.address': 'mes-api', 'order.id': ORDER } },
    { id: 'a000000000000007', parent: 'a000000000000006', service: 'mes-api', name: 'POST /production', kind: 2, start: 72, end: 98, attrs: { 'http.route': '/production', 'http.response.status_code': 500, 'order.id': ORDER }, error: 'machine M3 offline' },
  ]
  const byService = new Map<string, SpanSpec[]>()
  for (const s of spans) byService.set(s.service, [...(byService.get(s.service) ?? []), s])
  return JSON.stringify({
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: attrs({ 'service.name': service }) },
      scopeSpans: [{ scope: { name: 'seed' }, spans: list.map((s) => ({
        traceId: TRACE_ID, spanId: s.id, parentSpanId: s.parent, name: s.name, kind: s.kind,
        startTimeUnixNano: ns(t0 + s.start), endTimeUnixNano: ns(t0 + s.end), attributes: attrs(s.attrs ?? {}),
        status: s.error ? { code: 2, message: s.error } : { code: 0 },
      })) }],
    })),
  })
}

interface LogSpec { service: string; at: number; body: string; level?: 'INFO' | 'WARN' | 'ERROR'; attrs?: Attrs; traced?: string }

export function seedLogs(t0: number, filler: number): string {
  const sev = { INFO: 9, WARN: 13, ERROR: 17 }
  const status = (service: string, at: number, order: string, from: string, to: string, traced?: string): LogSpec => ({
    service, at, body: `order ${order} status ${from || '∅'} → ${to}`, traced,
    attrs: { 'event.action': 'order.status_changed', 'order.id': order, 'order.status.from': from, 'order.status.to': to, 'order.status': to },
  })
  const logs: LogSpec[] = [
    status('shop-api', t0 + 5, ORDER, '', 'created', 'a000000000000001'),
    { service: 'crm-api', at: t0 + 13, body: 'verify step 1: customer lookup', attrs: { 'order.id': ORDER }, traced: 'a000000000000003' },
    { service: 'crm-api', at: t0 + 20, body: `customer verified for order ${ORDER}`, attrs: { 'order.id': ORDER, 'customer.name': CUSTOMER }, traced: 'a000000000000003' },
    { service: 'crm-api', at: t0 + 30, body: 'verify step 3: credit check passed', attrs: { 'order.id': ORDER }, traced: 'a000000000000003' },
    status('mes-api', t0 + 75, ORDER, 'created', 'accepted', 'a000000000000007'),
    { service: 'mes-api', at: t0 + 90, body: 'production start failed: machine M3 offline', level: 'ERROR', attrs: { 'order.id': ORDER }, traced: 'a000000000000007' },
    status('mes-api', t0 + 95, ORDER, 'accepted', 'in_production', 'a000000000000007'),
    status('shop-api', t0 - 50_000, FAILED_ORDER, '', 'created'),
    status('mes-api', t0 - 40_000, FAILED_ORDER, 'created', 'failed'),
    { service: 'mes-api', at: t0 - 40_001, body: `cost calculation failed for ${FAILED_ORDER}`, level: 'ERROR', attrs: { 'order.id': FAILED_ORDER } },
    status('shop-api', t0 - 7_200_000, IDLE_ORDER, '', 'created'),
    status('mes-api', t0 - 7_100_000, IDLE_ORDER, 'created', 'accepted'),
  ]
  for (let i = 0; i < filler; i++) logs.push({ service: 'inventory', at: t0 - 600_000 + i * 50, body: `stock level checked for sku-${i % 97} (${i})`, level: i % 25 === 0 ? 'WARN' : 'INFO' })
  const byService = new Map<string, LogSpec[]>()
  for (const l of logs) byService.set(l.service, [...(byService.get(l.service) ?? []), l])
  return JSON.stringify({
    resourceLogs: [...byService].map(([service, list]) => ({
      resource: { attributes: attrs({ 'service.name': service }) },
      scopeLogs: [{ scope: { name: 'seed' }, logRecords: list.map((l) => ({
        timeUnixNano: ns(l.at), severityText: l.level ?? 'INFO', severityNumber: sev[l.level ?? 'INFO'],
        body: { stringValue: l.body }, attributes: attrs(l.attrs ?? {}),
        ...(l.traced ? { traceId: TRACE_ID, spanId: l.traced } : {}),
      })) }],
    })),
  })
}

/** One log line, for the live tail. */
export function tailLog(service: string, body: string): string {
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: attrs({ 'service.name': service }) }, scopeLogs: [{ scope: { name: 'seed' }, logRecords: [{ timeUnixNano: ns(Date.now()), severityText: 'INFO', severityNumber: 9, body: { stringValue: body } }] }] }] })
}

/** A customer complaint about an order (the SDK's `events.complaint`), sent now. */
export function complaintLog(orderId: string, reason: string): string {
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: attrs({ 'service.name': 'crm-api' }) }, scopeLogs: [{ scope: { name: 'seed' }, logRecords: [{
    timeUnixNano: ns(Date.now()), severityText: 'WARN', severityNumber: 13, body: { stringValue: `complaint about order ${orderId}: ${reason}` },
    attributes: attrs({ 'event.action': 'order.complaint', 'order.id': orderId, 'complaint.reason': reason, 'complaint.channel': 'phone' }),
  }] }] }] })
}
