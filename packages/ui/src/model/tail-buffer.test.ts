import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TailBuffer } from './tail-buffer.ts'

test('keeps the newest records up to the bound, newest first, and measures the rate', () => {
  const b = new TailBuffer<number>(3)
  for (let i = 0; i < 10; i++) b.push(i, 1000 + i * 100)
  assert.deepEqual(b.newestFirst(), [9, 8, 7])
  assert.equal(b.ratePerSecond(2000, 1000), 9, "arrivals in (1000, 2000]")
  assert.equal(b.ratePerSecond(10_000), 0)
})
