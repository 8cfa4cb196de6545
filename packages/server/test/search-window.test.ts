import { test } from 'node:test'
import assert from 'node:assert/strict'
import { newestWindowStart } from '../src/api/search.ts'

const hist = [
  { t: 0, c: '10' }, { t: 60, c: '10' }, { t: 120, c: '5' }, { t: 120, c: '5' }, { t: 180, c: '10' },
]

test('the window reaches back just far enough to hold the newest matches', () => {
  assert.equal(newestWindowStart(hist, 60, 10, null), 180)
  assert.equal(newestWindowStart(hist, 60, 11, null), 120, 'two levels in one bucket add up')
  assert.equal(newestWindowStart(hist, 60, 30, null), 60)
  assert.equal(newestWindowStart(hist, 60, 41, null), null, 'more than there is: no window')
})

test('with a cursor, buckets after it are skipped and its own bucket is not counted', () => {
  // cursor at second 150 (inside the 120 bucket): only buckets 60 and 0 count
  const cursor = { ts: '150000000000', skip: 0 }
  assert.equal(newestWindowStart(hist, 60, 10, cursor), 60)
  assert.equal(newestWindowStart(hist, 60, 20, cursor), 0)
  assert.equal(newestWindowStart(hist, 60, 21, cursor), null)
})
