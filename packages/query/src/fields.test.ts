import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FIELDS, FIELD_ALIASES, listFields, resolveField, type Target } from './fields.ts'

const columnOf = (name: string, target: Target): string => {
  const r = resolveField(name, target)
  return r.type === 'column' ? r.column.columns.join(',') : `attribute ${r.maps.join('/')}`
}

test('no spelling belongs to two fields', () => {
  const all = FIELDS.flatMap((f) => f.aliases.map((a) => a.toLowerCase()))
  assert.equal(new Set(all).size, all.length)
  for (const f of FIELDS) assert.ok(f.aliases.includes(f.name), `${f.name} lists itself`)
  assert.equal(Object.keys(FIELD_ALIASES).length, all.length)
})

test('maps the documented names to their columns on both tables', () => {
  const expected: [string[], string, string][] = [
    [['service', 'Service'], 'ServiceName', 'ServiceName'],
    [['level', 'severity'], 'SeverityText', 'StatusCode'],
    [['trace', 'trace.id', 'trace_id', 'TraceId'], 'TraceId', 'TraceId'],
    [['span.id', 'span_id'], 'SpanId', 'SpanId'],
    [['body', 'message', 'msg'], 'Body', 'SpanName,StatusMessage'],
    [['name', 'span.name'], 'attribute LogAttributes/ResourceAttributes', 'SpanName'],
    [['order', 'order.id', 'order_id', 'orderId', 'order.number'], 'OrderId', 'OrderId'],
    [['user', 'user.id', 'userId', 'enduser.id'], 'UserId', 'UserId'],
    [['http.status', 'status', 'http.status_code', 'http.response.status_code'], 'HttpStatus', 'HttpStatus'],
    [['http.route', 'route'], 'HttpRoute', 'HttpRoute'],
    [['event.action'], 'EventAction', 'EventAction'],
    [['client.ip', 'client.address'], 'ClientIp', 'ClientIp'],
    [['duration'], 'attribute LogAttributes/ResourceAttributes', 'Duration'],
    [['customer.tier'], 'attribute LogAttributes/ResourceAttributes', 'attribute SpanAttributes/ResourceAttributes'],
  ]
  for (const [names, logs, spans] of expected) {
    for (const n of names) assert.deepEqual([n, columnOf(n, 'logs'), columnOf(n, 'spans')], [n, logs, spans])
  }
})

test('lists the fields each target has, with column and type', () => {
  const logs = listFields('logs')
  const spans = listFields('spans')
  assert.equal(logs.some((f) => f.name === 'duration'), false)
  assert.deepEqual(spans.find((f) => f.name === 'duration'), {
    name: 'duration', aliases: ['duration'], column: 'Duration', type: 'UInt64', kind: 'duration',
    description: 'Span duration in milliseconds (or with a unit: 250ms, 1.5s)',
  })
  assert.equal(logs.find((f) => f.name === 'http.status')?.type, 'UInt16')
  assert.equal(spans.find((f) => f.name === 'body')?.column, 'SpanName, StatusMessage')
})
