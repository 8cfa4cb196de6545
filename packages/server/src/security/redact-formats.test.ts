import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRedactStage } from './redact.ts'
import { batch, logRecord } from './test-utils.ts'

/**
 * Formats real services emit (issue 12): each case names a class — an encoding, a body syntax, a
 * separator, a spelling — and the secret planted in it must be gone while the text keeps its syntax.
 */
const stage = createRedactStage()
const text = (s: string) => stage.redactText(s)

/** [input, secret that must not survive, text that must survive] */
const CASES: Array<[string, string, string?]> = [
  // URL encoding: form bodies, query strings, values encoded inside values
  ['body=password%3DUrlEncPw%26card%3D4111111111111111', 'UrlEncPw', 'body='],
  ['body=password%3DUrlEncPw%26card%3D4111111111111111', '4111111111111111'],
  ['email=jane.roe%40example.com&x=1', 'jane.roe', '&x=1'],
  ['phone=%2B79123456789', '79123456'],
  ['POST /login user=bob&pass%77ord=Hunter22', 'Hunter22', 'user=bob'],
  ['next=%2Fcb%3Ftoken%3Dabc123xyz%26a%3D1', 'abc123xyz'],
  ['q=card%204111%201111%201111%201111', '4111 1111 1111 1111'],
  ['double=password%253DTwiceEnc', 'TwiceEnc'],
  // body syntaxes
  ["{'password': 'PyDictPw', 'user': 'bob'}", 'PyDictPw', "'user': 'bob'"],
  ['{"password"=>"RubyPw", "user"=>"bob"}', 'RubyPw', '"user"=>"bob"'],
  ['<login><user>bob</user><password>XmlPw1</password></login>', 'XmlPw1', '<user>bob</user>'],
  ['<card><number>4111111111111111</number><cvv>321</cvv></card>', '321</cvv>'],
  ['<ns:Password>NsPw</ns:Password>', 'NsPw'],
  ['<param name="password" value="AttrPw"/>', 'AttrPw'],
  ['<entry key="api_key">EntryKey99</entry>', 'EntryKey99'],
  ['&lt;password&gt;EscapedXmlPw&lt;/password&gt;', 'EscapedXmlPw'],
  ['{&quot;token&quot;:&quot;HtmlJsonTok&quot;}', 'HtmlJsonTok'],
  ['password -> ArrowPw', 'ArrowPw'],
  ['Password is: IsColonPw', 'IsColonPw'],
  ['my password is Hunter2!', 'Hunter2'],
  ['password := GoAssignPw', 'GoAssignPw'],
  ['[{"name":"Authorization","value":"Bearer NameValTok"}]', 'NameValTok'],
  ['{"headers":[{"key":"X-Api-Key","value":"kv-secret-1"}]}', 'kv-secret-1'],
  ['{"pass\\u0077ord":"UnicodeEscPw"}', 'UnicodeEscPw'],
  ['{"msg":"{\\"token\\":\\"NestedTok\\"}"}', 'NestedTok'],
  ['{"email":"jane\\u0040example.com"}', 'jane'],
  // connection URLs
  ['redis://:RedisSecret@cache:6379', 'RedisSecret', 'cache:6379'],
  ['amqp://guest:AmqpPw@mq:5672/vhost', 'AmqpPw', 'mq:5672'],
  // cards over any separator
  ['card 4111.1111.1111.1111 ok', '4111.1111.1111.1111'],
  ['card 4111/1111/1111/1111 ok', '4111/1111/1111/1111'],
  ['card 4111_1111_1111_1111 ok', '4111_1111_1111_1111'],
  ['card 4111\t1111\t1111\t1111 ok', '1111\t1111'],
  ['card 4111\n1111\n1111\n1111 ok', '1111\n1111'],
  ['card 4111 - 1111 - 1111 - 1111', '- 1111 - 1111'],
  ['amex 3782.822463.10005', '822463'],
  // card security codes and secret names by alias and language
  ['csc: 123', '123'], ['cvn=456', '456'], ['cid: 7890', '7890'], ['ccv=321', '321'], ['security code 987', '987'],
  ['pw=PwShort1', 'PwShort1'], ['passcode: 4455', '4455'], ['verification_code=884422', '884422'], ['sms_code: 551133', '551133'],
  ['otp=123456', '123456'], ['mfaCode=778899', '778899'],
  ['пароль: ТайныйПароль', 'ТайныйПароль'], ['Passwort=GeheimPw', 'GeheimPw'], ['contraseña: SecretaPw', 'SecretaPw'],
  // URL parameters that carry credentials
  ['GET /f?X-Amz-Signature=abcdef0123456789&X-Amz-Date=1', 'abcdef0123456789', 'X-Amz-Date=1'],
  ['/cb?sig=SigValue42&x=1', 'SigValue42'], ['/cb?session=SessVal42', 'SessVal42'], ['/cb?sid=SidVal42', 'SidVal42'],
  ['/cb?token=TokVal42', 'TokVal42'], ['/cb?access_token=AccTok42', 'AccTok42'],
]

