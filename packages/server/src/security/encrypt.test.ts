import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createEncryptStage, ENCRYPTED_PLACEHOLDER, UNDECRYPTABLE_PLACEHOLDER } from './encrypt.ts'
import { decryptTokens } from '../auth/reader-decryption.ts'
import { createSecurityStages, securityDataConfigSchema } from './stages.ts'
import { blindIndex, createKeyRing, decryptValue, generateKey, isEncrypted, tokenKeyId } from './crypto.ts'
import { runStages } from '../pipeline/pipeline.ts'
import { BeaconError } from '../errors.ts'
import { attributes, batch, logRecord, spanRecord } from './test-utils.ts'

const k1 = generateKey()
const indexKey = generateKey()
const ring = createKeyRing({ keys: [{ id: 'k1', key: k1 }], indexKey })
const fields = ['customer.email', 'customer.phone', 'customer.address', 'payment.*']

function securityStages(keyRing = ring) {
  const parsed = securityDataConfigSchema.parse({ encryption: { fields } })
  const { redact, encrypt } = createSecurityStages(parsed, keyRing)
  assert.ok(encrypt)
  return { redact, encrypt, stages: [redact, encrypt] }
}

describe('encrypt stage', () => {
  test('encrypts configured fields everywhere in a record and stores a blind index beside them', () => {
    const encrypt = createEncryptStage({ fields, keyRing: ring })
    const log = logRecord({ attributes: { 'customer.email': 'john@example.com', 'Payment.IBAN': 'DE89370400440532013000', 'order.id': 'A-1' }, resource: { 'customer.address': 'Main St 1' } })
    const span = spanRecord({
      attributes: attributes({ 'customer.phone': '+7 912 345-67-89' }),
      events: [{ timeUnixNano: '1', name: 'e', attributes: attributes({ 'payment.card.holder': 'J SMITH' }) }],
      links: [{ traceId: '', spanId: '', traceState: '', attributes: attributes({ 'customer.email': 'l@example.com' }) }],
    })
    encrypt.process(batch([log], [span]))
    const check = (a: Record<string, string>, key: string, plain: string) => {
      assert.ok(isEncrypted(a[key]), `${key} = ${a[key]}`)
      assert.equal(decryptValue(ring, a[key]), plain)
      assert.equal(a[`${key}.bidx`], blindIndex(ring, plain))
    }
    check(log.attributes, 'customer.email', 'john@example.com')
    check(log.attributes, 'Payment.IBAN', 'DE89370400440532013000')
    check(log.resource, 'customer.address', 'Main St 1')
    check(span.attributes, 'customer.phone', '+7 912 345-67-89')
    check(span.events[0].attributes, 'payment.card.holder', 'J SMITH')
    check(span.links[0].attributes, 'customer.email', 'l@example.com')
    assert.equal(log.attributes['order.id'], 'A-1')
    assert.deepEqual(encrypt.counters(), { k1: 6 })
  })

  test('does not encrypt twice, nor encrypt removed or empty values, nor its own index', () => {
    const encrypt = createEncryptStage({ fields: ['customer.*'], keyRing: ring })
    const log = logRecord({ attributes: { 'customer.email': 'john@example.com', 'customer.password': '[REDACTED]', 'customer.note': '' } })
    encrypt.process(batch([log]))
    const first = { ...log.attributes }
    encrypt.process(batch([log]))
    assert.deepEqual({ ...log.attributes }, first)
    assert.equal(log.attributes['customer.password'], '[REDACTED]')
    assert.equal(log.attributes['customer.note'], '')
    assert.match(log.attributes['customer.email.bidx'], /^[0-9a-f]{32}$/)
    assert.equal(Object.keys(log.attributes).length, 4)
  })

  test('blind index can be turned off', () => {
    const log = logRecord({ attributes: { 'customer.email': 'john@example.com' } })
    createEncryptStage({ fields, keyRing: ring, blindIndex: false }).process(batch([log]))
    assert.deepEqual(Object.keys(log.attributes), ['customer.email'])
  })
})

