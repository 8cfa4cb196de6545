import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { generateKey } from '../src/security/crypto.ts'

/**
 * Planted PII: records full of passwords, tokens, JWTs, card numbers (several formats), CVVs,
 * e-mails and phones, sent through OTLP/JSON logs, OTLP spans and Elasticsearch bulk. Afterwards no
 * secret or full card number may be found in any column of any table, in any file under the data
 * directory, in any API answer for any role, or in Beacon's own log (captured at level trace);
 * e-mails and phones only masked. `payment.*` is encrypted, so the card cut to its last four digits
 * is also what a reader with `sensitive:decrypt` sees there.
 */
let tb: TestBeacon
const sent: string[] = []
const logLines: string[] = []
const PASSWORD = 'a long enough password'
const TRACE_ID = '7a3c5e9f1b2d4c6e8a0b1c2d3e4f5a6b'
const ORDER = 'ORD-PII-7'
const tokens: Record<string, string> = {}
const ingestResponses: string[] = []

// Every value here must never be stored or shown.
const SECRETS = {
  pwAttr: 'Tr0ub4dor-ALPHA-pw',
  pwBody: 'hunter2-BRAVO-pw',
  pwKvlist: 'kv-CHARLIE-pw',
  pwResource: 'res-DELTA-pw',
  pwEsNested: 'es-ECHO-pw',
  pwEsDotted: 'es-FOXTROT-pw',
  accessToken: 'tok_GOLF_0123456789abcdef',
  bearer: 'bearerHOTEL0123456789xyz',
  apiKeyUrl: 'INDIA-apikey-4242',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJqdWxpZXQiLCJuYW1lIjoiSnVsaWV0In0.c2lnbmF0dXJlLUpVTElFVC1qd3Q',
  basic: 'dXNlcjpLSUxPLXBhc3M',
  dbUrlPw: 'LIMA-dbpass',
  clientSecret: 'MIKE-client-secret',
  eventPw: 'NOVEMBER-event-pw',
  cookie: 'OSCAR-cookie-value',
  statusToken: 'PAPA-status-token',
  spanNamePw: 'QUEBEC-span-pw',
  kvToken: 'ROMEO-kv-token',
  arrayJwtFree: 'SIERRA-api-key-in-array',
  // formats and fields of issue 12 (record `formats` below)
  urlEncPw: 'UrlEnc-TANGO', pyDictPw: 'PyDict-UNIFORM', rubyPw: 'Ruby-VICTOR', xmlPw: 'Xml-WHISKEY', arrowPw: 'Arrow-XRAY',
  isColonPw: 'IsColon-YANKEE', redisPw: 'Redis-ZULU', rusPw: 'Rus-ALPHAII', espPw: 'Esp-BRAVOII', amzSig: 'AmzSig-CHARLIEII',
  sidParam: 'Sid-DELTAII', pwAlias: 'Pw-ECHOII', verifCode: 'Verif-FOXTROTII', eventNamePw: 'EventName-GOLFII',
  scopePw: 'Scope-HOTELII', traceStatePw: 'TraceState-INDIAII', linkStatePw: 'LinkState-JULIETII', entityPw: 'Entity-KILOII',
} as const

/** Card numbers (all Luhn-valid test numbers), by the digits; each is sent in several formats. */
const CARDS = {
  visa: '4111111111111111',
  amex: '378282246310005',
  mastercard: '5555555555554444',
  mastercard2: '5105105105105100',
} as const

const EMAILS = ['john.doe@example.com', 'jane.roe@example.org', 'ops-team@corp.example', 'bob.smith@shop.example']
/** Phone numbers by their digits (any punctuation between them is searched for). */
const PHONES = ['15551234567', '79123456789', '88005553535']

function attr(key: string, value: unknown): { key: string; value: unknown } {
  return { key, value: typeof value === 'string' ? { stringValue: value } : value }
}
const kv = (values: Record<string, unknown>) => ({ kvlistValue: { values: Object.entries(values).map(([k, v]) => attr(k, v)) } })

