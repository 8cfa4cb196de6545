import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileQuery, compileSearch, fieldExpression, parseQuery, QueryError } from './index.ts'
import type { Target } from './fields.ts'

/** [query, target, expected SQL, expected params] — the SQL the compiler emits, pinned. */
const SNAPSHOTS: [string, Target, string, Record<string, unknown>][] = [
  ['', 'logs', '1', {}],
  ['*', 'spans', '1', {}],
  // Free text on logs: tokens through the text index, substring to confirm, LIKE for wildcards.
  ['timeout', 'logs', 'hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String}))', { q0: 'timeout' }],
  ['"payment failed"', 'logs',
    '(hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) AND positionCaseInsensitiveUTF8(Body, {q0:String}) > 0)',
    { q0: 'payment failed' }],
  ['ORD-1001', 'logs',
    '(hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) AND positionCaseInsensitiveUTF8(Body, {q0:String}) > 0)',
    { q0: 'ORD-1001' }],
  ['"->"', 'logs', 'positionCaseInsensitiveUTF8(Body, {q0:String}) > 0', { q0: '->' }],
  ['paym*', 'logs', 'lowerUTF8(Body) LIKE lowerUTF8({q0:String})', { q0: '%paym%' }],
  ['50%_off*', 'logs', 'lowerUTF8(Body) LIKE lowerUTF8({q0:String})', { q0: '%50\\%\\_off%' }],
  ['message:"card declined"', 'logs',
    '(hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) AND positionCaseInsensitiveUTF8(Body, {q0:String}) > 0)',
    { q0: 'card declined' }],
  ['body:*', 'logs', "Body != ''", {}],
  // Boolean structure.
  ['service:shop-api level:>=warn -timeout', 'logs',
    'ServiceName = {q0:String} AND SeverityNumber >= {q1:UInt8} AND NOT hasAllTokens(lowerUTF8(Body), lowerUTF8({q2:String}))',
    { q0: 'shop-api', q1: 13, q2: 'timeout' }],
  ['a OR b AND c', 'logs',
    'hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) OR (hasAllTokens(lowerUTF8(Body), lowerUTF8({q1:String})) AND hasAllTokens(lowerUTF8(Body), lowerUTF8({q2:String})))',
    { q0: 'a', q1: 'b', q2: 'c' }],
  ['NOT (shop OR crm)', 'logs',
    'NOT (hasAllTokens(lowerUTF8(Body), lowerUTF8({q0:String})) OR hasAllTokens(lowerUTF8(Body), lowerUTF8({q1:String})))',
    { q0: 'shop', q1: 'crm' }],
  ['service:(shop-api OR crm-api) -level:debug', 'logs',
    '(ServiceName = {q0:String} OR ServiceName = {q1:String}) AND NOT (SeverityText = {q2:String})',
    { q0: 'shop-api', q1: 'crm-api', q2: 'DEBUG' }],
  ['timeout OR *', 'logs', '1', {}],
  ['NOT *', 'logs', '0', {}],
  // Levels on logs.
  ['level:error', 'logs', 'SeverityText = {q0:String}', { q0: 'ERROR' }],
  ['level:ERR', 'logs', 'SeverityText = {q0:String}', { q0: 'ERROR' }],
  ['severity:warning', 'logs', 'SeverityText = {q0:String}', { q0: 'WARN' }],
  ['level:critical', 'logs', 'SeverityText = {q0:String}', { q0: 'FATAL' }],
  ['level:>warn', 'logs', 'SeverityNumber > {q0:UInt8}', { q0: 16 }],
  ['level:<=debug', 'logs', 'SeverityNumber <= {q0:UInt8}', { q0: 8 }],
  ['level:[info TO warn}', 'logs', '(SeverityNumber >= {q0:UInt8} AND SeverityNumber < {q1:UInt8})', { q0: 9, q1: 13 }],
  ['level:17', 'logs', 'SeverityNumber = {q0:UInt8}', { q0: 17 }],
  // Ids, business columns.
  ['trace:4BF92F3577B34DA6A3CE929D0E0E4736', 'logs', 'TraceId = {q0:String}', { q0: '4bf92f3577b34da6a3ce929d0e0e4736' }],
  ['trace_id:4bf92f35*', 'spans', 'TraceId LIKE {q0:String}', { q0: '4bf92f35%' }],
  ['order:ORD-1001', 'logs', 'OrderId = {q0:String}', { q0: 'ORD-1001' }],
  ['orderId:ORD-1001', 'spans', 'OrderId = {q0:String}', { q0: 'ORD-1001' }],
  ['enduser.id:u-42', 'logs', 'UserId = {q0:String}', { q0: 'u-42' }],
  ['order.id:*', 'logs', "OrderId != ''", {}],
  ['http.status:>=500', 'logs', 'HttpStatus >= {q0:UInt16}', { q0: 500 }],
  ['status:[500 TO 599]', 'spans', '(HttpStatus >= {q0:UInt16} AND HttpStatus <= {q1:UInt16})', { q0: 500, q1: 599 }],
  ['http.status:5*', 'logs', 'toString(HttpStatus) LIKE {q0:String}', { q0: '5%' }],
  ['http.route:/api/orders/*', 'logs', 'HttpRoute ILIKE {q0:String}', { q0: '/api/orders/%' }],
  ['client.address:10.0.0.*', 'logs', 'ClientIp ILIKE {q0:String}', { q0: '10.0.0.%' }],
  ['event.action:order.paid', 'logs', 'EventAction = {q0:String}', { q0: 'order.paid' }],
  // Attributes: the event's own map, then the resource's.
  ['customer.tier:gold', 'logs',
    '(LogAttributes[{q0:String}] = {q1:String} OR ResourceAttributes[{q0:String}] = {q1:String})',
    { q0: 'customer.tier', q1: 'gold' }],
  ['customer.tier:*', 'spans',
    '(mapContains(SpanAttributes, {q0:String}) OR mapContains(ResourceAttributes, {q0:String}))', { q0: 'customer.tier' }],
  ['user.email:*@ACME.com', 'logs',
    '(LogAttributes[{q0:String}] ILIKE {q1:String} OR ResourceAttributes[{q0:String}] ILIKE {q1:String})',
    { q0: 'user.email', q1: '%@ACME.com' }],
  ['cart.value:>=100', 'logs',
    'ifNull(toFloat64OrNull(LogAttributes[{q0:String}]) >= {q1:Float64} OR toFloat64OrNull(ResourceAttributes[{q0:String}]) >= {q1:Float64}, 0)',
    { q0: 'cart.value', q1: 100 }],
  ['cart.value:{10 TO 20]', 'logs',
    'ifNull((toFloat64OrNull(LogAttributes[{q0:String}]) > {q1:Float64} AND toFloat64OrNull(LogAttributes[{q0:String}]) <= {q2:Float64})'
    + ' OR (toFloat64OrNull(ResourceAttributes[{q0:String}]) > {q1:Float64} AND toFloat64OrNull(ResourceAttributes[{q0:String}]) <= {q2:Float64}), 0)',
    { q0: 'cart.value', q1: 10, q2: 20 }],
  ['created:>="2024-01-01"', 'logs',
    "ifNull(nullIf(LogAttributes[{q0:String}], '') >= {q1:String} OR nullIf(ResourceAttributes[{q0:String}], '') >= {q1:String}, 0)",
    { q0: 'created', q1: '2024-01-01' }],
  ['duration:>500', 'logs',
    'ifNull(toFloat64OrNull(LogAttributes[{q0:String}]) > {q1:Float64} OR toFloat64OrNull(ResourceAttributes[{q0:String}]) > {q1:Float64}, 0)',
    { q0: 'duration', q1: 500 }],
  // Spans.
  ['timeout', 'spans',
    '(hasAllTokens(lowerUTF8(SpanName), lowerUTF8({q0:String})) OR hasAllTokens(lowerUTF8(StatusMessage), lowerUTF8({q0:String})))',
    { q0: 'timeout' }],
  ['duration:>500', 'spans', 'Duration > {q0:UInt64}', { q0: 500_000_000 }],
  ['duration:>=250ms', 'spans', 'Duration >= {q0:UInt64}', { q0: 250_000_000 }],
  ['duration:[1s TO 2.5s]', 'spans', '(Duration >= {q0:UInt64} AND Duration <= {q1:UInt64})', { q0: 1_000_000_000, q1: 2_500_000_000 }],
  ['level:error', 'spans', "StatusCode = 'Error'", {}],
  ['level:>=warn', 'spans', "StatusCode = 'Error'", {}],
  ['level:info', 'spans', "StatusCode != 'Error'", {}],
  ['level:warn', 'spans', '0', {}],
  ['name:checkout', 'spans', 'SpanName = {q0:String}', { q0: 'checkout' }],
  ['span.kind:Server -parent.id:*', 'spans', "SpanKind = {q0:String} AND NOT (ParentSpanId != '')", { q0: 'Server' }],
  ['service:shop-api duration:>500 http.status:>=500', 'spans',
    'ServiceName = {q0:String} AND Duration > {q1:UInt64} AND HttpStatus >= {q2:UInt16}',
    { q0: 'shop-api', q1: 500_000_000, q2: 500 }],
]

