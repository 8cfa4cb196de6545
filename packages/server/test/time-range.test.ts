import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseRange, parseTime, bucketSeconds } from '../src/api/time-range.ts'

const now = Date.parse('2026-11-22T12:00:00Z')

test('relative and absolute times', () => {
  assert.equal(parseTime('now', now, 'to'), now)
  assert.equal(parseTime('now-15m', now, 'from'), now - 15 * 60_000)
  assert.equal(parseTime('now-2h', now, 'from'), now - 2 * 3_600_000)
  assert.equal(parseTime('now-7d', now, 'from'), now - 7 * 86_400_000)
  assert.equal(parseTime('2026-11-22T10:00:00Z', now, 'from'), Date.parse('2026-11-22T10:00:00Z'))
  assert.equal(parseTime('1763805600000', now, 'from'), 1763805600000)
})

test('a bad time is a 400 naming the parameter', () => {
  assert.throws(() => parseTime('yesterday', now, 'from'), (e: any) => e.status === 400 && /from=/.test(e.message))
  assert.throws(() => parseRange('now', 'now-1h', undefined, now), (e: any) => e.status === 400 && /after/.test(e.message))
})

test('histogram buckets scale with the range', () => {
  assert.equal(bucketSeconds({ fromMs: now - 15 * 60_000, toMs: now }), 15)
  assert.equal(bucketSeconds({ fromMs: now - 86_400_000, toMs: now }), 1800)
  assert.ok(bucketSeconds({ fromMs: now - 30 * 86_400_000, toMs: now }) >= 43200)
})