for (const [input, secret, kept] of CASES) {
  test(`redacts ${JSON.stringify(input.slice(0, 60))}`, () => {
    const out = text(input)
    assert.ok(!out.includes(secret), `${JSON.stringify(secret)} survived: ${out}`)
    if (kept !== undefined) assert.ok(out.includes(kept), `${JSON.stringify(kept)} lost: ${out}`)
  })
}

test('a card inside JSON text stays valid JSON, whatever its type', () => {
  for (const input of [
    '{"card": 4111111111111111}', '{"card":[4111111111111111, 1]}', '{"card": "4111 1111 1111 1111", "n": 1}',
    '{"a":{"card":5500000000000004},"password":"x"}', '{"d": 6011000990139424}',
  ]) {
    const out = text(input)
    assert.doesNotThrow(() => JSON.parse(out), out)
    assert.ok(!/4111111111111111|5500000000000004|6011000990139424/.test(out), out)
  }
  // a card as a bare number in JSON embedded in text is quoted too
  const out = text('payload={"card": 4111111111111111, "x": 1}')
  assert.doesNotThrow(() => JSON.parse(out.slice('payload='.length)), out)
})

test('formatting of JSON that needed no change is kept byte for byte', () => {
  const input = '{ "user" : "bob",\n  "items": [1, 2, 3] }'
  assert.equal(text(input), input)
  const out = text('{ "user" : "bob",\n  "password": "x" }')
  assert.equal(out, '{ "user" : "bob",\n  "password": "[REDACTED]" }')
})

test('prose and ordinary data are left alone', () => {
  for (const s of [
    'GET /api/orders/A-10023?page=2&sort=desc', 'version 1.2.3.4 released', 'path C:\\\\logs\\\\app.log', 'rate 100%', '50%25 off',
    '<order><id>A-1</id><status>paid</status></order>', '{"order":{"id":"A-1","total":42.5}}', 'ORD-4111111111111111',
    '2024/01/15 12:30:45', 'session.id=abc-1', 'code review done', 'a -> b',
  ]) assert.equal(text(s), s, s)
})

test('every string field of a record is redacted: event name, scope, trace state, service', () => {
  const secret = 'svc john.doe@example.com 4111 1111 1111 1111'
  const log = logRecord({ serviceName: secret, body: 'x' }) as unknown as Record<string, unknown>
  Object.assign(log, { eventName: secret, scopeName: secret, scopeVersion: secret })
  createRedactStage().process(batch([log as never]))
  for (const k of ['serviceName', 'eventName', 'scopeName', 'scopeVersion']) {
    assert.ok(!String(log[k]).includes('john.doe') && !String(log[k]).includes('1111 1111 1111'), `${k}: ${String(log[k])}`)
  }
})