test('emits the pinned SQL for representative queries', () => {
  for (const [q, target, sql, params] of SNAPSHOTS) {
    assert.deepEqual({ q, target, ...compileSearch(q, { target }) }, { q, target, sql, params })
  }
})

test('field names are case-insensitive aliases; attribute keys are exact', () => {
  assert.equal(compileSearch('SERVICE:shop-api', { target: 'logs' }).sql, 'ServiceName = {q0:String}')
  assert.equal(compileSearch('TraceId:abc', { target: 'logs' }).sql, 'TraceId = {q0:String}')
  assert.deepEqual(compileSearch('Customer.Tier:gold', { target: 'logs' }).params, { q0: 'Customer.Tier', q1: 'gold' })
})

test('uses the parameter prefix it is given', () => {
  const r = compileQuery(parseQuery('service:shop-api timeout'), { target: 'logs', paramPrefix: 'alert_' })
  assert.equal(r.sql, 'ServiceName = {alert_0:String} AND hasAllTokens(lowerUTF8(Body), lowerUTF8({alert_1:String}))')
  assert.deepEqual(r.params, { alert_0: 'shop-api', alert_1: 'timeout' })
  assert.throws(() => compileQuery(parseQuery('x'), { target: 'logs', paramPrefix: 'a}b' }))
})

