import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseQuery, LIMITS } from './parser.ts'
import { QueryError } from './errors.ts'
import type { Ast, Value } from './ast.ts'

/** Compact, readable form of a tree: `(AND service=shop-api (NOT timeout))`. */
function show(ast: Ast): string {
  const value = (v: Value): string => v.type === 'phrase' ? JSON.stringify(v.text) : v.type === 'word' ? v.text : v.type === 'regex' ? `/${v.pattern}/` : v.parts.join('*')
  switch (ast.kind) {
    case 'all': return 'ALL'
    case 'text': return value(ast.value)
    case 'not': return `(NOT ${show(ast.child)})`
    case 'and': case 'or': return `(${ast.kind.toUpperCase()} ${ast.children.map(show).join(' ')})`
    case 'field': {
      const m = ast.match
      if (m.op === 'exists') return `${ast.field}:*`
      if (m.op === 'is') return `${ast.field}=${value(m.value)}`
      if (m.op === 'compare') return `${ast.field}${m.comparison}${m.text}`
      return `${ast.field}${m.lower?.inclusive === false ? '{' : '['}${m.lower?.text ?? '*'}..${m.upper?.text ?? '*'}${m.upper?.inclusive === false ? '}' : ']'}`
    }
  }
}

const parsed = (q: string): string => show(parseQuery(q))

function parseError(q: string): QueryError {
  try {
    parseQuery(q)
  } catch (e) {
    assert.ok(e instanceof QueryError, `expected QueryError, got ${String(e)}`)
    return e
  }
  assert.fail(`expected ${JSON.stringify(q)} to be rejected`)
}

test('an empty or blank query matches everything', () => {
  assert.equal(parsed(''), 'ALL')
  assert.equal(parsed('   \t\n'), 'ALL')
  assert.equal(parsed('*'), 'ALL')
  assert.equal(parsed('*:*'), 'ALL')
})

test('free-text words and phrases', () => {
  assert.equal(parsed('timeout'), 'timeout')
  assert.equal(parsed('"payment failed"'), '"payment failed"')
  assert.equal(parsed('payment "card declined" retry'), '(AND payment "card declined" retry)')
  assert.equal(parsed('ORD-1001'), 'ORD-1001')
  assert.equal(parsed('[ERROR]'), '[ERROR]')
})

test('field:value, field:"phrase" and dotted names', () => {
  assert.equal(parsed('service:shop-api'), 'service=shop-api')
  assert.equal(parsed('service:"shop api"'), 'service="shop api"')
  assert.equal(parsed('http.route:/api/orders/{id}'), 'http.route=/api/orders/{id}')
  assert.equal(parsed('service: crm-api'), 'service=crm-api')
})

test('a value may contain colons (IPv6, times, URLs)', () => {
  assert.equal(parsed('client.ip:2001:db8::1'), 'client.ip=2001:db8::1')
  assert.equal(parsed('url.full:https://shop.example/cart'), 'url.full=https://shop.example/cart')
})

test('wildcards in values', () => {
  assert.equal(parsed('service:shop-*'), 'service=shop-*')
  assert.equal(parsed('user.email:*@acme.com'), 'user.email=*@acme.com')
  assert.equal(parsed('http.route:/api/*/items'), 'http.route=/api/*/items')
  assert.deepEqual(parseQuery('paym*'), { kind: 'text', value: { type: 'pattern', parts: ['paym', ''] }, position: 0 })
})

test('existence with field:*', () => {
  assert.equal(parsed('order.id:*'), 'order.id:*')
  assert.equal(parsed('-parent.id:*'), '(NOT parent.id:*)')
})

test('comparisons', () => {
  assert.equal(parsed('http.status:>=500'), 'http.status>=500')
  assert.equal(parsed('http.status:>499 http.status:<600'), '(AND http.status>499 http.status<600)')
  assert.equal(parsed('duration:<=250'), 'duration<=250')
  assert.equal(parsed('duration:> 500'), 'duration>500')
  assert.equal(parsed('level:>=warn'), 'level>=warn')
})

test('ranges: inclusive, exclusive, mixed and open', () => {
  assert.equal(parsed('duration:[100 TO 500]'), 'duration[100..500]')
  assert.equal(parsed('duration:{100 TO 500}'), 'duration{100..500}')
  assert.equal(parsed('duration:[100 TO 500}'), 'duration[100..500}')
  assert.equal(parsed('duration:[500 TO *]'), 'duration[500..*]')
  assert.equal(parsed('http.status:[* TO 399]'), 'http.status[*..399]')
  assert.equal(parsed('duration:[* TO *]'), 'duration:*')
  assert.equal(parsed('created:["2024-01-01" TO "2024-02-01"]'), 'created[2024-01-01..2024-02-01]')
})

