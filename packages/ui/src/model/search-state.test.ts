import { test } from 'node:test'
import assert from 'node:assert/strict'
import { addFilter, searchStateFromUrl, searchStateToUrl, DEFAULT_SEARCH } from './search-state.ts'

test('search state survives a round trip through the URL and leaves defaults out', () => {
  const s = { q: 'level:error service:shop', from: 'now-1h', to: 'now', target: 'spans' as const, columns: ['http.route', 'order.id'] }
  const url = searchStateToUrl(s)
  assert.deepEqual(searchStateFromUrl(url), s)
  assert.equal(searchStateToUrl(DEFAULT_SEARCH), '')
  assert.ok(!url.includes('to='))
})

test('a filter for or against a value is added once, quoting values that need it', () => {
  assert.equal(addFilter('', 'service', 'shop-api'), 'service:shop-api')
  assert.equal(addFilter('level:error', 'order.id', 'ORD 1'), 'level:error order.id:"ORD 1"')
  assert.equal(addFilter('service:shop', 'service', 'shop', true), 'NOT service:shop')
  assert.equal(addFilter('NOT service:shop', 'service', 'shop'), 'service:shop')
})
