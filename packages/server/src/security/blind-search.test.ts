import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { compileQuery, parseQuery, QueryError } from '@beacon/query'
import { blindIndex, createKeyRing, generateKey } from './crypto.ts'
import { createBlindSearch, WITHHELD_QUERY, type BlindSearch } from './blind-search.ts'
import { createAuditTextMask } from './audit-text.ts'
import { createRedactStage } from './redact.ts'

const ring = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }], indexKey: generateKey() })
const blind = createBlindSearch({ fields: ['customer.email', 'customer.phone', 'payment.*'], keyRing: ring, blindIndex: true }) as BlindSearch
const JANE = 'jane@example.com'

function compiled(q: string): { sql: string; params: Record<string, unknown> } {
  return compileQuery(blind.rewrite(parseQuery(q)), { target: 'logs' })
}

describe('blind-index search rewrite', () => {
  test('an exact match on an encrypted field compares its blind index, never the plaintext', () => {
    const { sql, params } = compiled(`customer.email:${JANE}`)
    assert.match(sql, /LogAttributes\[\{q0:String\}\] = \{q1:String\}/)
    assert.equal(params.q0, 'customer.email.bidx')
    assert.equal(params.q1, blindIndex(ring, JANE))
    assert.ok(!JSON.stringify(params).includes(JANE))
  })

  test('the index normalizes case, spaces and phone punctuation', () => {
    assert.equal(compiled('customer.email:" Jane@Example.COM "').params.q1, blindIndex(ring, JANE))
    assert.equal(compiled('customer.phone:"+7 (912) 345-67-89"').params.q1, blindIndex(ring, '+79123456789'))
  })

  test('patterns in the configuration apply, in groups, under NOT and beside other terms', () => {
    const { sql, params } = compiled('service:shop -payment.iban:DE89370400440532013000 AND (customer.email:(a@b.c OR d@e.f) OR level:error)')
    assert.ok(Object.values(params).includes('payment.iban.bidx'))
    assert.ok(Object.values(params).includes(blindIndex(ring, 'a@b.c')))
    assert.ok(Object.values(params).includes(blindIndex(ring, 'd@e.f')))
    assert.ok(Object.values(params).includes('shop'))
    assert.ok(!Object.values(params).some((v) => v === 'a@b.c' || v === 'DE89370400440532013000'))
    assert.match(sql, /NOT/)
  })

  test('presence and other fields are left alone', () => {
    assert.deepEqual(blind.rewrite(parseQuery('customer.email:*')), parseQuery('customer.email:*'))
    assert.deepEqual(blind.rewrite(parseQuery('contact.email:x@y.z "payment failed"')), parseQuery('contact.email:x@y.z "payment failed"'))
    assert.deepEqual(blind.rewrite(parseQuery('customer.email.bidx:abc')), parseQuery('customer.email.bidx:abc'))
  })

  test('wildcards, comparisons and ranges on an encrypted field are a 400 that says only exact match works', () => {
    for (const q of ['customer.email:jane*', 'customer.email:>a', 'customer.email:[a TO b]', 'payment.card:*1111']) {
      assert.throws(() => blind.rewrite(parseQuery(q)), (e: unknown) => {
        assert.ok(e instanceof QueryError)
        assert.equal(e.status, 400)
        assert.match(e.message, /encrypted: only exact match works/)
        return true
      }, q)
    }
  })

  test('with the blind index off, an encrypted field can only be searched for presence', () => {
    const off = createBlindSearch({ fields: ['customer.email'], keyRing: ring, blindIndex: false }) as BlindSearch
    assert.throws(() => off.rewrite(parseQuery(`customer.email:${JANE}`)), /blind index is turned off/)
    assert.doesNotThrow(() => off.rewrite(parseQuery('customer.email:*')))
  })

  test('no encrypted fields: no rewrite at all', () => {
    assert.equal(createBlindSearch({ fields: [], keyRing: ring, blindIndex: true }), undefined)
  })
})

describe('search text in the audit', () => {
  test('values of encrypted fields become their blind index or [withheld]; the rest stays as typed', () => {
    const idx = blindIndex(ring, JANE)
    assert.equal(blind.maskQuery(`service:shop customer.email:${JANE} error`), `service:shop customer.email:bidx:${idx} error`)
    assert.equal(blind.maskQuery(`customer.email:"${JANE}" OR customer.email:(${JANE} OR x\\ y@z.w)`),
      `customer.email:bidx:${idx} OR customer.email:(bidx:${idx} OR bidx:${blindIndex(ring, 'x y@z.w')})`)
    assert.equal(blind.maskQuery('customer.email:jane* customer.phone:[1 TO 9] payment.x:>="a b"'), 'customer.email:[withheld] customer.phone:[withheld] payment.x:>=[withheld]')
    assert.equal(blind.maskQuery('customer.email:*'), 'customer.email:*')
    assert.equal(blind.maskQuery('level:error "jane"'), 'level:error "jane"')
  })

  test('a query that does not parse is withheld when it names an encrypted field', () => {
    assert.equal(blind.maskQuery(`customer.email:${JANE} AND (`), WITHHELD_QUERY)
    assert.equal(blind.maskQuery(`-Customer.Email:${JANE} (`), WITHHELD_QUERY)
    assert.equal(blind.maskQuery('level:error AND ('), 'level:error AND (')
  })

  test('the audit target gets the blind index for encrypted fields and the redaction policy for the rest', () => {
    const redact = createRedactStage()
    const mask = createAuditTextMask({ maskQuery: blind.maskQuery, redactText: (t) => redact.redactText(t) })!
    const target = JSON.stringify({ q: `customer.email:${JANE} "4111 1111 1111 1111" password=hunter2 bob@example.org`, from: 'now-1h' })
    const out = JSON.parse(mask(target))
    assert.equal(out.from, 'now-1h')
    assert.ok(out.q.startsWith(`customer.email:bidx:${blindIndex(ring, JANE)} `), out.q)
    for (const secret of [JANE, '4111 1111 1111 1111', 'hunter2', 'bob@example.org']) assert.ok(!out.q.includes(secret), `${secret} in ${out.q}`)
    assert.match(out.q, /\*\*\*\*-\*\*\*\*-\*\*\*\*-1111/)
    assert.match(out.q, /b\*\*\*@e\*\*\*\.org/)
    assert.equal(mask('{"username":"eve"}'), '{"username":"eve"}')
    assert.equal(createAuditTextMask({}), undefined)
  })
})
