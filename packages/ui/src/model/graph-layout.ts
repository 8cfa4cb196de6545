import dagre from '@dagrejs/dagre'

/** Left-to-right positions for the service map (dagre), callers first. */
export function layoutGraph(nodes: { id: string; width: number; height: number }[], edges: { source: string; target: string }[]): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph()
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 110, marginx: 20, marginy: 20 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height })
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target)
  dagre.layout(g)
  const out = new Map<string, { x: number; y: number }>()
  for (const n of nodes) {
    const p = g.node(n.id)
    // dagre gives centres; the graph view wants top-left corners.
    out.set(n.id, { x: p.x - n.width / 2, y: p.y - n.height / 2 })
  }
  return out
}
