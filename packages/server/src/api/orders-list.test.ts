import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stuckReason } from './orders-list.ts'

test('an order is stuck when idle past the limit, or failed; finished orders never are', () => {
  const now = Date.parse('2026-11-29T12:00:00Z')
  assert.equal(stuckReason('in_production', now - 31 * 60_000, now, 30), 'no status change for 31 min')
  assert.equal(stuckReason('in_production', now - 5 * 60_000, now, 30), null)
  assert.equal(stuckReason('failed', now, now, 30), 'ended failed')
  assert.equal(stuckReason('delivered', now - 600 * 60_000, now, 30), null)
  assert.equal(stuckReason('', null, now, 30), null)
})
