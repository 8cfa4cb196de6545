import { test } from 'node:test'
import assert from 'node:assert/strict'
import { addFilter, archiveOffer, searchStateFromUrl, searchStateToUrl, DEFAULT_SEARCH } from './search-state.ts'

test('search state survives a round trip through the URL and leaves defaults out', () => {
  const s = { q: 'level:error service:shop', from: 'now-1h', to: 'now', target: 'spans' as const, columns: ['http.route', 'order.id'], scope: 'all' as const }
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

test('the archive is offered when the range starts before the hot retention and the archive is on', () => {
  const now = Date.parse('2026-11-29T12:00:00Z')
  const retention = { archive: { enabled: true }, hotDays: { logs: 30, spans: 7 } }
  assert.equal(archiveOffer({ from: 'now-60d', scope: 'hot', target: 'logs' }, retention, now), 30)
  assert.equal(archiveOffer({ from: 'now-29d', scope: 'hot', target: 'logs' }, retention, now), null)
  assert.equal(archiveOffer({ from: 'now-8d', scope: 'hot', target: 'spans' }, retention, now), 7, 'per signal')
  assert.equal(archiveOffer({ from: '2026-10-01T00:00:00Z', scope: 'hot', target: 'logs' }, retention, now), 30, 'absolute times too')
  assert.equal(archiveOffer({ from: 'now-60d', scope: 'all', target: 'logs' }, retention, now), null, 'already searching the archive')
  assert.equal(archiveOffer({ from: 'now-60d', scope: 'hot', target: 'logs' }, { archive: { enabled: false }, hotDays: { logs: 30, spans: 7 } }, now), null, 'archive off')
  assert.equal(archiveOffer({ from: 'now-60d', scope: 'hot', target: 'logs' }, undefined, now), null, 'unknown (health not read)')
  assert.equal(searchStateFromUrl('?scope=archive').scope, 'archive')
  assert.equal(searchStateFromUrl('?scope=nonsense').scope, 'hot')
})
