import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldValue, flattenHit, hitSummary, visibleHit } from './hit-fields.ts'
import type { LogHit } from '../api/types.ts'

const log: LogHit = {
  kind: 'log', time: '2026-11-29T10:00:00.000Z', timeUnixNano: '1', service: 'shop-api', level: 'ERROR', severityNumber: 17,
  body: 'payment failed', traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), eventName: '', orderId: 'ORD-1', userId: '',
  httpStatus: 502, httpRoute: '/orders', eventAction: '', attributes: { 'payment.provider': 'acme' }, resource: { 'service.name': 'shop-api', host: 'h1' },
}

test('flattens a log with query-language names, built-ins first, no duplicate service.name', () => {
  const f = flattenHit(log)
  assert.deepEqual(f.slice(0, 3), [['service', 'shop-api'], ['level', 'ERROR'], ['body', 'payment failed']])
  assert.ok(f.some(([k, v]) => k === 'order' && v === 'ORD-1'))
  assert.ok(f.some(([k]) => k === 'payment.provider'))
  assert.ok(!f.some(([k]) => k === 'service.name'))
  assert.equal(fieldValue(log, 'http.status'), '502')
  assert.equal(fieldValue(log, 'host'), 'h1')
  assert.equal(hitSummary(log), 'payment failed')
})

test('hides the blind-index attributes (*.bidx) kept beside encrypted fields, in fields and JSON', () => {
  const enc: LogHit = { ...log, attributes: { 'customer.email': '[encrypted]', 'customer.email.bidx': 'f'.repeat(32), 'payment.provider': 'acme' }, resource: { ...log.resource, 'x.bidx': '1' } }
  const keys = flattenHit(enc).map(([k]) => k)
  assert.ok(keys.includes('customer.email'))
  assert.ok(!keys.some((k) => k.endsWith('.bidx')), keys.join(','))
  assert.equal(fieldValue(enc, 'customer.email.bidx'), '')
  const v = visibleHit(enc)
  assert.deepEqual(Object.keys(v.attributes), ['customer.email', 'payment.provider'])
  assert.ok(!('x.bidx' in v.resource))
  assert.ok('customer.email.bidx' in enc.attributes, 'the hit itself is not changed')
})
