import { test } from 'node:test'
import assert from 'node:assert/strict'
import { layoutTrace, visibleRows, type SpanInput } from './trace-layout.ts'

const ms = (n: number) => String(BigInt(n) * 1_000_000n)
function span(spanId: string, parentSpanId: string, startMs: number, durMs: number, service = 'shop', spanKind = 'Server'): SpanInput {
  return { spanId, parentSpanId, service, name: spanId, spanKind, timeUnixNano: ms(1_000_000 + startMs), durationNano: ms(durMs), status: 'Unset' }
}

test('orders rows depth-first with children by start time and offsets relative to the trace', () => {
  const l = layoutTrace([span('c2', 'root', 50, 10), span('root', '', 0, 100), span('c1', 'root', 10, 30), span('g1', 'c1', 15, 5)])
  assert.deepEqual(l.rows.map((r) => [r.span.spanId, r.depth]), [['root', 0], ['c1', 1], ['g1', 2], ['c2', 1]])
  assert.equal(l.durationMs, 100)
  assert.equal(l.rows[3].left, 0.5)
  assert.equal(l.rows[1].width, 0.3)
  assert.equal(l.rows[0].childCount, 2)
})

test('the critical path follows the child that finished last, then earlier non-overlapping ones', () => {
  // root 0–100: b 30–90 finishes last, then a (0–40, cut at b's start); inside b: d 60–85, then c 35–45
  const l = layoutTrace([span('root', '', 0, 100), span('a', 'root', 0, 40), span('b', 'root', 30, 60), span('c', 'b', 35, 10), span('d', 'b', 60, 25)])
  const crit = l.rows.filter((r) => r.critical).map((r) => r.span.spanId).sort()
  assert.deepEqual(crit, ['a', 'b', 'c', 'd', 'root'])
  // A child that ends after a later sibling started is cut, and one entirely after the bound is off the path.
  const l2 = layoutTrace([span('root', '', 0, 100), span('late', 'root', 10, 80), span('early', 'root', 0, 5), span('overlapped', 'root', 20, 30)])
  assert.deepEqual(l2.rows.filter((r) => r.critical).map((r) => r.span.spanId).sort(), ['early', 'late', 'root'])
})

test('marks a consumer whose parent is a producer as a queue hop, and orphans become roots', () => {
  const l = layoutTrace([span('p', '', 0, 5, 'shop', 'Producer'), span('c', 'p', 8, 20, 'mes-worker', 'Consumer'), span('o', 'missing', 1, 1)])
  assert.equal(l.rows.find((r) => r.span.spanId === 'c')!.queueHop, true)
  assert.equal(l.rows.find((r) => r.span.spanId === 'o')!.depth, 0)
})

test('collapsing a span hides its descendants only', () => {
  const l = layoutTrace([span('root', '', 0, 100), span('c1', 'root', 10, 30), span('g1', 'c1', 15, 5), span('c2', 'root', 50, 10)])
  assert.deepEqual(visibleRows(l.rows, new Set(['c1'])).map((r) => r.span.spanId), ['root', 'c1', 'c2'])
})

test('lays out 5,000 spans in a deep chain without overflowing the stack, quickly', () => {
  const spans = Array.from({ length: 5000 }, (_, i) => span(`s${i}`, i === 0 ? '' : `s${i - 1}`, i, 5000 - i))
  const t0 = performance.now()
  const l = layoutTrace(spans)
  assert.equal(l.rows.length, 5000)
  assert.equal(l.rows[4999].depth, 4999)
  assert.ok(performance.now() - t0 < 1000)
})

test("uses the server's tree order, depth and critical path when the spans carry them", () => {
  // Deliberately different from what the model would compute: the server's answer wins.
  const placed = [
    { ...span('root', '', 0, 100), depth: 0, childCount: 2, critical: true },
    { ...span('late', 'root', 50, 10), depth: 1, childCount: 0, critical: false },
    { ...span('early', 'root', 10, 80, 'mes', 'Consumer'), depth: 1, childCount: 0, critical: true },
  ]
  const l = layoutTrace(placed)
  assert.deepEqual(l.rows.map((r) => [r.span.spanId, r.depth, r.critical, r.childCount]), [['root', 0, true, 2], ['late', 1, false, 0], ['early', 1, true, 0]])
  assert.equal(l.rows[1].left, 0.5)
  assert.equal(l.durationMs, 100)
  const computed = layoutTrace(placed.map(({ depth: _d, critical: _c, childCount: _n, ...s }) => s))
  assert.deepEqual(computed.rows.map((r) => r.span.spanId), ['root', 'early', 'late'], 'without them the model computes the tree itself')
  assert.equal(computed.rows.find((r) => r.span.spanId === 'late')!.critical, false)
  // A span missing the fields (mixed answer): the model's fallback for the whole trace.
  assert.deepEqual(layoutTrace([placed[0], span('x', 'root', 1, 1)]).rows.map((r) => r.span.spanId), ['root', 'x'])
})

test('a server-placed trace of 5,000 spans lays out quickly', () => {
  const spans = Array.from({ length: 5000 }, (_, i) => ({ ...span(`s${i}`, i === 0 ? '' : `s${i - 1}`, i, 5000 - i), depth: i, childCount: i < 4999 ? 1 : 0, critical: true }))
  const t0 = performance.now()
  const l = layoutTrace(spans)
  assert.equal(l.rows[4999].depth, 4999)
  assert.ok(performance.now() - t0 < 500)
})
