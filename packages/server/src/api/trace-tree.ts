/**
 * A trace's spans as a tree (parents before children, `depth`) with its critical path marked.
 *
 * Critical path (as Jaeger UI computes it): start at the root's end; among its children take the
 * one that finished last by that point, mark it, descend into it, then move the point to that
 * child's start and take the next child that had finished by then, and so on. The marked spans
 * are the chain whose durations add up to the trace's end-to-end time: making any other span
 * faster would not make the request faster.
 */
export interface TreeSpan {
  spanId: string
  parentSpanId: string
  timeUnixNano: string
  durationNano: string
}

export type Placed<T> = T & { depth: number; critical: boolean; childCount: number }

const start = (s: TreeSpan): bigint => BigInt(s.timeUnixNano)
const end = (s: TreeSpan): bigint => BigInt(s.timeUnixNano) + BigInt(s.durationNano)
const byStart = (a: TreeSpan, b: TreeSpan): number => (start(a) < start(b) ? -1 : start(a) > start(b) ? 1 : a.spanId.localeCompare(b.spanId))

/**
 * Orders spans depth-first (children by start time) and marks the critical path. Spans whose parent
 * is not in the trace (lost or not sent yet) are treated as roots. Cycles (corrupt parent ids) are
 * broken: a span is placed once.
 */
export function layoutTrace<T extends TreeSpan>(spans: readonly T[]): Placed<T>[] {
  const ids = new Set(spans.map((s) => s.spanId))
  const children = new Map<string, T[]>()
  const roots: T[] = []
  for (const s of spans) {
    if (s.parentSpanId && s.parentSpanId !== s.spanId && ids.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId) ?? []
      list.push(s)
      children.set(s.parentSpanId, list)
    } else {
      roots.push(s)
    }
  }
  for (const list of children.values()) list.sort(byStart)
  roots.sort(byStart)

  const critical = new Set<string>()
  // The request's root: the root span that ends last (usually the only one).
  const main = roots.reduce<T | undefined>((m, r) => (m === undefined || end(r) > end(m) ? r : m), undefined)
  if (main) {
    const stack: { span: T; until: bigint }[] = [{ span: main, until: end(main) }]
    const visited = new Set<string>()
    while (stack.length) {
      const { span, until } = stack.pop()!
      if (visited.has(span.spanId)) continue
      visited.add(span.spanId)
      critical.add(span.spanId)
      const spanEnd = until < end(span) ? until : end(span)
      // A child running past its parent (clock skew, async work) counts only up to the parent's end.
      const endIn = (c: T): bigint => (end(c) < spanEnd ? end(c) : spanEnd)
      const kids = [...(children.get(span.spanId) ?? [])].sort((a, b) => (endIn(a) > endIn(b) ? -1 : endIn(a) < endIn(b) ? 1 : 0))
      let cursor = spanEnd
      for (const child of kids) {
        if (cursor <= start(span)) break
        // Only a child that had finished by the point counts (Jaeger: the last one finishing before it).
        if (endIn(child) > cursor || start(child) >= cursor) continue
        stack.push({ span: child, until: endIn(child) })
        cursor = start(child)
      }
    }
  }

  const out: Placed<T>[] = []
  const placed = new Set<string>()
  const visit = (s: T, depth: number): void => {
    if (placed.has(s.spanId)) return
    placed.add(s.spanId)
    const kids = children.get(s.spanId) ?? []
    out.push({ ...s, depth, critical: critical.has(s.spanId), childCount: kids.length })
    for (const c of kids) visit(c, depth + 1)
  }
  for (const r of roots) visit(r, 0)
  // Spans only reachable through a cycle: place them as roots so none is lost.
  for (const s of spans) visit(s, 0)
  return out
}
