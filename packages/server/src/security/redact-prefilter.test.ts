import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileTextRedactor, type Hits } from './redact-text.ts'
import { compileNameClassifier } from './redact-names.ts'
import { effectivePolicy, redactionPolicySchema } from './redact-policy.ts'

const noHits: Hits = { add() {} }

function redactors(policyInput: object) {
  const p = effectivePolicy(redactionPolicySchema.parse(policyInput))
  const classify = compileNameClassifier({ rules: p.fields, secrets: p.secrets, phones: p.phones, protect: () => false })
  return { fast: compileTextRedactor(p, classify), full: compileTextRedactor(p, classify, { prefilter: false }) }
}

const FRAGMENTS = [
  'password=', 'Password: ', 'dbPin=', 'pin: ', 'shipping ', 'api.key=', 'apiKey:', 'x-api-key: ', 'X-Auth: ', 'author ', 'oauth=',
  'AKIAIOSFODNN7EXAMPLE', 'Asia/Tokyo ', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'sk_live_abcdefghijklmnop12', 'task-1 ',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', '"token":"t"', '{\\"secret\\":\\"s\\"}', 'Bearer abc123def456', 'Basic dXNlcjpwYXNz',
  'https://u:p@h.example.com ', 'john.doe@example.com', '+7 912 345-67-89', '(555) 123-4567', '555.123.4567', '8-800-555-35-35',
  '4111 1111 1111 1111', '4111-1111-1111-1111', '4111111111111111', '3782 822463 10005', '10.1.2.3', '192.168.100.200',
  '2024-01-15T12:30:45.123Z', '1700000000123456789', 'cvv=123', 'session_id=9', 'Cookie: a=b', 'Authorization: x', '-----BEGIN PRIVATE KEY-----x',
  ' ', '-', '.', ')', '(', '+', '=', ':', '"', '\n', '12', '123', '1234', '12345678', 'abc', 'Key', 'KEY=', 'monkey ', 'keyboard',
  '"api key":"v"', 'apikeyid=1', 'apiKeyHash=z', '"session id":"v"', '"security code":"1"', 'x2pin=1', 'myPIN=1', 'pinNumber: 1',
  'cache key: k', '"key":"k"', 'PINCODE=1', 'session.id=s', 'card_pin=1', 'x-auth-token: t', '{"a b key": 1}',
  // layered formats (issue 12): encodings, body syntaxes, separators, aliases, other scripts
  '%3D', '%40', '%2B', '%26', '%25', '%zz', '%', 'pass%77ord=', '+', '&amp;', '&#64;', '&quot;', '&lt;', '&', '\\', '\\u0040', '\\n',
  '{', '}', '[', ']', '"', "'", ',', '{"a":', '"card": ', '<password>', '</password>', '<cvv>', '</cvv>', '<x>', '</x>', '/>',
  '<p name="pin" value="1"/>', "{'password': '", '"=>"', ' -> ', ' is: ', ' is ', ':=', '\t', '\n', '_', '/', '.', ' - ',
  '4111', '1111', '4111.1111.1111.1111', '4111/1111/1111/1111', '4111_1111_1111_1111', '4111\t1111\t1111\t1111', '3782.822463.10005',
  'csc ', 'cvn=', 'cid: ', 'ccv ', 'security code ', 'pw=', 'passcode: ', 'verification_code=', 'smsCode=', 'otp ',
  'пароль: ', 'ПАРОЛЬ=', 'Passwort=', 'contraseña: ', 'hasło=', 'X-Amz-Signature=', 'sig=', 'session=', 'sid=',
  'redis://:', '@cache:6379', '{"name":"password","value":"', '"}', 'ä', 'я',
]

