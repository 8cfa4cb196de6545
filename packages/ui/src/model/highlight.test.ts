import { test } from 'node:test'
import assert from 'node:assert/strict'
import { highlightQuery, type Segment } from './highlight.ts'

/** Non-blank segments as `kind:text`. */
const show = (s: Segment[]) => s.filter((x) => x.text.trim() !== '').map((x) => `${x.kind}:${x.text}`)
const covers = (q: string, s: Segment[]) => assert.equal(s.map((x) => x.text).join(''), q, 'segments cover the query exactly')

test('fields, colons, values, operators, phrases and free text', () => {
  const q = 'service:shop-api AND NOT level:error "payment failed" timeout'
  const s = highlightQuery(q)
  covers(q, s)
  assert.deepEqual(show(s), [
    'field:service', 'colon::', 'value:shop-api', 'operator:AND', 'operator:NOT', 'field:level', 'colon::', 'value:error',
    'phrase:"payment failed"', 'text:timeout',
  ])
  assert.equal(s.find((x) => x.kind === 'phrase')!.start, 37)
})

test('ranges, comparisons, regexes, wildcards, negation and value groups', () => {
  assert.deepEqual(show(highlightQuery('http.status:[500 TO 599]')), ['field:http.status', 'colon::', 'range:[500', 'range:TO', 'range:599]'])
  assert.deepEqual(show(highlightQuery('duration:>=250ms')), ['field:duration', 'colon::', 'compare:>=', 'value:250ms'])
  assert.deepEqual(show(highlightQuery('@timestamp>=2026-11-29T10:00:00Z')), ['field:@timestamp', 'compare:>=', 'value:2026-11-29T10:00:00Z'])
  assert.deepEqual(show(highlightQuery('body:/time(out|d out)/ -service:db')), ['field:body', 'colon::', 'regex:/time(out|d out)/', 'operator:-', 'field:service', 'colon::', 'value:db'])
  assert.deepEqual(show(highlightQuery('http.route:/api/orders/*')), ['field:http.route', 'colon::', 'wildcard:/api/orders/*'])
  assert.deepEqual(show(highlightQuery('level:(warn OR error)')), ['field:level', 'colon::', 'paren:(', 'value:warn', 'operator:OR', 'value:error', 'paren:)'])
})

test('an unclosed quote or a dangling operator: the rest is an error, what comes before keeps its colours', () => {
  const q = 'service:shop "payment fail'
  const s = highlightQuery(q)
  covers(q, s)
  assert.deepEqual(show(s), ['field:service', 'colon::', 'value:shop', 'error:"payment fail'])
  assert.deepEqual(show(highlightQuery('level:error -')), ['field:level', 'colon::', 'value:error', 'error:-'])
})

test('the server parse error position marks the rest of the query', () => {
  const q = 'level:loud AND x'
  const s = highlightQuery(q, 6)
  covers(q, s)
  assert.deepEqual(show(s), ['field:level', 'colon::', 'error:loud AND x'])
  // A position past the end (an expected term at the end) marks nothing.
  assert.deepEqual(show(highlightQuery('level:', 6)), ['field:level', 'colon::'])
  assert.deepEqual(highlightQuery(''), [])
})
