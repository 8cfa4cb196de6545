import { test } from 'node:test'
import assert from 'node:assert/strict'
import { capLevel, formatBytes, runSummary } from './storage.ts'

test('formats bytes in powers of 1024', () => {
  assert.equal(formatBytes(0), '0 B')
  assert.equal(formatBytes(512), '512 B')
  assert.equal(formatBytes(1536), '1.5 KB')
  assert.equal(formatBytes(100 * 1024 ** 3), '100 GB')
})

test('cap level: none without a cap, warn from the warning, over at 100 %', () => {
  const s = { service: 'a', bytes: 1, capBytes: 10, capPercent: 50, capWarning: false }
  assert.equal(capLevel({ ...s, capBytes: 0 }), 'none')
  assert.equal(capLevel(s), 'ok')
  assert.equal(capLevel({ ...s, capPercent: 85, capWarning: true }), 'warn')
  assert.equal(capLevel({ ...s, capPercent: 100, capWarning: true }), 'over')
})

test('run summary says what left and what was kept', () => {
  assert.equal(runSummary(null), 'No run yet since start')
  const text = runSummary({ trigger: 'schedule', startedAt: '', finishedAt: '2026-11-29T10:00:00.000Z', ok: false, archivedObjects: 2, droppedPartitions: 2, droppedBytes: 2048, keptUnarchived: 1, expiredObjects: 0, errors: ['x'] })
  assert.equal(text, 'Failed at 2026-11-29 10:00:00 UTC (schedule): 2 archived, 2 partitions left hot storage (2.0 KB), 1 kept because the archive failed')
})
