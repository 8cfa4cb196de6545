/**
 * Trace waterfall layout: spans → a depth-first list of rows (parent before children, children by
 * start), each with its offset and width relative to the trace, and the critical path (the chain
 * of spans that determined the trace's end: from the root, repeatedly the child that finished last
 * among those that ended before the parent's end, walking back in time — Jaeger's definition).
 */
export interface SpanInput {
  spanId: string
  parentSpanId: string
  service: string
  name: string
  spanKind: string
  timeUnixNano: string
  durationNano: string
  status: string
  attributes?: Record<string, string>
  /** From the trace API (docs/api.md): tree depth, child count and critical-path flag, spans in tree order. */
  depth?: number
  childCount?: number
  critical?: boolean
}

export interface Row<S extends SpanInput = SpanInput> {
  span: S
  depth: number
  startMs: number
  durationMs: number
  /** 0…1 of the trace's span. */
  left: number
  width: number
  childCount: number
  critical: boolean
  /** A messaging consumer whose parent is a producer in another service (a queue hop). */
  queueHop: boolean
}

export interface Layout<S extends SpanInput = SpanInput> { rows: Row<S>[]; startNs: bigint; durationMs: number }

/**
 * Lays out a trace. When the server already placed the spans (`GET /api/traces/{id}` answers them
 * in tree order with `depth`, `childCount` and `critical`), its tree and critical path are used
 * as they are; otherwise (older servers, spans from elsewhere) both are computed here.
 */
export function layoutTrace<S extends SpanInput>(spans: S[]): Layout<S> {
  if (spans.length === 0) return { rows: [], startNs: 0n, durationMs: 0 }
  if (spans.every((s) => typeof s.depth === 'number' && typeof s.critical === 'boolean')) return layoutPlaced(spans)
  const byId = new Map<string, S>()
  for (const s of spans) byId.set(s.spanId, s)
  const children = new Map<string, S[]>()
  const roots: S[] = []
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId) ?? []
      list.push(s)
      children.set(s.parentSpanId, list)
    } else roots.push(s)
  }
  const start = (s: S) => BigInt(s.timeUnixNano)
  const end = (s: S) => BigInt(s.timeUnixNano) + BigInt(s.durationNano)
  const byStart = (a: S, b: S) => (start(a) < start(b) ? -1 : start(a) > start(b) ? 1 : 0)
  roots.sort(byStart)
  for (const list of children.values()) list.sort(byStart)
  let startNs = start(spans[0])
  let endNs = end(spans[0])
  for (const s of spans) { if (start(s) < startNs) startNs = start(s); if (end(s) > endNs) endNs = end(s) }
  const total = Number(endNs - startNs) || 1

  const critical = criticalPath(roots, children, start, end)
  const rows: Row<S>[] = []
  // Iterative DFS: a 5,000-span trace must not overflow the stack.
  const stack: { s: S; depth: number }[] = roots.slice().reverse().map((s) => ({ s, depth: 0 }))
  const seen = new Set<string>()
  while (stack.length) {
    const { s, depth } = stack.pop()!
    if (seen.has(s.spanId)) continue
    seen.add(s.spanId)
    const kids = children.get(s.spanId) ?? []
    const parent = byId.get(s.parentSpanId)
    rows.push({
      span: s, depth,
      startMs: Number(start(s) - startNs) / 1e6,
      durationMs: Number(BigInt(s.durationNano)) / 1e6,
      left: Number(start(s) - startNs) / total,
      width: Number(BigInt(s.durationNano)) / total,
      childCount: kids.length,
      critical: critical.has(s.spanId),
      queueHop: !!parent && /consumer/i.test(s.spanKind) && /producer/i.test(parent.spanKind),
    })
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ s: kids[i], depth: depth + 1 })
  }
  return { rows, startNs, durationMs: total / 1e6 }
}

/** Rows from spans the server already ordered and marked (tree order, depth, critical). */
function layoutPlaced<S extends SpanInput>(spans: S[]): Layout<S> {
  const byId = new Map<string, S>()
  const kids = new Map<string, number>()
  let startNs = BigInt(spans[0].timeUnixNano)
  let endNs = startNs + BigInt(spans[0].durationNano)
  for (const s of spans) {
    byId.set(s.spanId, s)
    if (s.parentSpanId) kids.set(s.parentSpanId, (kids.get(s.parentSpanId) ?? 0) + 1)
    const a = BigInt(s.timeUnixNano)
    const b = a + BigInt(s.durationNano)
    if (a < startNs) startNs = a
    if (b > endNs) endNs = b
  }
  const total = Number(endNs - startNs) || 1
  const rows = spans.map((s): Row<S> => {
    const start = BigInt(s.timeUnixNano)
    const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined
    return {
      span: s, depth: s.depth!,
      startMs: Number(start - startNs) / 1e6,
      durationMs: Number(BigInt(s.durationNano)) / 1e6,
      left: Number(start - startNs) / total,
      width: Number(BigInt(s.durationNano)) / total,
      childCount: s.childCount ?? kids.get(s.spanId) ?? 0,
      critical: s.critical!,
      queueHop: !!parent && /consumer/i.test(s.spanKind) && /producer/i.test(parent.spanKind),
    }
  })
  return { rows, startNs, durationMs: total / 1e6 }
}

function criticalPath<S extends SpanInput>(roots: S[], children: Map<string, S[]>, start: (s: S) => bigint, end: (s: S) => bigint): Set<string> {
  const out = new Set<string>()
  if (roots.length === 0) return out
  const root = roots.reduce((a, b) => (end(b) > end(a) ? b : a))
  const walk: { s: S; until: bigint }[] = [{ s: root, until: end(root) }]
  while (walk.length) {
    const { s, until } = walk.pop()!
    out.add(s.spanId)
    // Children that end by `until`, latest end first; each bounds the next by its start.
    const kids = (children.get(s.spanId) ?? []).slice().sort((a, b) => (end(b) > end(a) ? 1 : end(b) < end(a) ? -1 : 0))
    let bound = until
    for (const k of kids) {
      const kEnd = end(k) < bound ? end(k) : bound
      if (kEnd <= start(s) || start(k) >= bound) continue
      walk.push({ s: k, until: kEnd })
      bound = start(k)
    }
  }
  return out
}

/** Rows left visible when some spans are collapsed (their descendants hidden). */
export function visibleRows<S extends SpanInput>(rows: Row<S>[], collapsed: ReadonlySet<string>): Row<S>[] {
  if (collapsed.size === 0) return rows
  const out: Row<S>[] = []
  let hideBelow = -1
  for (const r of rows) {
    if (hideBelow >= 0 && r.depth > hideBelow) continue
    hideBelow = -1
    out.push(r)
    if (collapsed.has(r.span.spanId)) hideBelow = r.depth
  }
  return out
}

/** A stable colour per service name (hue from a string hash). */
export function serviceColor(service: string): string {
  let h = 0
  for (let i = 0; i < service.length; i++) h = (h * 31 + service.charCodeAt(i)) >>> 0
  return `hsl(${h % 360} 62% 55%)`
}
