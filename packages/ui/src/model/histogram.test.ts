import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stackHistogram } from './histogram.ts'

test('stacks levels with the most severe on top and sums counts case-insensitively', () => {
  const h = stackHistogram([
    { time: '2026-11-29T10:00:00Z', counts: { INFO: 5, ERROR: 1 } },
    { time: '2026-11-29T10:01:00Z', counts: { info: 2, WARN: 3 } },
  ])
  assert.deepEqual(h.levels, ['ERROR', 'WARN', 'INFO'])
  assert.deepEqual(h.x, [Date.parse('2026-11-29T10:00:00Z') / 1000, Date.parse('2026-11-29T10:01:00Z') / 1000])
  assert.deepEqual(h.raw, [[1, 0], [0, 3], [5, 2]])
  assert.deepEqual(h.stacked, [[6, 5], [5, 5], [5, 2]])
})
