import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyCompletion, completionAt, rankCandidates } from './autocomplete.ts'

test('finds a field name or a field value under the caret', () => {
  assert.deepEqual(completionAt('level:error servi', 17), { kind: 'field', field: '', prefix: 'servi', start: 12, end: 17 })
  assert.deepEqual(completionAt('service:sh level:error', 10), { kind: 'value', field: 'service', prefix: 'sh', start: 8, end: 10 })
  assert.equal(completionAt('level:error AND', 15), null)
  assert.equal(completionAt('', 0), null)
})

test('completing inserts the field with a colon, or a quoted value and a space', () => {
  const f = completionAt('servi', 5)!
  assert.deepEqual(applyCompletion('servi', f, 'service'), { q: 'service:', caret: 8 })
  const v = completionAt('service:sh', 10)!
  assert.deepEqual(applyCompletion('service:sh', v, 'shop api'), { q: 'service:"shop api" ', caret: 19 })
})

test('ranks names that start with the prefix before those that contain it', () => {
  assert.deepEqual(rankCandidates(['http.route', 'route', 'order.id'], 'rou'), ['route', 'http.route'])
})