test('the prefilter never hides a redaction: same output with and without it', () => {
  let seed = 7
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
  for (const policy of [{}, { ips: true }, { secrets: false }, { fields: [{ field: 'ticket_no' }] }, { secrets: false, fields: [{ field: 'no' }] }]) {
    const { fast, full } = redactors(policy)
    for (let i = 0; i < 20_000; i++) {
      let s = ''
      const parts = 1 + rand(6)
      for (let j = 0; j < parts; j++) s += FRAGMENTS[rand(FRAGMENTS.length)]
      if (rand(4) === 0) s += 'ticket_no=' + rand(1000)
      assert.equal(fast.redact(s, noHits), full.redact(s, noHits), `${JSON.stringify(policy)} ${JSON.stringify(s)}`)
    }
  }
})

test('the prefilter lets ordinary log text through without scanning', () => {
  const { fast } = redactors({})
  for (const s of [
    'GET /api/orders/A-10023 completed in 23ms status=200 items=3 total=42.5 currency=EUR',
    'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', '192.168.100.200', '2024-01-15T12:30:45.123Z', 'shipping method standard',
    'keyboard layout', 'author: bob', 'task-1234 done', 'Asia/Tokyo',
  ]) assert.equal(fast.mayContain(s), false, s)
})

test('the prefilter finds every key the name rules call secret, however it is spelled', () => {
  let seed = 11
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
  const pieces = ['api', 'Api', 'API', 'key', 'Key', 'KEY', 'pass', 'Pass', 'word', 'session', 'Session', 'id', 'Id', 'token', 'count', 'pin', 'Pin', 'PIN',
    'auth', 'Auth', 'or', 'x', 'db', 'secret', 'security', 'code', 'cvv', 'otp', 'cookie', 'private', 'access', '_', '-', '.', ' ', '2',
    'pw', 'PW', 'sid', 'sig', 'Signature', 'sms', 'verification', 'mfa', 'csc', 'cid', 'пароль', 'Пароль', 'Passwort', 'contraseña', 'hasło', 'session', 'wort', 'senha']
  const { fast, full } = redactors({})
  for (let i = 0; i < 20_000; i++) {
    let key = ''
    const n = 1 + rand(4)
    for (let j = 0; j < n; j++) key += pieces[rand(pieces.length)]
    for (const s of [`${key}=v1`, `"${key}":"v2"`, `x ${key}: v3`]) assert.equal(fast.redact(s, noHits), full.redact(s, noHits), JSON.stringify(s))
  }
})

// Digit chains and `key` after a space: the prefilter asks for a card/phone-sized chain (10+ digits
// with a 4+ group or a non-dot separator; 6+ in JSON) and a quote for `… key`.
const SHAPES = [
  '1', '12', '123', '1234', '12345', '123456', '4111', '5555', '8', '7', '+', '+7', '+1', ' ', '-', '.', '(', ')', '_', '/', '\t', '\n', ' - ', ') ', ' (',
  '4111 1111 1111 1111', '4111-1111-1111-1111', '+7 912 345-67-89', '+7 (912) 345-67-89', '8 (800) 555-35-35', '8-800-555-35-35', '88005553535',
  '(555) 123-4567', '555.123.4567', '1-555-123-4567', '10.1.2.3', '192.168.100.200', 'ORD-830836 404', 'ORD-', 'a', 'x', 'in', ':', ',',
  '{"phone":"', '{"tel":"', '{"card":', '{"a":', '"}', '}', '[', ']', ' key', ' key: ', ' key=', '"', "'", 'api', 'routing', '"api key":"', 'x key=', ' Key',
  // groups glued to a word (`ORD-1236682 200`), and secrets whose redaction unglues them
  'ORD-1236682 200', 'ORD-1236682', 'A1234567', 'v2.', 'x.', 'x-', '1.', '1-', '-.', '_', 'é', 'Basic dXNlcjpwYXNz', 'cvc 123', 'pin=1',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.a.b', 'j@example.com', '4111111111111111', '5551234567', '555 123 4567', '88005553535',
]

