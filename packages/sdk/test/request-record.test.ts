import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bodyHash, captureBody, findOrderId, headerAttributes, resolveOrderId } from '../src/http/request-record.ts'
import { statementWithoutValues } from '../src/db/query-monitor.ts'
import { REDACTED } from '../src/redact/redact.ts'

test('bodies are redacted structurally and cut at the limit', () => {
  const body = captureBody('{"email":"a@b.c","password":"pw","card":"4111 1111 1111 1111"}', 4096)
  assert.equal(body, `{"email":"a@b.c","password":"${REDACTED}","card":"**** 1111"}`)
  const long = captureBody({ text: 'x'.repeat(100) }, 20)
  assert.equal(long, '{"text":"xxxxxxxxxxx…[truncated]')
  assert.equal(captureBody('anything', 0), undefined)
})

test('finds the order id in params, bodies and responses', () => {
  assert.equal(findOrderId({ orderId: 12 }), '12')
  assert.equal(findOrderId({ order: { id: 'o-1' } }), 'o-1')
  assert.equal(findOrderId({ id: 5 }), undefined)
  assert.equal(resolveOrderId('/orders/:id', { id: '9' }, undefined, undefined), '9')
  assert.equal(resolveOrderId('/orders', {}, { items: [] }, '{"id":"o-77","status":"new"}'), 'o-77')
  assert.equal(resolveOrderId('/users/:id', { id: '9' }, undefined, undefined), undefined)
})

test('headers keep their names but lose credentials', () => {
  const h = headerAttributes({ authorization: 'Bearer abc', cookie: 'sid=1', accept: 'application/json' })
  assert.deepEqual(h, { 'http.request.header.authorization': REDACTED, 'http.request.header.cookie': REDACTED, 'http.request.header.accept': 'application/json' })
})

test('logged statements keep placeholders and lose literal values', () => {
  assert.equal(statementWithoutValues("SELECT * FROM t1 WHERE a = $1 AND b = 'x''y' AND c > 10.5"), 'SELECT * FROM t1 WHERE a = $1 AND b = ? AND c > ?')
  assert.equal(statementWithoutValues('select pg_sleep(0.3)'), 'select pg_sleep(?)')
})

test('identical request bodies share a body hash; different ones do not', () => {
  const a = captureBody('{"sku":"P-1","qty":2}', 4096)!
  assert.equal(bodyHash(a), bodyHash(captureBody('{"sku":"P-1","qty":2}', 4096)!))
  assert.notEqual(bodyHash(a), bodyHash(captureBody('{"sku":"P-1","qty":3}', 4096)!))
  assert.match(bodyHash(a), /^[0-9a-f]{16}$/)
})