test('AND, OR, NOT, -term, +term, !term and implicit AND', () => {
  assert.equal(parsed('a AND b'), '(AND a b)')
  assert.equal(parsed('a && b || c'), '(OR (AND a b) c)')
  assert.equal(parsed('a b'), '(AND a b)')
  assert.equal(parsed('a OR b'), '(OR a b)')
  assert.equal(parsed('NOT a'), '(NOT a)')
  assert.equal(parsed('a NOT b'), '(AND a (NOT b))')
  assert.equal(parsed('-a'), '(NOT a)')
  assert.equal(parsed('!a'), '(NOT a)')
  assert.equal(parsed('+a -b'), '(AND a (NOT b))')
  assert.equal(parsed('a-b'), 'a-b')
  assert.equal(parsed('temperature:-5'), 'temperature=-5')
})

test('lower-case and/or/not are operators, as in KQL, with a warning; quoted they are words', () => {
  assert.equal(parsed('cash or card'), '(OR cash card)')
  assert.equal(parsed('a and not b'), '(AND a (NOT b))')
  assert.equal(parsed('"or" card'), '(AND "or" card)')
  assert.equal(parsed('service:or'), 'service=or')
  const warnings: string[] = []
  parseQuery('cash or card', { warnings })
  assert.match(warnings[0], /'or' at position 5 is the operator OR/)
})

test('KQL and Lucene habits: _exists_, comparisons without a colon, with warnings for what differs', () => {
  assert.deepEqual(parseQuery('_exists_:order.id'), { kind: 'field', field: 'order.id', match: { op: 'exists' }, position: 9 })
  assert.deepEqual(parseQuery('status >= 500'), { kind: 'field', field: 'status', match: { op: 'compare', comparison: '>=', text: '500' }, position: 10 })
  assert.deepEqual(parseQuery('duration<1s'), { kind: 'field', field: 'duration', match: { op: 'compare', comparison: '<', text: '1s' }, position: 0 })
  assert.deepEqual(parseQuery('a->b'), { kind: 'text', value: { type: 'word', text: 'a->b' }, position: 0 })
  const warnings: string[] = []
  parseQuery('colour? paymnet~1 boost^2 status=500 serivce:shop', { warnings })
  assert.equal(warnings.length, 5, warnings.join('\n'))
  assert.match(warnings.join('\n'), /not a one-character wildcard/)
  assert.match(warnings.join('\n'), /did you mean 'service'/)
})

test('precedence: NOT over AND over OR; parentheses override', () => {
  assert.equal(parsed('a OR b AND c'), '(OR a (AND b c))')
  assert.equal(parsed('a AND b OR c'), '(OR (AND a b) c)')
  assert.equal(parsed('(a OR b) AND c'), '(AND (OR a b) c)')
  assert.equal(parsed('NOT a AND b'), '(AND (NOT a) b)')
  assert.equal(parsed('NOT (a OR b)'), '(NOT (OR a b))')
  assert.equal(parsed('a OR b c'), '(OR a (AND b c))')
  assert.equal(parsed('((a))'), 'a')
})

test('a group of values for one field', () => {
  assert.equal(parsed('level:(error OR fatal)'), '(OR level=error level=fatal)')
  assert.equal(parsed('service:(shop-api OR "crm api") -msg:retry'), '(AND (OR service=shop-api service="crm api") (NOT msg=retry))')
  assert.equal(parsed('http.status:(>=500 <600)'), '(AND http.status>=500 http.status<600)')
  assert.equal(parsed('client.ip:(::1 OR 10.0.0.1)'), '(OR client.ip=::1 client.ip=10.0.0.1)')
  assert.equal(parsed('service:(NOT mes-worker)'), '(NOT service=mes-worker)')
})

test('backslash escapes special characters in words', () => {
  assert.equal(parsed('db.internal\\:5432'), 'db.internal:5432')
  assert.deepEqual(parseQuery('a\\*b'), { kind: 'text', value: { type: 'word', text: 'a*b' }, position: 0 })
  assert.equal(parsed('msg:\\(retry\\)'), 'msg=(retry)')
  assert.equal(parsed('path:C\\:\\\\temp'), 'path=C:\\temp')
  assert.equal(parsed('two\\ words'), 'two words')
  assert.equal(parsed('\\AND'), 'AND')
  assert.equal(parsed('"say \\"hi\\" \\\\ there"'), '"say \\"hi\\" \\\\ there"')
})