test('rejects values a field cannot take, pointing at the value', () => {
  const cases: [string, Target, number, RegExp][] = [
    ['http.status:abc', 'logs', 12, /Expected a whole number for http.status at position 12, found 'abc'/],
    ['http.status:>=70000', 'logs', 14, /a whole number/],
    ['level:loud', 'logs', 6, /Expected a level \(trace, debug, info, warn, error, fatal\) or a severity number 1–24 at position 6/],
    ['level:>=loud', 'spans', 8, /Expected a level/],
    ['duration:>fast', 'spans', 10, /Expected a duration such as 500 \(ms\), 250ms or 1.5s at position 10, found 'fast'/],
    ['duration:5*', 'spans', 9, /wildcards and regular expressions do not apply/],
    ['cart.value:[10 TO lots]', 'logs', 11, /range bounds that are both numbers or both text/],
    ['body:>5', 'logs', 6, /words or a phrase for body/],
  ]
  for (const [q, target, position, message] of cases) {
    assert.throws(() => compileSearch(q, { target }), (e: unknown) => {
      assert.ok(e instanceof QueryError, `${q}: expected QueryError, got ${String(e)}`)
      assert.equal(e.position, position, q)
      assert.match(e.message, message)
      return true
    })
  }
})

const HOSTILE = [
  "'; DROP TABLE otel_logs --",
  '{q0:String}',
  '{p0:String}',
  'back\\slash\\',
  'quo"te\'s',
  'nul\0byte',
  'tab\tnew\nline',
  ') OR 1=1 OR (',
  '%_*',
]

/** Writes a value as a query phrase: `"…"` with `"` and `\` escaped. */
const phrase = (v: string): string => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`
/** Writes a value as a bare word/field name: every non-alphanumeric character escaped. */
const escaped = (v: string): string => v.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`)

/** A LIKE pattern's literal text: `%` wildcards dropped, `\\x` escapes resolved (plain values pass unchanged). */
function unlike(p: string): string {
  let out = ''
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') out += p[++i]
    else if (p[i] !== '%') out += p[i]
  }
  return out
}

const PLACEHOLDER = /\{[A-Za-z_][A-Za-z0-9_]*:(String|Float64|UInt8|UInt16|UInt64)\}/g
/** The only string literals the compiler itself writes. */
const LITERALS = /'(|Error|ERROR|INFO)'/g

test('hostile values and keys reach params only, never the SQL text', () => {
  for (const v of HOSTILE) {
    const queries = [
      phrase(v), escaped(v), `${escaped(v)}*`, `body:${phrase(v)}`, `service:${phrase(v)}`, `order:${escaped(v)}*`,
      `customer.tier:${phrase(v)}`, `${escaped(v)}:${phrase(v)}`, `${escaped(v)}:*`, `${escaped(v)}:>=${phrase(v)}`,
      `trace:${phrase(v)}`, `span.kind:${phrase(v)}`,
    ]
    for (const target of ['logs', 'spans'] as const) {
      for (const q of queries) {
        const { sql, params } = compileSearch(q, { target })
        const skeleton = sql.replace(PLACEHOLDER, '?').replace(LITERALS, '?')
        assert.match(skeleton, /^[A-Za-z0-9_ ()=!<>,?.[\]]*$/, `${q} → ${sql}`)
        assert.ok(!skeleton.includes(v), `${q} leaked into ${sql}`)
        const values = Object.values(params).flatMap((p) => [String(p), unlike(String(p))])
        assert.ok(values.some((p) => p === v || p === v.toLowerCase()), `${q}: ${JSON.stringify(v)} missing from ${JSON.stringify(params)}`)
      }
    }
  }
})

test('fieldExpression gives a grouping expression with its own parameter prefix', () => {
  assert.deepEqual(fieldExpression('service', { target: 'logs' }), { sql: 'ServiceName', params: {} })
  assert.deepEqual(fieldExpression('level', { target: 'spans' }), { sql: "if(StatusCode = 'Error', 'ERROR', 'INFO')", params: {} })
  assert.deepEqual(fieldExpression('duration', { target: 'spans' }), { sql: 'Duration / 1000000', params: {} })
  assert.deepEqual(fieldExpression("customer.tier'; --", { target: 'logs' }), {
    sql: 'if(mapContains(LogAttributes, {f0:String}), LogAttributes[{f0:String}], ResourceAttributes[{f0:String}])',
    params: { f0: "customer.tier'; --" },
  })
  assert.throws(() => fieldExpression(' ', { target: 'logs' }), QueryError)
})
