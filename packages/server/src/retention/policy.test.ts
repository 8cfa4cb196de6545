import { test } from 'node:test'
import assert from 'node:assert/strict'
import { retentionSchema } from './config.ts'
import { RetentionPolicy } from './policy.ts'
import type { Store } from '../store/connection.ts'

// minDays reads configuration and loaded overrides only; no store call is made (load() is not called).
const noStore = null as unknown as Store

test('minDays: the shortest hot retention of any service, per signal', () => {
  const p = new RetentionPolicy(retentionSchema.parse({ days: 30, spansDays: 14, services: { audit: { logsDays: 90 }, noisy: { logsDays: 3 } } }), noStore)
  assert.equal(p.minDays('logs'), 3)
  assert.equal(p.minDays('spans'), 14)
  assert.equal(new RetentionPolicy(retentionSchema.parse({}), noStore).minDays('logs'), 30)
})
