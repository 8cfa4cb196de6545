import { test } from 'node:test'
import assert from 'node:assert/strict'
import { complaintsByDay, localDay, median, perLocalDay, stageMedians, startOfLocalDays } from './overview.ts'

const MIN = 60_000

test('median time per order stage, stages in process order', () => {
  const t = Date.parse('2026-11-29T10:00:00Z')
  const order = (id: string, steps: [string, number][]) => steps.map(([to, at], i) => ({ orderId: id, timeMs: t + at * MIN, from: i ? steps[i - 1][0] : '', to }))
  const changes = [
    ...order('A', [['created', 0], ['accepted', 2], ['in_production', 12], ['done', 40]]),
    ...order('B', [['created', 0], ['accepted', 4], ['in_production', 10]]),
    ...order('C', [['created', 5], ['accepted', 11]]),
    ...order('D', [['created', 0]]),
  ].reverse()
  const s = stageMedians(changes)
  assert.deepEqual(s.map((x) => x.stage), ['created', 'accepted', 'in_production'], 'a stage nobody left yet (done) has no time')
  assert.deepEqual(s.find((x) => x.stage === 'created'), { stage: 'created', medianMs: 4 * MIN, orders: 3 })
  assert.deepEqual(s.find((x) => x.stage === 'accepted'), { stage: 'accepted', medianMs: 8 * MIN, orders: 2 })
  assert.equal(s.find((x) => x.stage === 'in_production')!.medianMs, 28 * MIN)
  assert.deepEqual(stageMedians([{ orderId: '', timeMs: 1, from: '', to: 'x' }]), [])
  assert.equal(median([3, 1, 2]), 2)
  assert.ok(Number.isNaN(median([])))
})

test('complaints per calendar day in the given zone, not per UTC day, zeros included', () => {
  // 2026-11-29 20:00 UTC is already 2026-11-30 01:30 in Kolkata (+5:30).
  const now = Date.parse('2026-11-30T06:00:00Z')
  const rows = [
    { time: '2026-11-29T20:00:00Z', count: 2 },
    { time: '2026-11-29T18:15:00Z', count: 1 }, // 23:45 in Kolkata, the 29th
    { time: '2026-11-24T10:00:00Z', count: 5 }, // before the window
  ]
  assert.deepEqual(perLocalDay(rows, now, 3, 'Asia/Kolkata'), [
    { day: '2026-11-28', count: 0 }, { day: '2026-11-29', count: 1 }, { day: '2026-11-30', count: 2 },
  ])
  assert.deepEqual(perLocalDay(rows, now, 2, 'UTC'), [{ day: '2026-11-29', count: 3 }, { day: '2026-11-30', count: 0 }])
  assert.equal(new Date(startOfLocalDays(now, 3, 'Asia/Kolkata')).toISOString(), '2026-11-27T18:30:00.000Z', 'local midnight of the 28th')
  assert.equal(new Date(startOfLocalDays(now, 1, 'America/St_Johns')).toISOString(), '2026-11-30T03:30:00.000Z')
})

test('a DST change inside the window neither drops nor repeats a day', () => {
  const now = Date.parse('2026-11-03T12:00:00Z') // US DST ended on 1 November 2026
  const days = perLocalDay([], now, 5, 'America/New_York').map((d) => d.day)
  assert.deepEqual(days, ['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03'])
})

test('complaints grouped by local day, newest first, each keeps its order id', () => {
  const g = complaintsByDay([
    { orderId: 'O1', timeMs: Date.parse('2026-11-29T23:30:00Z'), reason: 'late' },
    { orderId: 'O2', timeMs: Date.parse('2026-11-30T00:30:00Z'), reason: 'broken' },
    { orderId: 'O3', timeMs: Date.parse('2026-11-29T10:00:00Z'), reason: 'wrong' },
  ], 'Europe/Berlin')
  assert.deepEqual(g.map((d) => [d.day, d.complaints.map((c) => c.orderId)]), [['2026-11-30', ['O2', 'O1']], ['2026-11-29', ['O3']]])
  assert.equal(localDay(Date.parse('2026-11-29T23:30:00Z'), 'Europe/Berlin'), '2026-11-30')
})