function otlpLogs(now: bigint): string {
  const records = [
    {
      body: { stringValue: `login failed for bob password=${SECRETS.pwBody} card 4111 1111 1111 1111 mail john.doe@example.com tel +1 (555) 123-4567` },
      attributes: [
        attr('password', SECRETS.pwAttr),
        attr('http.request.header.authorization', `Bearer ${SECRETS.bearer}`),
        attr('user.email', 'jane.roe@example.org'),
        attr('card.number', '4111-1111-1111-1111'),
        attr('cvv', '913'),
        attr('customer.phone', '+79123456789'),
        attr('db.connection_string', `postgres://app:${SECRETS.dbUrlPw}@db.internal:5432/shop`),
        attr('order.id', ORDER),
        attr('request.body', kv({
          user: kv({ name: 'bob', password: SECRETS.pwKvlist, email: 'john.doe@example.com' }),
          payment: kv({ card: '5555555555554444', cvc: '4821' }),
          auth: kv({ access_token: SECRETS.kvToken }),
        })),
        attr('tokens.seen', { arrayValue: { values: [{ stringValue: SECRETS.jwt }, { stringValue: `x-api-key: ${SECRETS.arrayJwtFree}` }] } }),
      ],
    },
    {
      body: kv({ message: 'checkout', password: SECRETS.pwBody, card: '4111111111111111', note: `token ${SECRETS.jwt}` }),
      attributes: [attr('access_token', SECRETS.accessToken), attr('payment.card.number', '4111 1111 1111 1111'), attr('payment.card.cvv', '777')],
    },
    {
      body: { stringValue: `{"user":"bob","password":"${SECRETS.pwBody}","card":{"number":"3782 822463 10005","cvc":"555"},"amex":"378282246310005"}` },
      attributes: [attr('url.full', `https://shop.example/cb?code=1&api_key=${SECRETS.apiKeyUrl}&access_token=${SECRETS.accessToken}`)],
    },
  ]
  // every format class of issue 12, the event name, the scope and a service name carrying PII
  const formats = {
    timeUnixNano: String(now + 10n), severityText: 'INFO', severityNumber: 9, eventName: `login password=${SECRETS.eventNamePw}`,
    body: { stringValue: [
      `body=password%3D${SECRETS.urlEncPw}%26card%3D4111111111111111 email=jane.roe%40example.org phone=%2B79123456789`,
      `{'password': '${SECRETS.pyDictPw}'} "password"=>"${SECRETS.rubyPw}" <password>${SECRETS.xmlPw}</password> <cvv>913</cvv>`,
      `password -> ${SECRETS.arrowPw}; Password is: ${SECRETS.isColonPw}; redis://:${SECRETS.redisPw}@cache:6379`,
      `card 4111.1111.1111.1111 / 5555_5555_5555_4444 / 3782\t822463\t10005 csc: 913`,
      `пароль: ${SECRETS.rusPw} contraseña: ${SECRETS.espPw} GET /f?X-Amz-Signature=${SECRETS.amzSig}&sid=${SECRETS.sidParam}`,
      `&lt;token&gt;${SECRETS.entityPw}&lt;/token&gt;`,
    ].join('\n') },
    attributes: [attr('pw', SECRETS.pwAlias), attr('verification_code', SECRETS.verifCode), attr('payload', '{"card": 5105105105105100}')],
  }
  return JSON.stringify({
    resourceLogs: [{
      resource: { attributes: [attr('service.name', 'checkout'), attr('db.password', SECRETS.pwResource), attr('owner.email', 'ops-team@corp.example')] },
      scopeLogs: [{ scope: { name: 'pii' }, logRecords: records.map((r, i) => ({ timeUnixNano: String(now + BigInt(i)), severityText: 'INFO', severityNumber: 9, ...r })) }],
    }, {
      resource: { attributes: [attr('service.name', 'svc john.doe@example.com 4111 1111 1111 1111')] },
      scopeLogs: [{ scope: { name: `scope token=${SECRETS.scopePw}`, version: 'v1 jane.roe@example.org' }, logRecords: [formats] }],
    }],
  })
}

