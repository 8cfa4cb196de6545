import { test } from 'node:test'
import assert from 'node:assert/strict'
import { splitByPartition } from './partition-split.ts'

const DAY = 86400
/** A row in LOG_INSERT_COLUMNS order (only Timestamp and ServiceName matter here). */
const row = (sec: number, service: string, body: string): string => `${sec}.000000001\t${sec}.0\t\t\t0\tINFO\t9\t${service}\t${body}\t{}\t\t\t{}\t\t\t\t0\t\t\t\n`

test('rows are grouped by UTC day × service, in order of first appearance, none lost or changed', () => {
  const d0 = 20_000 * DAY
  const a = Buffer.from(row(d0 + 5, 'shop', 'a1') + row(d0 + 6, 'shop', 'a2') + row(d0 + 7, 'crm', 'b1') + row(d0 + DAY + 1, 'shop', 'c1'))
  const b = Buffer.from(row(d0 + 9, 'crm', 'b2') + row(d0 + 10, 'shop', 'a3') + row(d0 + DAY - 1, 'crm\\ttab', 'd1'))
  const groups = splitByPartition([a, b]).map((g) => Buffer.concat(g).toString())
  const bodies = groups.map((g) => g.split('\n').filter(Boolean).map((l) => l.split('\t')[8]))
  assert.deepEqual(bodies, [['a1', 'a2', 'a3'], ['b1', 'b2'], ['c1'], ['d1']])
  const all = (bufs: string[]) => bufs.join('').split('\n').filter(Boolean).sort()
  assert.deepEqual(all(groups), all([a.toString(), b.toString()]))
  // Deterministic: the writer's deduplication tokens are numbered by group.
  assert.deepEqual(splitByPartition([a, b]).map((g) => Buffer.concat(g).toString()), groups)
})

test('one service on one day stays one group; a last row without a newline is kept', () => {
  const t = 20_000 * DAY + 100
  const text = row(t, 'svc', 'x') + row(t + 1, 'svc', 'y') + row(t + 2, 'svc', 'z').slice(0, -1)
  const groups = splitByPartition([Buffer.from(text)])
  assert.equal(groups.length, 1)
  assert.equal(Buffer.concat(groups[0]).toString(), text)
  assert.deepEqual(splitByPartition([]), [])
})
