import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSecretKey, luhnValid, redact, redactHeaders, redactString, REDACTED } from '../src/redact/redact.ts'

test('removes values under secret keys at any depth', () => {
  const out = redact({ user: 'ann', password: 'hunter2', nested: { accessToken: 'abc', api_key: 'k', ok: 1 }, list: [{ secret: 's' }] })
  assert.deepEqual(out, { user: 'ann', password: REDACTED, nested: { accessToken: REDACTED, api_key: REDACTED, ok: 1 }, list: [{ secret: REDACTED }] })
})

test('keeps only the last 4 digits of a Luhn-valid card number', () => {
  assert.deepEqual(redact({ cardNumber: '4111 1111 1111 1111' }), { cardNumber: '**** 1111' })
  assert.equal(redactString('paid with 4111-1111-1111-1111 today'), 'paid with **** 1111 today')
  assert.equal(redactString('{"card":"5555555555554444"}'), '{"card":"**** 4444"}')
})

test('leaves digit runs that fail the Luhn check (order numbers, phone numbers) alone', () => {
  assert.equal(luhnValid('4111111111111112'), false)
  assert.equal(redactString('order 1234567890123456 shipped'), 'order 1234567890123456 shipped')
})

test('redacts credentials inside free text', () => {
  assert.equal(redactString('Authorization: Bearer eyJhbGciOi.abc123def.xyz789'), `Authorization: Bearer ${REDACTED}`)
  assert.equal(redactString('GET /login?user=ann&password=hunter2&x=1'), `GET /login?user=ann&password=${REDACTED}&x=1`)
  assert.equal(redactString('{"password":"hunter2","user":"ann"}'), `{"password":"${REDACTED}","user":"ann"}`)
})

test('redacts a secret pair inside the value of an ordinary pair', () => {
  assert.equal(redactString('paid: password=hunter2'), `paid: password=${REDACTED}`)
  assert.equal(redactString('{"note":"password=hunter2","user":"ann"}'), `{"note":"password=${REDACTED}","user":"ann"}`)
  assert.equal(redactString('step: retry: token=abcd1234efgh done'), `step: retry: token=${REDACTED} done`)
  assert.equal(redactString('url: https://shop.example/pay?x=1'), 'url: https://shop.example/pay?x=1')
})

test('redacts authorization and cookie headers but keeps the others', () => {
  const h = redactHeaders({ authorization: 'Bearer abcdefgh', cookie: 'sid=1', 'set-cookie': ['a=b'], 'content-type': 'application/json', 'x-api-key': 'k' })
  assert.deepEqual(h, { authorization: REDACTED, cookie: REDACTED, 'set-cookie': REDACTED, 'content-type': 'application/json', 'x-api-key': REDACTED })
})

test('returns the same reference when nothing is secret, and never mutates its input', () => {
  const clean = { a: 1, b: { c: 'hello' }, d: [1, 2] }
  assert.equal(redact(clean), clean)
  const dirty = { a: 1, password: 'x' }
  const out = redact(dirty)
  assert.notEqual(out, dirty)
  assert.equal(dirty.password, 'x')
})

test('survives cycles', () => {
  const a: Record<string, unknown> = { password: 'p' }
  a.self = a
  const out = redact(a) as Record<string, unknown>
  assert.equal(out.password, REDACTED)
  assert.equal(out.self, '[Circular]')
})

test('recognises secret keys whatever their case or prefix', () => {
  assert.ok(isSecretKey('Password'))
  assert.ok(isSecretKey('http.request.header.authorization'))
  assert.ok(!isSecretKey('user.id'))
})

test('text redacted twice in a row (a captured body, then the record holding it) gives the same answer both times', () => {
  const clean = JSON.stringify({ orderId: 'ORD-1', items: [{ sku: 'BOLT-M8', qty: 100 }], note: 'deliver to dock 4' })
  const secret = 'order ORD-1 paid by login with password=hunter2 and card 4111 1111 1111 1111'
  for (let round = 0; round < 3; round++) {
    assert.equal(redactString(clean), clean)
    assert.equal(redactString(`${clean}`), clean)
    const out = redactString(secret)
    assert.ok(!out.includes('hunter2') && !out.includes('4111 1111 1111 1111'), out)
    assert.equal(redactString(secret), out, 'a string that needed redaction is redacted every time')
    // Six other clean strings push the first out of the memo; it is still answered right.
    for (let i = 0; i < 6; i++) redactString(`${clean} ${i}`)
  }
})