function otlpSpans(now: bigint): string {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [attr('service.name', 'payments'), attr('deployment.api_key', SECRETS.apiKeyUrl)] },
      scopeSpans: [{
        scope: { name: 'pii' },
        spans: [{
          traceId: TRACE_ID, spanId: '1a2b3c4d5e6f7a8b', name: `POST /pay password=${SECRETS.spanNamePw}`, kind: 2,
          traceState: `vendor=x,token=${SECRETS.traceStatePw}`,
          links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: `token=${SECRETS.linkStatePw}` }],
          startTimeUnixNano: String(now), endTimeUnixNano: String(now + 3_000_000n),
          attributes: [
            attr('http.url', `https://pay.example/charge?api_key=${SECRETS.apiKeyUrl}`),
            attr('card.number', '378282246310005'),
            attr('enduser.email', 'bob.smith@shop.example'),
            attr('order.id', ORDER),
            attr('client_secret', SECRETS.clientSecret),
            attr('payment.card.number', '5105 1051 0510 5100'),
          ],
          events: [
            { timeUnixNano: String(now + 1000n), name: `retry with password=${SECRETS.eventPw} for card 5105-1051-0510-5100`,
              attributes: [attr('exception.message', `auth failed: Authorization: Bearer ${SECRETS.bearer} cvv=913 mail jane.roe@example.org`), attr('token', SECRETS.accessToken)] },
          ],
          status: { code: 2, message: `declined card 4111111111111111 cvv=913 token=${SECRETS.statusToken}` },
        }],
      }],
    }],
  })
}

function esBulk(): string {
  const at = new Date().toISOString()
  const docs = [
    {
      '@timestamp': at,
      message: `Authorization: Bearer ${SECRETS.bearer}\nCookie: session=${SECRETS.cookie}; theme=dark\nGET /api/v1/orders?api_key=${SECRETS.apiKeyUrl} card 4111-1111-1111-1111 phone 8-800-555-35-35`,
      service: { name: 'legacy-shop' },
      order: { id: ORDER },
      user: { name: 'bob', password: SECRETS.pwEsNested, email: 'bob.smith@shop.example', phone: '8 (800) 555-35-35' },
      payment: { card: { number: '3782 822463 10005', cvv: '1234' } },
      'user.password_confirm': SECRETS.pwEsDotted,
      'http.request.headers.authorization': `Basic ${SECRETS.basic}=`,
      url: { full: `https://legacy.example/login?user=bob&api_key=${SECRETS.apiKeyUrl}` },
    },
    { '@timestamp': at, service: { name: 'legacy-shop' }, log: { level: 'error' }, msg: `JWT ${SECRETS.jwt} card 5555 5555 5555 4444 cvc 123`, 'card.cvc': '123' },
  ]
  return docs.map((d) => `${JSON.stringify({ create: { _index: 'logs-legacy-shop-default' } })}\n${JSON.stringify(d)}\n`).join('')
}

// --- what may never be found -------------------------------------------------------------------