test('the prefilter never hides a card, phone or spaced key name: digit chains and quotes, same output with and without it', () => {
  let seed = 13
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
  for (const policy of [{}, { secrets: false }, { emails: false, secrets: false, cards: false }, { cards: false }]) {
    const { fast, full } = redactors(policy)
    for (let i = 0; i < 30_000; i++) {
      let s = ''
      const parts = 1 + rand(8)
      for (let j = 0; j < parts; j++) s += SHAPES[rand(SHAPES.length)]
      assert.equal(fast.redact(s, noHits), full.redact(s, noHits), `${JSON.stringify(policy)} ${JSON.stringify(s)}`)
    }
  }
})

test('cards, phones and named secrets are still redacted with the tighter prefilter', () => {
  const { fast } = redactors({})
  const cases: Array<[string, string]> = [
    ['paid with 4111 1111 1111 1111 today', 'paid with ****-****-****-1111 today'],
    ['card=4111-1111-1111-1111', 'card=****-****-****-1111'],
    ['amex 3782 822463 10005', 'amex ****-****-****-0005'],
    ['call +7 912 345-67-89 now', 'call +* *** ***-**-89 now'],
    ['call +7 (912) 345-67-89', 'call +* (***) ***-**-89'],
    ['hotline 8 (800) 555-35-35', 'hotline * (***) ***-**-35'],
    ['office (555) 123-4567', 'office (***) ***-**67'],
    ['fax 555.123.4567', 'fax ***.***.**67'],
    ['{"phone":"123 4567"}', '{"phone":"*** **67"}'],
    ['login api_key=abc123 ok', 'login api_key=[REDACTED] ok'],
    ['{"password":"hunter2","user":"bob"}', '{"password":"[REDACTED]","user":"bob"}'],
    ['{"api key":"k-123"}', '{"api key":"[REDACTED]"}'],
    ['<param name=\'api key\' value=\'k-456\'/>', '<param name=\'api key\' value=\'[REDACTED]\'/>'],
    ['{"phone":"123 456 x7"}', '{"phone":"*** **6 x7"}'],
    // a group glued to a word does not count, the next free group does
    ['ORD-1236682 4111 1111 1111 1111', 'ORD-1236682 ****-****-****-1111'],
    ['ORD-1236682 (555) 123-4567', 'ORD-1236682 (***) ***-**67'],
    ['ORD-1236682/555.123.4567', 'ORD-1236682/***.***.**67'],
    ['card_4111111111111111', 'card_****-****-****-1111'],
    ['ORD-1236682 +7 912 345-67-89', 'ORD-1236682 +* *** ***-**-89'],
    // the secret's redaction unglues the card behind it
    ['Basic dXNlcjpwYXNz.4111111111111111', 'Basic [REDACTED].****-****-****-1111'],
    ['cvc 123.4111111111111111 ok', 'cvc [REDACTED].****-****-****-1111 ok'],
    ['Authorization: Bearer abc.def.ghi', 'Authorization: [REDACTED]'],
    ['вход — пароль: Qwerty1 ok', 'вход — пароль: [REDACTED] ok'],
    ['lösenord=Hemligt1 — ok', 'lösenord=[REDACTED] — ok'],
  ]
  for (const [input, expected] of cases) {
    assert.equal(fast.mayContain(input), true, input)
    assert.equal(fast.redact(input, noHits), expected, input)
  }
})

test('the bench data false positives (order ids beside status codes, "routing key", IPv4) skip the rules', () => {
  const { fast } = redactors({})
  const values = [
    'GET /customers/ORD-118270 404 in 175.6 ms for user u-9841 — invoice quality warehouse',
    'POST /orders/ORD-124240 200 in 167.0 ms for user u-40116 — paint equipment warehouse',
    'message processed from queue production.orders routing key order.created ORD-142424 delivery 797623 — batch',
    'order ORD-100231 status changed from done to failed at station 12 — pallet line',
    'GET /customers/ORD-1236682 200 in 175.6 ms for user u-9841 — invoice', 'A-1234567 890 done', 'build v2.1234567 123 ok',
    '10.123.201.254', '192.168.100.200', 'request 123 456 789 done', 'café — naïve, 日本語 ✓',
  ]
  assert.deepEqual(values.filter((v) => fast.mayContain(v)), [])
})