test('records the position of each value', () => {
  const ast = parseQuery('service:shop-api   http.status:>=500')
  assert.equal(ast.kind, 'and')
  if (ast.kind !== 'and') return
  assert.deepEqual(ast.children.map((c) => (c.kind === 'field' ? c.position : -1)), [8, 33])
})

test('errors point at the problem', () => {
  const cases: [string, number, string, string][] = [
    ['(error OR timeout', 17, "')'", "Expected ')' at position 17 to close the '(' at position 0"],
    ['error AND', 9, "a term after 'AND'", "Expected a term after 'AND' at position 9"],
    ['AND error', 0, 'a term', "Expected a term at position 0, found 'AND'"],
    ['error OR OR x', 9, "a term after 'OR'", "Expected a term after 'OR' at position 9, found 'OR'"],
    ['service:', 8, "a value after ':'", "Expected a value after ':' at position 8"],
    ['service: AND x', 9, "a value after ':'", "Expected a value after ':' at position 9, found 'AND'"],
    ['msg:"unterminated', 17, "'\"'", "Expected '\"' at position 17 to close the phrase that starts at position 4"],
    ['duration:[100 500]', 14, "'TO'", "Expected 'TO' at position 14, found '500'"],
    ['duration:[100 TO 500', 20, "']' or '}'", "Expected ']' or '}' at position 20"],
    ['duration:[TO 500]', 10, 'a lower bound', "Expected a lower bound at position 10, found 'TO'"],
    ['duration:[1 TO ]', 15, 'an upper bound', "Expected an upper bound at position 15, found ']'"],
    ['duration:[1* TO 5]', 10, "a lower bound without '*'", "Expected a lower bound without '*' at position 10, found '1*'"],
    ['http.status:>=', 14, "a value after '>='", "Expected a value after '>=' at position 14"],
    ['error)', 5, 'a term or an operator', "Unexpected ')' at position 5: no '(' is open"],
    ['()', 1, 'a term', "Expected a term at position 1, found ')'"],
    ['a - b', 3, "a term after '-'", "Expected a term after '-' at position 3"],
    ['NOT', 3, "a term after 'NOT'", "Expected a term after 'NOT' at position 3"],
    ['trailing\\', 9, "a character after '\\'", "Expected a character after '\\' at position 9"],
    ['serv*:x', 0, "a field name without '*'", "Expected a field name without '*' at position 0, found 'serv*'"],
  ]
  for (const [q, position, expected, message] of cases) {
    const e = parseError(q)
    assert.deepEqual({ q, position: e.position, expected: e.expected, message: e.message }, { q, position, expected, message })
    assert.equal(e.code, 'invalid_query')
    assert.equal(e.status, 400)
  }
})

test('rejects a query longer than 4096 characters', () => {
  assert.doesNotThrow(() => parseQuery('a'.repeat(LIMITS.maxLength)))
  const e = parseError('a'.repeat(LIMITS.maxLength + 1))
  assert.equal(e.position, 4096)
  assert.match(e.message, /4097 characters long; the limit is 4096/)
})

test('rejects nesting deeper than 32 levels, whether parentheses or NOTs', () => {
  assert.equal(parsed(`${'('.repeat(32)}a${')'.repeat(32)}`), 'a')
  const parens = parseError(`${'('.repeat(33)}a${')'.repeat(33)}`)
  assert.equal(parens.position, 32)
  assert.match(parens.message, /deeper than 32 levels/)
  assert.match(parseError(`${'NOT '.repeat(40)}a`).message, /deeper than 32 levels/)
  assert.match(parseError(`${'-'.repeat(40)}a`).message, /deeper than 32 levels/)
})

test('hostile input fails fast without exhausting the stack', () => {
  for (const q of ['('.repeat(4096), 'NOT '.repeat(1024), '-'.repeat(4096), `${'a OR '.repeat(800)}a`, '"'.repeat(4095), '\\'.repeat(4095)]) {
    const started = performance.now()
    assert.throws(() => parseQuery(q), QueryError)
    assert.ok(performance.now() - started < 200, `slow on ${q.slice(0, 10)}…`)
  }
})

test('rejects more than 128 terms', () => {
  assert.doesNotThrow(() => parseQuery(Array.from({ length: 128 }, (_, i) => `w${i}`).join(' ')))
  const q = Array.from({ length: 129 }, (_, i) => `w${i}`).join(' ')
  const e = parseError(q)
  assert.equal(e.position, q.lastIndexOf('w128'))
  assert.match(e.message, /more than 128 terms/)
})
