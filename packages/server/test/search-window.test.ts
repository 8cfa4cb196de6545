import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseQuery } from '@beacon/query'
import { histogramOfRows, isPointLookup, newestWindowStart } from '../src/api/search.ts'

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

test('an exact order, trace or span id (alone or AND-ed) is a point lookup; OR, wildcards and other fields are not', () => {
  const point = (q: string, target: 'logs' | 'spans' = 'logs') => isPointLookup(parseQuery(q), target)
  assert.equal(point('order.id:ORD-1'), true)
  assert.equal(point(`trace.id:${'ab'.repeat(16)} level:error`), true)
  assert.equal(point(`span.id:${'cd'.repeat(8)}`, 'spans'), true)
  assert.equal(point('order.id:ORD-1 OR order.id:ORD-2'), false)
  assert.equal(point('order.id:ORD-*'), false)
  assert.equal(point('NOT order.id:ORD-1'), false)
  assert.equal(point('user.id:u-1'), false)
  assert.equal(point('E1234'), false)
  assert.equal(point(''), false)
})

test('the histogram counted from complete rows has the buckets and levels the histogram query gives', () => {
  const rows = [
    { ts: '1800000000123456789', SeverityText: 'INFO' }, { ts: '1800000001000000000', SeverityText: 'INFO' },
    { ts: '1800000000999999999', SeverityText: 'ERROR' }, { ts: '1800001799000000000', SeverityText: 'INFO' },
    { ts: '1800001800000000000', SeverityText: 'INFO' },
  ]
  // 1800000000 is a multiple of 1800: buckets start on it.
  assert.deepEqual(histogramOfRows(rows, 'logs', 1800), [
    { t: 1800000000, level: 'INFO', c: '3' }, { t: 1800000000, level: 'ERROR', c: '1' }, { t: 1800001800, level: 'INFO', c: '1' },
  ])
  assert.deepEqual(histogramOfRows([{ ts: '1800000000000000000', StatusCode: 'Error' }, { ts: '1800000000000000001', StatusCode: 'Ok' }], 'spans', 60), [
    { t: 1800000000, level: 'ERROR', c: '1' }, { t: 1800000000, level: 'INFO', c: '1' },
  ])
})