const sepd = (digits: string, sep: string): RegExp => new RegExp(digits.split('').join(sep))
const FORBIDDEN: [string, RegExp][] = [
  ...Object.entries(SECRETS).map(([name, v]): [string, RegExp] => [name, new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))]),
  ...Object.entries(CARDS).map(([name, d]): [string, RegExp] => [`card ${name}`, sepd(d, '(?:[ ._/\t-]|\\\\t){0,2}')]),
  ['a CVV next to its name', /\b(?:cvv|cvc)2?\b["':= ]{0,4}(?:913|777|4821|555|1234|123)\b/i],
  ...EMAILS.map((e): [string, RegExp] => [`e-mail ${e}`, new RegExp(e.replace(/[.]/g, '\\.'), 'i')]),
  ...PHONES.map((d): [string, RegExp] => [`phone ${d}`, sepd(d.slice(1), '[ ()+.-]{0,3}')]),
]

/** Names of the forbidden patterns found in `text`. */
function leaks(text: string): string[] {
  return FORBIDDEN.filter(([, re]) => re.test(text)).map(([name, re]) => `${name} (${text.match(re)?.[0]})`)
}

/** Every string in a JSON-like value (keys too), unescaped, one per line. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v)
  else if (typeof v === 'number' || typeof v === 'bigint') out.push(String(v))
  else if (Array.isArray(v)) for (const x of v) strings(x, out)
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push(k); strings(x, out) }
  return out
}

async function req(path: string, token?: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; text: string; body: any }> {
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(tb.apiUrl + path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
  const text = await res.text()
  let body: any = text
  try { body = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, text, body }
}

before(async () => {
  tb = await startTestBeacon({
    env: { BEACON_ENCRYPTION_KEYS: `k1:${generateKey()}` },
    overrides: { 'security.encryption.fields': ['payment.*'], 'security.login.attemptsPerMinutePerIp': 1000 },
    logLevel: 'trace',
    logDestination: { write: (line: string) => { logLines.push(line) } },
  })
  assert.ok(tb.adminToken && tb.ingestKey)
  tokens.admin = tb.adminToken
  for (const role of ['support', 'developer', 'analyst', 'auditor', 'admin']) {
    const username = `${role}-only`
    const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, roles: [role], password: PASSWORD }) })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    tokens[role === 'admin' ? 'adminOnly' : role] = (await req('/api/auth/login', undefined, { method: 'POST', body: { username, password: PASSWORD } })).body.token
  }
  tokens.readKey = (await tb.api('/api/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'read' }) })).body.secret

  const now = BigInt(Date.now()) * 1_000_000n
  const bearer = { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }
  const sends: [string, RequestInit][] = [
    [`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: bearer, body: otlpLogs(now) }],
    [`${tb.otlpUrl}/v1/traces`, { method: 'POST', headers: bearer, body: otlpSpans(now) }],
    [`${tb.esUrl}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `ApiKey ${tb.ingestKey}` }, body: esBulk() }],
  ]
  for (const [url, init] of sends) {
    sent.push(String(init.body))
    const res = await fetch(url, init)
    const text = await res.text()
    assert.equal(res.status, 200, `${url}: ${text}`)
    ingestResponses.push(text)
  }
  // Undecodable requests full of secrets: refused (OTLP 400; Elasticsearch a failed item), logged at
  // debug level (the log is checked below).
  const undecodable: [string, string][] = [
    [`${tb.otlpUrl}/v1/logs`, `{"resourceLogs": password=${SECRETS.pwBody} 4111 1111 1111 1111`],
    [`${tb.otlpUrl}/v1/traces`, `{"resourceSpans":[{"scopeSpans":{"password":"${SECRETS.pwAttr}","card":"4111111111111111"}}]}`],
    [`${tb.esUrl}/_bulk`, `{"create":{}}\n{"password": ${SECRETS.pwEsNested} card 4111111111111111\n`],
  ]
  for (const [url, body] of undecodable) {
    const headers: Record<string, string> = url.startsWith(tb.esUrl) ? { 'content-type': 'application/x-ndjson', authorization: `ApiKey ${tb.ingestKey}` } : bearer
    const res = await fetch(url, { method: 'POST', headers, body })
    await res.arrayBuffer()
    assert.equal(res.status, url.startsWith(tb.esUrl) ? 200 : 400, url)
  }
  await tb.flush()
})

after(async () => { await tb?.stop() })

test('the detector finds every planted value in what was sent (so the scans below can fail)', () => {
  const text = sent.map((body) => strings(JSON.parse(body.startsWith('{"create"') ? `[${body.trim().split('\n').join(',')}]` : body)).join('\n')).join('\n')
  const missing = FORBIDDEN.filter(([, re]) => !re.test(text)).map(([name]) => name)
  assert.deepEqual(missing, [])
})

test('the records arrived, with secrets removed, cards cut to the last four and personal data masked', async () => {
  const logs = await tb.store.query<{ ServiceName: string; Body: string; LogAttributes: Record<string, string>; ResourceAttributes: Record<string, string> }>(
    'SELECT ServiceName, Body, LogAttributes, ResourceAttributes FROM otel_logs ORDER BY Timestamp')
  assert.deepEqual(logs.map((l) => l.ServiceName).sort(), ['checkout', 'checkout', 'checkout', 'legacy-shop', 'legacy-shop', 'svc j***@e***.com ****-****-****-1111'])
  // the formats record: its body is redacted in every layer and the JSON attribute stays JSON
  const formats = logs.find((l) => l.ServiceName.startsWith('svc ')) as unknown as { Body: string; LogAttributes: Record<string, string> }
  assert.doesNotThrow(() => JSON.parse(formats.LogAttributes.payload), formats.LogAttributes.payload)
  assert.match(formats.Body, /card \*\*\*\*-\*\*\*\*-\*\*\*\*-1111 \/ \*\*\*\*-\*\*\*\*-\*\*\*\*-4444/)
  const [first, second, third] = logs.filter((l) => l.ServiceName === 'checkout')
  assert.equal(first.LogAttributes.password, '[REDACTED]')
  assert.equal(first.LogAttributes.cvv, '[REDACTED]')
  assert.equal(first.LogAttributes['card.number'], '****-****-****-1111')
  assert.equal(first.LogAttributes['user.email'], 'j***@e***.org')
  assert.equal(first.LogAttributes['http.request.header.authorization'], '[REDACTED]')
  assert.equal(first.ResourceAttributes['db.password'], '[REDACTED]')
  assert.match(first.Body, /password=\[REDACTED\] card \*\*\*\*-\*\*\*\*-\*\*\*\*-1111 mail j\*\*\*@e\*\*\*\.com tel \+\* \(\*\*\*\) \*\*\*-\*\*67/)
  assert.match(second.Body, /\*\*\*\*-\*\*\*\*-\*\*\*\*-1111/)
  assert.ok(second.LogAttributes['payment.card.number'].startsWith('enc:v1:k1:'), 'payment.* is stored encrypted')
  assert.equal(second.LogAttributes['payment.card.cvv'], '[REDACTED]', 'a secret in an encrypted field is removed, not encrypted')
  assert.match(third.Body, /"password":"\[REDACTED\]"/)
  assert.match(third.Body, /"amex":"\*\*\*\*-\*\*\*\*-\*\*\*\*-0005"/)

  const [span] = await tb.store.query<{ SpanName: string; StatusMessage: string; SpanAttributes: Record<string, string>; en: string[]; ea: Record<string, string>[] }>(
    'SELECT SpanName, StatusMessage, SpanAttributes, Events.Name AS en, Events.Attributes AS ea FROM otel_traces')
  assert.equal(span.SpanAttributes['card.number'], '****-****-****-0005')
  assert.equal(span.SpanAttributes.client_secret, '[REDACTED]')
  assert.equal(span.SpanAttributes['enduser.email'], 'b***@s***.example')
  assert.match(span.StatusMessage, /^declined card \*\*\*\*-\*\*\*\*-\*\*\*\*-1111 cvv=\[REDACTED\]/)
  assert.match(span.en[0], /password=\[REDACTED\] for card \*\*\*\*-\*\*\*\*-\*\*\*\*-5100/)
  assert.equal(span.ea[0].token, '[REDACTED]')

  const [es] = logs.filter((l) => l.ServiceName === 'legacy-shop')
  assert.equal(es.LogAttributes['user.password'], '[REDACTED]')
  assert.equal(es.LogAttributes['user.password_confirm'], '[REDACTED]')
  assert.equal(es.LogAttributes['user.email'], 'b***@s***.example')
  assert.equal(es.LogAttributes['payment.card.cvv'], '[REDACTED]')
  assert.match(es.Body, /^Authorization: \[REDACTED\]\nCookie: \[REDACTED\]\n/)
})

test('no secret, full card number or unmasked personal data in any column of any table', async () => {
  // Beacon's database, and ClickHouse's own query and text logs when the engine keeps them (a server does; chDB does not).
  const tables = await tb.store.query<{ database: string; name: string; engine: string }>(
    `SELECT database, name, engine FROM system.tables
     WHERE database = currentDatabase() OR (database = 'system' AND name IN ('query_log', 'text_log', 'query_views_log', 'error_log'))
     ORDER BY database, name`)
  assert.ok(tables.some((t) => t.name === 'otel_logs') && tables.some((t) => t.name === 'beacon_audit'))
  const found: string[] = []
  let rowsRead = 0
  for (const t of tables) {
    if (t.engine.endsWith('View')) continue // a view's rows are its target table's, scanned on their own
    // Every column by name: SELECT * would leave out the MATERIALIZED ones (OrderId, UserId, …).
    const cols = await tb.store.query<{ name: string }>('SELECT name FROM system.columns WHERE database = {d:String} AND table = {t:String}', { d: t.database, t: t.name })
    const rows = await tb.store.query(`SELECT ${cols.map((c) => `\`${c.name}\``).join(', ')} FROM \`${t.database}\`.\`${t.name}\``)
    rowsRead += rows.length
    for (const l of leaks(strings(rows).join('\n'))) found.push(`${t.database}.${t.name}: ${l}`)
  }
  assert.deepEqual(found, [])
  assert.ok(rowsRead >= 7, 'the scan read the records')
})

test('no secret or full card number in any file under the data directory (write-ahead log, ClickHouse parts)', () => {
  const found: string[] = []
  let files = 0
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      const st = statSync(p)
      if (st.isDirectory()) walk(p)
      else if (st.isFile() && st.size < 64 * 1024 * 1024) {
        files++
        for (const l of leaks(readFileSync(p).toString('latin1'))) found.push(`${p.slice(tb.dataDir.length)}: ${l}`)
      }
    }
  }
  walk(tb.dataDir)
  assert.ok(files > 0)
  assert.deepEqual(found, [])
})

test('no secret or full card number in any API answer, for any role', async () => {
  const paths = [
    '/api/search?q=&from=now-1h&limit=1000',
    '/api/search?q=&target=spans&from=now-1h&limit=1000',
    '/api/search?q=card&from=now-1h',
    '/api/search?q=password&from=now-1h',
    `/api/traces/${TRACE_ID}`,
    `/api/orders/${ORDER}/timeline?from=now-1h`,
    '/api/services?from=now-1h',
    '/api/fields?from=now-1h',
    '/api/fields?target=spans&from=now-1h',
    ...['password', 'card.number', 'payment.card.number', 'user.email', 'request.body', 'url.full', 'body', 'tokens.seen', 'http.request.header.authorization']
      .map((f) => `/api/fields/${f}/values?from=now-1h`),
    '/api/fields/card.number/values?target=spans&from=now-1h',
    '/api/audit?limit=1000',
    '/api/admin/redaction',
    '/api/admin/users',
    '/api/auth/me',
  ]
  const found: string[] = []
  const seen: Record<string, number> = {}
  for (const who of ['support', 'developer', 'analyst', 'auditor', 'adminOnly', 'admin', 'readKey']) {
    for (const path of paths) {
      const r = await req(path, tokens[who])
      assert.notEqual(r.status, 500, `${who} ${path}: ${r.text}`)
      if (r.status === 200) seen[who] = (seen[who] ?? 0) + 1
      for (const l of leaks(strings(r.body).join('\n'))) found.push(`${who} ${path}: ${l}`)
    }
  }
  for (const text of ingestResponses) for (const l of leaks(text)) found.push(`ingest answer: ${l}`)
  assert.deepEqual(found, [])

  // The answers did carry the records: support sees them, with the encrypted card decrypted to its last four.
  const support = await req('/api/search?q=&from=now-1h&limit=1000', tokens.support)
  assert.equal(support.body.events.length, 6)
  const cardOf = (events: any[], service: string) => events.find((e) => e.service === service && e.attributes['payment.card.number'] !== undefined).attributes['payment.card.number']
  assert.equal(cardOf(support.body.events, 'checkout'), '****-****-****-1111')
  assert.equal(cardOf(support.body.events, 'legacy-shop'), '****-****-****-0005')
  const dev = await req('/api/search?q=&from=now-1h&limit=1000', tokens.developer)
  assert.equal(cardOf(dev.body.events, 'checkout'), '[encrypted]')
  const trace = await req(`/api/traces/${TRACE_ID}`, tokens.developer)
  assert.equal(trace.body.spans[0].attributes['card.number'], '****-****-****-0005')
  assert.ok(seen.support > 10 && seen.developer > 10 && seen.analyst > 3 && seen.auditor >= 1 && seen.adminOnly >= 2 && seen.admin > 10)
})

test("no secret or full card number in Beacon's own log", () => {
  assert.ok(logLines.length > 0, 'the log was captured')
  assert.ok(logLines.some((l) => l.includes('undecodable OTLP request')), 'debug lines are in the capture')
  const found = logLines.flatMap((line) => leaks(line).map((l) => `${l} in ${line.slice(0, 200)}`))
  assert.deepEqual(found, [])
})

test('GET /api/admin/redaction: counters per service and rule, and per encryption key, for admins only', async () => {
  const r = await req('/api/admin/redaction', tokens.admin)
  assert.equal(r.status, 200, r.text)
  assert.equal(r.body.redaction.enabled, true)
  const s = r.body.redaction.services
  assert.deepEqual(Object.keys(s).sort(), ['checkout', 'legacy-shop', 'payments', 'svc j***@e***.com ****-****-****-1111'])
  for (const rule of ['secret-field', 'card', 'email', 'phone', 'jwt']) assert.ok(s.checkout[rule] > 0, `checkout ${rule}: ${JSON.stringify(s.checkout)}`)
  for (const rule of ['secret-field', 'card', 'email', 'auth-header']) assert.ok(s['legacy-shop'][rule] > 0, `legacy-shop ${rule}: ${JSON.stringify(s['legacy-shop'])}`)
  assert.ok(s.payments.card > 0 && s.payments['secret-field'] > 0)
  assert.equal(r.body.redaction.totals.card, Object.values(s as Record<string, Record<string, number>>).reduce((n, perRule) => n + (perRule.card ?? 0), 0))
  assert.deepEqual({ ...r.body.encryption, valuesEncrypted: undefined }, {
    fields: ['payment.*'], blindIndex: true, activeKeyId: 'k1', keyIds: ['k1'], valuesEncrypted: undefined,
  })
  assert.ok(r.body.encryption.valuesEncrypted.k1 >= 3)
  assert.ok(!Number.isNaN(Date.parse(r.body.since)))

  assert.equal((await req('/api/admin/redaction', tokens.adminOnly)).status, 200, 'the admin role alone (retention:manage) suffices')
  for (const who of ['support', 'developer', 'analyst', 'auditor', 'readKey']) assert.equal((await req('/api/admin/redaction', tokens[who])).status, 403, who)
  assert.equal((await req('/api/admin/redaction')).status, 401)
  const audit = await req('/api/audit?action=redaction.counters', tokens.auditor)
  assert.ok(audit.body.entries.length >= 2)
})
