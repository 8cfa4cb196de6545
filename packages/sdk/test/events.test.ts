import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { createLogger } from '../src/logging/logger.ts'
import { createEvents } from '../src/events/events.ts'
import { captureStream, memoryTelemetry } from './test-utils.ts'

let mem: ReturnType<typeof memoryTelemetry>
before(() => { mem = memoryTelemetry() })

function setup() {
  const out = captureStream()
  mem.logs.reset()
  const logger = createLogger({ service: 'mes-api', destination: out, level: 'trace' })
  return { out, events: createEvents(logger) }
}

test('order status change: INFO with order id, from and to, on stdout and in the exported record', () => {
  const { out, events } = setup()
  events.orderStatusChanged({ orderId: 'o-1', from: 'scheduled', to: 'in_production' })
  const line = out.lines[0]
  assert.equal(line.level, 'info')
  assert.equal(line['event.action'], 'order.status_changed')
  assert.equal(line['order.id'], 'o-1')
  assert.equal(line['order.status.from'], 'scheduled')
  assert.equal(line['order.status.to'], 'in_production')
  const rec = mem.logs.getFinishedLogRecords()[0]
  assert.equal(rec.severityNumber, SeverityNumber.INFO)
  assert.equal(rec.attributes['event.action'], 'order.status_changed')
  assert.equal(rec.attributes['order.status.to'], 'in_production')
  assert.equal(rec.attributes['event.outcome'], 'success')
})

test('user action audit: created, updated and deleted carry the user and the order', () => {
  const { out, events } = setup()
  events.orderCreated({ orderId: 7, userId: 'u-1', total: 12.5 })
  events.orderUpdated({ orderId: 7, userId: 'u-1' })
  events.orderDeleted({ orderId: 7, userId: 'u-2' })
  assert.deepEqual(out.lines.map((l) => [l['event.action'], l['order.id'], l['user.id']]), [
    ['order.created', '7', 'u-1'], ['order.updated', '7', 'u-1'], ['order.deleted', '7', 'u-2'],
  ])
  assert.equal(out.lines[0].total, 12.5)
})

test('authentication and authorization: success INFO, failure and denial WARN with outcome failure', () => {
  const { out, events } = setup()
  events.loginSucceeded({ userId: 'u-1' })
  events.loginFailed({ userName: 'ann@example.com', reason: 'bad password' })
  events.logout({ userId: 'u-1' })
  events.authorizationDenied({ userId: 'u-1', action: 'delete', resource: 'order/7' })
  assert.deepEqual(out.lines.map((l) => [l.level, l['event.action'], l['event.outcome']]), [
    ['info', 'user.login', 'success'], ['warn', 'user.login', 'failure'], ['info', 'user.logout', 'success'], ['warn', 'authorization.denied', 'failure'],
  ])
  assert.equal(out.lines[1]['event.reason'], 'bad password')
  assert.equal(out.lines[3]['authorization.resource'], 'order/7')
})

test('cost calculation failure is ERROR with the stack; equipment failure is FATAL', () => {
  const { out, events } = setup()
  events.costCalculationFailed({ orderId: 'o-9', error: new RangeError('negative material price') })
  events.equipmentFailure({ equipmentId: 'press-3', error: 'hydraulic pressure lost', orderId: 'o-9' })
  assert.equal(out.lines[0].level, 'error')
  assert.equal(out.lines[0]['event.action'], 'cost.calculation_failed')
  assert.match(out.lines[0]['exception.stacktrace'], /RangeError: negative material price/)
  assert.equal(out.lines[1].level, 'fatal')
  assert.equal(out.lines[1]['equipment.id'], 'press-3')
  const recs = mem.logs.getFinishedLogRecords()
  assert.equal(recs[0].severityNumber, SeverityNumber.ERROR)
  assert.equal(recs[1].severityNumber, SeverityNumber.FATAL)
  assert.equal(recs[1].severityText, 'FATAL')
})

test('a generic event keeps its level, outcome and fields', () => {
  const { out, events } = setup()
  events.record('equipment.maintenance', { level: 'warn', outcome: 'success', equipmentId: 'oven-1' })
  assert.equal(out.lines[0].level, 'warn')
  assert.equal(out.lines[0]['event.action'], 'equipment.maintenance')
  assert.equal(out.lines[0].equipmentId, 'oven-1')
})

test('customer complaint: WARN order.complaint with the order, reason, customer and channel', () => {
  const { out, events } = setup()
  events.complaint({ orderId: 'ORD-9', reason: 'arrived late', customerId: 42, channel: 'phone' })
  const line = out.lines[0]
  assert.equal(line.level, 'warn')
  assert.equal(line['event.action'], 'order.complaint')
  assert.equal(line['order.id'], 'ORD-9')
  assert.equal(line['complaint.reason'], 'arrived late')
  assert.equal(line['customer.id'], '42')
  assert.equal(line['complaint.channel'], 'phone')
  assert.equal(mem.logs.getFinishedLogRecords()[0].severityNumber, SeverityNumber.WARN)
})

test('a record holds the event fields, the caller\'s other fields and the business keys; the named inputs are not repeated', () => {
  const { out, events } = setup()
  events.orderCreated({ orderId: 'ORD-3', userId: 5, total: 9.5, items: 2, note: undefined })
  events.orderCreated({ orderId: 'ORD-4', 'user.id': 'from-fields' })
  assert.deepEqual(Object.keys(out.lines[0]).filter((k) => !['level', 'time', 'service', 'msg', 'pid', 'hostname'].includes(k)),
    ['event.kind', 'event.action', 'event.category', 'event.outcome', 'total', 'items', 'order.id', 'user.id'])
  assert.equal(out.lines[0]['user.id'], '5')
  // as before: a business key the event leaves unset is absent, even when a field of that name was passed
  assert.equal('user.id' in out.lines[1], false)
  assert.equal(out.lines[1]['order.id'], 'ORD-4')
})
