import { test } from 'node:test'
import assert from 'node:assert/strict'
import { layoutTrace } from './trace-tree.ts'

const ms = (n: number): string => String(BigInt(n) * 1_000_000n)
const span = (spanId: string, parentSpanId: string, startMs: number, durMs: number) => ({ spanId, parentSpanId, timeUnixNano: ms(1_000_000 + startMs), durationNano: ms(durMs) })

test('spans come parent before children, children by start, with depth', () => {
  const out = layoutTrace([
    span('c', 'a', 40, 60), span('e', 'c', 45, 50), span('a', '', 0, 100), span('b', 'a', 0, 30), span('d', 'a', 10, 40),
  ])
  assert.deepEqual(out.map((s) => `${s.spanId}:${s.depth}`), ['a:0', 'b:1', 'd:1', 'c:1', 'e:2'])
  assert.deepEqual(out.map((s) => s.childCount), [3, 0, 0, 1, 0])
})

test('the critical path is the chain of last-finishing children (an overlapping sibling is not on it)', () => {
  // a [0,100]: b [0,30], d [10,50], c [40,100] > e [45,95]. The request waited for c (and e in it),
  // and before c started for b; d overlaps c's start, so it was not what c waited for.
  const out = layoutTrace([span('a', '', 0, 100), span('b', 'a', 0, 30), span('d', 'a', 10, 40), span('c', 'a', 40, 60), span('e', 'c', 45, 50)])
  assert.deepEqual(out.filter((s) => s.critical).map((s) => s.spanId), ['a', 'b', 'c', 'e'])
})

test('orphans (parent not in the trace) become roots; a parent cycle loses no span', () => {
  const out = layoutTrace([span('x', 'missing', 5, 10), span('p', 'q', 0, 10), span('q', 'p', 1, 5)])
  assert.equal(out.length, 3)
  assert.equal(out.find((s) => s.spanId === 'x')!.depth, 0)
  assert.equal(out.filter((s) => s.critical).length >= 1, true)
})
