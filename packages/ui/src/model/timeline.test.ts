import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildStages } from './timeline.ts'

test('stages run from one status change to the next; the last runs to the end given', () => {
  const s = buildStages([
    { time: '2026-11-29T10:00:00Z', service: 'shop', to: 'created' },
    { time: '2026-11-29T10:00:05Z', service: 'mes', to: 'accepted' },
    { time: '2026-11-29T10:01:05Z', service: 'mes', to: 'failed' },
  ], '2026-11-29T10:02:05Z')
  assert.deepEqual(s.map((x) => [x.status, x.durationMs, x.failed]), [['created', 5000, false], ['accepted', 60000, false], ['failed', 60000, true]])
})