describe('redact and encrypt together', () => {
  test('a configured e-mail is stored encrypted (not masked), a non-configured one is masked', () => {
    const { stages } = securityStages()
    const log = logRecord({ attributes: { 'customer.email': 'John.Doe@example.com', 'contact.email': 'jane@example.com' }, body: 'mail from john.doe@example.com' })
    runStages(stages, batch([log]))
    assert.ok(isEncrypted(log.attributes['customer.email']))
    assert.equal(decryptValue(ring, log.attributes['customer.email']), 'John.Doe@example.com')
    assert.equal(log.attributes['contact.email'], 'j***@e***.com')
    assert.equal(log.body, 'mail from j***@e***.com')
  })

  test('secrets and card numbers never reach an encrypted field', () => {
    const { stages } = securityStages()
    const log = logRecord({ attributes: { 'payment.card.number': '4111 1111 1111 1111', 'payment.card.cvv': '123', 'customer.address': 'Main St 1, password=hunter2' } })
    runStages(stages, batch([log]))
    assert.equal(log.attributes['payment.card.cvv'], '[REDACTED]')
    assert.equal(decryptValue(ring, log.attributes['payment.card.number']), '****-****-****-1111')
    assert.equal(decryptValue(ring, log.attributes['customer.address']), 'Main St 1, password=[REDACTED]')
  })

  test('a client-sent blind index attribute is redacted like any value', () => {
    const { stages } = securityStages()
    const log = logRecord({ attributes: { 'customer.email.bidx': 'john@example.com' } })
    runStages(stages, batch([log]))
    assert.equal(log.attributes['customer.email.bidx'], 'j***@e***.com')
  })

  test('exact-match search works through the blind index, across key rotation', () => {
    const record = (email: string, i: number) => logRecord({ attributes: { 'customer.email': email, 'order.id': `A-${i}` } })
    const before = ['john@example.com', 'jane@example.com'].map(record)
    runStages(securityStages(ring).stages, batch(before))
    // rotation: a new data key becomes active, the index key stays
    const rotated = createKeyRing({ keys: [{ id: 'k2', key: generateKey() }, { id: 'k1', key: k1 }], indexKey })
    const after = [record('John@Example.com ', 2)]
    runStages(securityStages(rotated).stages, batch(after))
    assert.equal(tokenKeyId(after[0].attributes['customer.email']), 'k2')

    const want = blindIndex(rotated, 'JOHN@example.com')
    const hits = [...before, ...after].filter((r) => r.attributes['customer.email.bidx'] === want).map((r) => r.attributes['order.id'])
    assert.deepEqual(hits, ['A-0', 'A-2'])
    assert.equal(decryptValue(rotated, before[0].attributes['customer.email']), 'john@example.com')
  })

  test('encrypted fields without keys are a configuration error', () => {
    const config = securityDataConfigSchema.parse({ encryption: { fields: ['customer.email'] } })
    assert.throws(() => createSecurityStages(config, undefined), (err: unknown) => err instanceof BeaconError && err.code === 'config_invalid')
    const none = createSecurityStages(securityDataConfigSchema.parse({}), undefined)
    assert.equal(none.encrypt, undefined)
  })
})

describe('the reader view of stored attributes (decryptTokens)', () => {
  const readAs = (a: Record<string, string>, canDecrypt: boolean, keyRing = ring) => {
    const count = { decrypted: 0, withheld: 0, failed: 0 }
    decryptTokens(a, canDecrypt, keyRing, count)
    return count
  }

  function storedAttributes() {
    const log = logRecord({ attributes: { 'customer.email': 'john@example.com', 'order.id': 'A-1' } })
    createEncryptStage({ fields, keyRing: ring }).process(batch([log]))
    return log.attributes
  }

  test('shows plaintext to a permitted reader and counts what it decrypted', () => {
    const a = storedAttributes()
    assert.deepEqual(readAs(a, true), { decrypted: 1, withheld: 0, failed: 0 })
    assert.equal(a['customer.email'], 'john@example.com')
    assert.equal(a['order.id'], 'A-1')
  })

  test('shows a placeholder to anyone else', () => {
    const a = storedAttributes()
    assert.deepEqual(readAs(a, false), { decrypted: 0, withheld: 1, failed: 0 })
    assert.equal(a['customer.email'], ENCRYPTED_PLACEHOLDER)
  })

  test('a value whose key is gone or that was tampered with shows as undecryptable', () => {
    const a = storedAttributes()
    a['customer.phone'] = 'enc:v1:k1:AAAAAAAAAAAAAAAA:' + 'A'.repeat(30)
    const withoutK1 = createKeyRing({ keys: [{ id: 'k9', key: generateKey() }] })
    assert.equal(tokenKeyId(a['customer.email']), 'k1')
    assert.deepEqual(readAs(a, true, withoutK1), { decrypted: 0, withheld: 0, failed: 2 })
    assert.equal(a['customer.email'], UNDECRYPTABLE_PLACEHOLDER)
  })
})
