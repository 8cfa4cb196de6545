import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createRedactStage } from './redact.ts'
import { redactionPolicySchema, defaultRedactionPolicy } from './redact-policy.ts'
import { isSecretName } from './redact-names.ts'
import { luhnValid } from './mask.ts'
import { BeaconError } from '../errors.ts'
import { attributes, batch, logRecord, spanRecord } from './test-utils.ts'

const stage = createRedactStage()
const text = (s: string) => stage.redactText(s)
/** Redacts one attribute under `key` with the default policy. */
function attr(key: string, value: string): string {
  const log = logRecord({ attributes: { [key]: value } })
  createRedactStage().process(batch([log]))
  return log.attributes[key]
}

describe('secrets by field name', () => {
  test('removes common secret spellings at any nesting, any case', () => {
    for (const key of [
      'password', 'Password', 'PASSWD', 'pwd', 'pass', 'db_pass', 'secret', 'client_secret', 'clientSecret', 'token', 'access_token',
      'refresh_token', 'id_token', 'accessToken', 'api_key', 'apikey', 'api-key', 'x-api-key', 'X-Api-Key', 'authorization',
      'proxy-authorization', 'cookie', 'set-cookie', 'cvv', 'cvc', 'cvv2', 'cvc2', 'card.cvv', 'private_key', 'privateKey',
      'session_id', 'JSESSIONID', 'http.request.header.authorization', 'http.request.header.cookie', 'request.body.user.password',
      'DB_PASSWORD', 'user.credentials', 'auth', 'x-auth-token', 'pin', 'otp', 'api.key', 'headers.authorization.0', 'stripe_secret_key',
    ]) {
      assert.equal(attr(key, 'sensitive-value-123'), '[REDACTED]', key)
    }
  })

  test('keeps harmless keys that merely look similar', () => {
    for (const key of [
      'token_count', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.request.max_tokens', 'token_type',
      'passenger', 'bypass', 'compass', 'author', 'authority', 'keyboard', 'cache.key', 'session.id', 'passed', 'http.method',
    ]) {
      assert.equal(isSecretName(key), false, key)
    }
    assert.equal(attr('token_count', '512'), '512')
    assert.equal(attr('user.id', 'u-1234'), 'u-1234')
  })

  test('a harmless-named key still has its text scanned', () => {
    assert.equal(attr('token_type', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'), 'Bearer [REDACTED]')
  })
})

describe('secrets inside text', () => {
  const cases: Array<[string, string]> = [
    ['login failed password=hunter2 user=bob', 'login failed password=[REDACTED] user=bob'],
    ['Password: hunter2', 'Password: [REDACTED]'],
    ['DB_PASSWORD="correct horse" DB_HOST=x', 'DB_PASSWORD="[REDACTED]" DB_HOST=x'],
    ['{"user":"bob","password":"p@ss w0rd"}', '{"user":"bob","password":"[REDACTED]"}'],
    ['{"a":{"b":{"client_secret":"s","n":1}}}', '{"a":{"b":{"client_secret":"[REDACTED]","n":1}}}'],
    ['{"api_key": 1234567, "ok": true}', '{"api_key": "[REDACTED]", "ok": true}'],
    ['{"credentials":{"user":"a","pass":"b"},"x":1}', '{"credentials":"[REDACTED]","x":1}'],
    ['{"token":["t1","t2"]}', '{"token":"[REDACTED]"}'],
    ['{\\"password\\":\\"x\\",\\"a\\":1}', '{\\"password\\":\\"[REDACTED]\\",\\"a\\":1}'],
    ['calling Bearer abcDEF123456', 'calling Bearer [REDACTED]'],
    ['Authorization: Bearer abc.def.ghi', 'Authorization: [REDACTED]'],
    ['proxy-authorization: Basic dXNlcjpwYXNz', 'proxy-authorization: [REDACTED]'],
    ['authorization=Bearer xyz123 next=1', 'authorization=[REDACTED] next=1'],
    ['sent Basic dXNlcjpwYXNz', 'sent Basic [REDACTED]'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_-x end', 'jwt [REDACTED] end'],
    ['GET /cb?api_key=AKsecret123&x=1', 'GET /cb?api_key=[REDACTED]&x=1'],
    ['GET /cb?access_token=abc&state=z', 'GET /cb?access_token=[REDACTED]&state=z'],
    ['Cookie: session=abc; theme=dark', 'Cookie: [REDACTED]'],
    ['Set-Cookie: sid=1; HttpOnly', 'Set-Cookie: [REDACTED]'],
    ['https://admin:s3cret@db.example.com/x', 'https://admin:[REDACTED]@db.example.com/x'],
    ['cvv: 123, pin=4567', 'cvv: [REDACTED], pin=[REDACTED]'],
    ['card 4242 cvc 123, CVV is 913; cvv2 code 4821', 'card 4242 cvc [REDACTED], CVV is [REDACTED]; cvv2 code [REDACTED]'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----', '[REDACTED]'],
    ['key ghp_abcdefghijklmnopqrstuvwxyz0123456789 and AKIAIOSFODNN7EXAMPLE', 'key [REDACTED] and [REDACTED]'],
  ]
  for (const [input, expected] of cases) {
    test(`redacts ${JSON.stringify(input.slice(0, 40))}`, () => assert.equal(text(input), expected))
  }

  test('JSON text stays valid JSON', () => {
    const out = text('{"user":{"name":"bob","password":"x","card":{"cvv":"123","number":"4111111111111111"}}}')
    assert.deepEqual(JSON.parse(out), { user: { name: 'bob', password: '[REDACTED]', card: { cvv: '[REDACTED]', number: '****-****-****-1111' } } })
  })

  test('leaves prose and harmless pairs alone', () => {
    for (const s of [
      'the bearer of bad news', 'Bearer authentication failed', 'basic information', 'Invalid password for user bob',
      'token_count=5 tokens used: 7', 'Order placed for customer in region eu-west-1, shipping method standard', 'https://example.com:8443/a?b=c',
    ]) assert.equal(text(s), s)
  })
})

describe('card numbers', () => {
  test('keeps only the last four of Luhn-valid cards in any grouping', () => {
    for (const card of ['4111111111111111', '4111 1111 1111 1111', '4111-1111-1111-1111', '5500 0000 0000 0004', '3782 822463 10005', '6011111111111117', '2200000000000004', '6333 1111 1111 1111 118']) {
      const masked = text(`paid with ${card}.`)
      assert.equal(masked, `paid with ****-****-****-${card.replace(/\D/g, '').slice(-4)}.`, card)
    }
  })

  test('leaves non-Luhn digit runs, timestamps, trace ids and UUIDs untouched', () => {
    const s = 'order 4111111111111112 ref ORD-4111-1111-1111-1111 ts 1700000000123456789 ms 1700000000123 trace 4bf92f3577b34da6a3ce929d0e0e4736 id 550e8400-e29b-41d4-a716-446655440000 phone-ish 1234567890123'
    assert.equal(luhnValid('4111111111111112'), false)
    assert.equal(text(s), s)
  })

  test('cards are removed even from encrypted and phone fields', () => {
    assert.equal(attr('customer.phone', '4111111111111111'), '****-****-****-1111')
  })
})

describe('personal data', () => {
  test('masks e-mail addresses', () => {
    assert.equal(text('mail john.doe@example.com, x'), 'mail j***@e***.com, x')
    assert.equal(attr('user.email', 'a.b@mail.example.co.uk'), 'a***@m***.uk')
  })

  test('masks phone numbers keeping the last two digits', () => {
    assert.equal(text('call +7 912 345-67-89 now'), 'call +* *** ***-**-89 now')
    assert.equal(text('call +1 (555) 123-4567'), 'call +* (***) ***-**67')
    assert.equal(text('call 8-800-555-35-35'), 'call *-***-***-**-35')
    assert.equal(text('call 8 (912) 345-67-89'), 'call * (***) ***-**-89')
    assert.equal(text('call +79123456789'), 'call +*********89')
    assert.equal(attr('customer.phone', '89123456789'), '*********89')
  })

  test('leaves dates, times, versions, ports and plain numbers alone', () => {
    const s = 'at 2024-01-15T12:30:45.123Z and 2024-01-15 12:30:45 v1.2.3 port 8080 took 1234 ms id 89123456789 ip 10.1.2.3'
    assert.equal(text(s), s)
  })

  test('truncates IP addresses only when enabled', () => {
    const ips = createRedactStage({ ips: true })
    assert.equal(ips.redactText('from 10.1.2.3 and 192.168.100.200'), 'from 10.1.2.0 and 192.168.100.0')
    assert.equal(ips.redactText('2001:db8:abcd:12::1'), '2001:db8:abcd::')
    assert.equal(text('from 10.1.2.3'), 'from 10.1.2.3')
  })
})

describe('every part of a record', () => {
  test('redacts log body, attributes and resource; span name, status, attributes, events and links', () => {
    const log = logRecord({ body: 'password=x', attributes: { 'user.email': 'john@example.com' }, resource: { 'service.name': 'checkout', 'db.password': 'y' } })
    const span = spanRecord({
      name: 'GET /reset?token=abc',
      statusMessage: 'card 4111111111111111 declined',
      attributes: attributes({ 'http.request.header.authorization': 'Basic dXNlcjpwYXNz' }),
      events: [{ timeUnixNano: '1', name: 'sent to john@example.com', attributes: attributes({ 'exception.message': 'api_key=zzz' }) }],
      links: [{ traceId: '', spanId: '', traceState: '', attributes: attributes({ cookie: 'a=b' }) }],
    })
    const redact = createRedactStage()
    redact.process(batch([log], [span]))
    assert.equal(log.body, 'password=[REDACTED]')
    assert.equal(log.attributes['user.email'], 'j***@e***.com')
    assert.equal(log.resource['db.password'], '[REDACTED]')
    assert.equal(span.name, 'GET /reset?token=[REDACTED]')
    assert.equal(span.statusMessage, 'card ****-****-****-1111 declined')
    assert.equal(span.attributes['http.request.header.authorization'], '[REDACTED]')
    assert.equal(span.events[0].name, 'sent to j***@e***.com')
    assert.equal(span.events[0].attributes['exception.message'], 'api_key=[REDACTED]')
    assert.equal(span.links[0].attributes.cookie, '[REDACTED]')
  })

  test('is idempotent and leaves encryption tokens alone', () => {
    const token = 'enc:v1:k1:AAAAAAAAAAAAAAAA:' + 'B'.repeat(40)
    const log = logRecord({ body: 'password=x mail john@example.com card 4111111111111111 call +7 912 345-67-89', attributes: { 'customer.email': token } })
    const redact = createRedactStage()
    redact.process(batch([log]))
    const once = log.body
    redact.process(batch([log]))
    assert.equal(log.body, once)
    assert.equal(log.attributes['customer.email'], token)
    assert.deepEqual(redact.counters(), { checkout: { 'secret-field': 1, card: 1, email: 1, phone: 1 } })
  })
})

describe('policy', () => {
  test('defaults are safe', () => {
    assert.deepEqual(
      { ...defaultRedactionPolicy },
      { enabled: true, secrets: true, cards: true, emails: true, phones: true, ips: false, fields: [], patterns: [], services: {} },
    )
  })

  test('applies operator field rules (exact, glob, regex; remove, mask, keep) and patterns', () => {
    const redact = createRedactStage({
      fields: [
        { field: 'x-session', action: 'remove' },
        { field: 'customer.*name', action: 'mask' },
        { regex: '^internal\\..*\\.code$', name: 'internal-code' },
        { field: 'token_total', action: 'keep' },
      ],
      patterns: [{ name: 'employee-id', regex: 'EMP-\\d{6}', replacement: 'EMP-******' }],
    })
    const log = logRecord({
      body: 'by EMP-123456 with {"x-session":"abc"}',
      attributes: { 'http.request.header.x-session': 's1', 'customer.full_name': 'John Smith', 'internal.a.code': '42', token_total: '9' },
    })
    redact.process(batch([log]))
    assert.equal(log.body, 'by EMP-****** with {"x-session":"[REDACTED]"}')
    assert.deepEqual({ ...log.attributes }, { 'http.request.header.x-session': '[REDACTED]', 'customer.full_name': 'J***', 'internal.a.code': '[REDACTED]', token_total: '9' })
    assert.deepEqual(redact.counters(), { checkout: { 'employee-id': 1, 'field:x-session': 2, 'field:customer.*name': 1, 'internal-code': 1 } })
  })

  test('per-service overrides change switches and add rules for that service only', () => {
    const redact = createRedactStage({ services: { 'call-center': { phones: false, fields: [{ field: 'ticket' }] } } })
    const a = logRecord({ serviceName: 'call-center', body: 'call +7 912 345-67-89', attributes: { ticket: 'T-1', mail: 'john@example.com' } })
    const b = logRecord({ serviceName: 'checkout', body: 'call +7 912 345-67-89', attributes: { ticket: 'T-1' } })
    redact.process(batch([a, b]))
    assert.equal(a.body, 'call +7 912 345-67-89')
    assert.equal(a.attributes.ticket, '[REDACTED]')
    assert.equal(a.attributes.mail, 'j***@e***.com')
    assert.equal(b.body, 'call +* *** ***-**-89')
    assert.equal(b.attributes.ticket, 'T-1')
    assert.deepEqual(redact.counters(), { 'call-center': { 'field:ticket': 1, email: 1 }, checkout: { phone: 1 } })
  })

  test('enabled: false turns the stage into a no-op', () => {
    const log = logRecord({ body: 'password=x' })
    createRedactStage({ enabled: false }).process(batch([log]))
    assert.equal(log.body, 'password=x')
  })

  test('an invalid policy fails listing every problem', () => {
    assert.throws(
      () => createRedactStage({ fields: [{ regex: '(' }, { field: 'a', regex: 'b' }], patterns: [{ name: 'x', regex: 'a*' }] } as never),
      (err: unknown) => {
        assert.ok(err instanceof BeaconError)
        assert.equal(err.code, 'config_invalid')
        const problems = err.details?.problems as string[]
        assert.equal(problems.length, 3, problems.join('\n'))
        assert.match(problems.join('\n'), /fields\.0\.regex: invalid regular expression/)
        assert.match(problems.join('\n'), /exactly one of `field` or `regex`/)
        assert.match(problems.join('\n'), /patterns\.0\.regex: must not match the empty string/)
        return true
      },
    )
    assert.equal(redactionPolicySchema.safeParse({ services: { s: { phones: 'no' } } }).success, false)
  })
})

test('random ids, timestamps and dates pass through unchanged', () => {
  let seed = 42
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('')
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('')
  for (let i = 0; i < 2000; i++) {
    const values = [
      hex(32), hex(16), `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`, `17${digits(17)}`, `17${digits(11)}`,
      new Date(Math.floor(rand() * 2e12)).toISOString(), `${digits(3)}.${digits(3)} ms`, `A-${digits(8)}`,
    ]
    for (const v of values) assert.equal(text(`v=${v} `), `v=${v} `, v)
  }
})

test('planted secrets and card numbers leave no trace anywhere in the record', () => {
  const secrets = ['hunter2-XYZ', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.dGVzdHNpZw', 'dXNlcjpwYXNzd29yZA==', 'c0ok1e-val', 'AKIAIOSFODNN7EXAMPLE', 'prv-key-material']
  const cards = ['4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005', '6011 0009 9013 9424', '4000 0566 5566 5556']
  const log = logRecord({
    body: `user bob password=${secrets[0]} paid ${cards[0]} and ${cards[1]}; {"card":{"number":"${cards[2]}","cvv":"737"}} Authorization: Bearer ${secrets[2]}`,
    attributes: {
      'http.request.header.authorization': `["Basic ${secrets[3]}"]`,
      'http.request.header.cookie': `session=${secrets[4]}`,
      'url.full': `https://shop.example.com/cb?api_key=${secrets[1]}&x=1`,
      'db.statement': `UPDATE users SET password='${secrets[0]}' WHERE id=1`,
      'request.body': JSON.stringify({ user: { name: 'bob', credentials: { pass: secrets[0] } }, payment: { pan: cards[3], cvc: '123' } }),
      'aws.key': `key id ${secrets[5]}`,
      'tls.private_key': secrets[6],
      'payment.card': cards[4],
    },
  })
  const span = spanRecord({
    attributes: attributes({ 'rpc.request': `{\\"token\\":\\"${secrets[1]}\\"}` }),
    events: [{ timeUnixNano: '1', name: 'exception', attributes: attributes({ 'exception.message': `declined card ${cards[0]} cvv=737 for ${secrets[2]}` }) }],
  })
  createRedactStage().process(batch([log], [span]))
  const stored = JSON.stringify([log, span])
  for (const s of secrets) assert.ok(!stored.includes(s), `secret ${s} survived: ${stored}`)
  for (const c of cards) {
    const digits = c.replace(/\D/g, '')
    assert.ok(!stored.replace(/[ -]/g, '').includes(digits.slice(0, 12)), `card ${c} survived: ${stored}`)
  }
  assert.ok(!stored.includes('737') && !stored.includes('"123"'), 'CVV survived')
})

test('counters track at most 1000 services and add up the rest under (other)', () => {
  const redact = createRedactStage()
  redact.process(batch(Array.from({ length: 1005 }, (_, i) => logRecord({ serviceName: `svc-${i}`, body: 'password=x' }))))
  const c = redact.counters()
  assert.equal(Object.keys(c).length, 1001)
  assert.deepEqual(c['(other)'], { 'secret-field': 5 })
})
