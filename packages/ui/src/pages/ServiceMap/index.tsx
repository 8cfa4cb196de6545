import { useMemo, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { Link, useLocation, useSearch } from 'wouter'
import { api, apiPath } from '../../api/client.ts'
import type { ServiceMapResponse, SearchResponse } from '../../api/types.ts'
import { TimeRange } from '../../components/TimeRange/index.tsx'
import { Drawer } from '../../components/Drawer/index.tsx'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { layoutGraph } from '../../model/graph-layout.ts'
import { formatDuration } from '../../model/time.ts'
import { useAuth } from '../../components/Auth/auth.tsx'

type MapNode = ServiceMapResponse['nodes'][number]
const W = 190
const H = 74

function ServiceNode({ data }: NodeProps<Node<{ n: MapNode }>>) {
  const n = data.n
  const label = n.kind === 'queue' ? n.id.slice('queue:'.length) : n.id
  return (
    <div className={`map-node${n.kind === 'queue' ? ' queue' : ''}${n.errorRate > 0.05 ? ' bad' : ''}`} style={{ width: W }} aria-label={`${n.kind} ${label}`}>
      <Handle type="target" position={Position.Left} />
      <div><b>{n.kind === 'queue' ? '⇢ ' : ''}{label}</b></div>
      <div className="muted">{n.ratePerMin}/min · <span className={n.errorRate > 0 ? 'err-text' : ''}>{(n.errorRate * 100).toFixed(1)}% err</span></div>
      <div className="muted">p95 {n.p95Ms === null ? '–' : formatDuration(n.p95Ms)}</div>
      <Handle type="source" position={Position.Right} />
    </div>
  )
}
const nodeTypes = { svc: ServiceNode }

/** Services and queues with their calls, from real spans; click a node for errors and slow operations. */
export default function ServiceMapPage() {
  const [, navigate] = useLocation()
  const p = new URLSearchParams(useSearch())
  const from = p.get('from') ?? 'now-1h'
  const to = p.get('to') ?? 'now'
  const [selected, setSelected] = useState<MapNode | null>(null)
  const q = useQuery({ queryKey: ['service-map', from, to], queryFn: () => api<ServiceMapResponse>(apiPath('/api/service-map', { from, to })) })
  const graph = useMemo(() => {
    if (!q.data) return { nodes: [], edges: [] }
    const pos = layoutGraph(q.data.nodes.map((n) => ({ id: n.id, width: W, height: H })), q.data.edges)
    const nodes: Node<{ n: MapNode }>[] = q.data.nodes.map((n) => ({ id: n.id, type: 'svc', position: pos.get(n.id)!, data: { n } }))
    const edges: Edge[] = q.data.edges.map((e) => ({
      id: `${e.source}->${e.target}`, source: e.source, target: e.target, animated: e.kind === 'messaging',
      label: `${e.ratePerMin}/min${e.errors ? ` · ${(e.errorRate * 100).toFixed(1)}% err` : ''}${e.p95Ms !== null ? ` · p95 ${formatDuration(e.p95Ms)}` : ''}`,
      markerEnd: { type: MarkerType.ArrowClosed },
      style: { stroke: e.errorRate > 0.05 ? 'var(--error)' : e.kind === 'messaging' ? 'var(--accent)' : 'var(--muted)' },
      labelStyle: { fill: 'var(--text)', fontSize: 11 }, labelBgStyle: { fill: 'var(--panel)' },
    }))
    return { nodes, edges }
  }, [q.data])
  return (
    <div className="page">
      <div className="row">
        <h1 className="grow" style={{ margin: 0 }}>Service map</h1>
        <span className="muted">HTTP calls: grey · RabbitMQ: animated, orange · red: error rate over 5%</span>
        <TimeRange from={from} to={to} onChange={(f, t) => navigate(`/service-map?from=${encodeURIComponent(f)}&to=${encodeURIComponent(t)}`)} />
      </div>
      {q.isPending ? <Loading what="the service map" /> : q.error ? <ErrorState error={q.error} /> : q.data.nodes.length === 0
        ? <Empty title="No spans in this range" hint="The map is drawn from traces; widen the time range or send traces (OTLP)." />
        : (
          <div className="map">
            <ReactFlow nodes={graph.nodes} edges={graph.edges} nodeTypes={nodeTypes} fitView minZoom={0.2} proOptions={{ hideAttribution: true }}
              nodesConnectable={false} onNodeClick={(_, n) => setSelected((n.data as { n: MapNode }).n)} colorMode={document.documentElement.dataset.theme === 'light' ? 'light' : 'dark'}>
              <Background /><Controls showInteractive={false} />
            </ReactFlow>
          </div>
        )}
      {selected && <NodeDrawer n={selected} from={from} to={to} onClose={() => setSelected(null)} />}
    </div>
  )
}

function NodeDrawer({ n, from, to, onClose }: { n: MapNode; from: string; to: string; onClose(): void }) {
  const { can } = useAuth()
  const service = n.kind === 'queue' ? '' : n.id
  const errors = useQuery({
    queryKey: ['map-errors', n.id, from, to],
    queryFn: () => api<{ values: { value: string; count: number }[] }>(apiPath('/api/fields/body/values', { q: `service:${JSON.stringify(service)} level:error`, from, to, limit: 8 })),
    enabled: !!service,
  })
  const slow = useQuery({
    queryKey: ['map-slow', n.id, from, to],
    queryFn: () => api<SearchResponse>(apiPath('/api/search', { q: `service:${JSON.stringify(service)} duration:>0`, target: 'spans', from, to, limit: 200 })),
    enabled: !!service && can('traces:read'),
    select: (r) => [...r.events].filter((e) => e.kind === 'span').sort((a, b) => (b.kind === 'span' ? b.durationMs : 0) - (a.kind === 'span' ? a.durationMs : 0)).slice(0, 8),
  })
  return (
    <Drawer title={n.kind === 'queue' ? `Queue ${n.id.slice(6)}` : n.id} onClose={onClose}>
      <p>{n.requests.toLocaleString()} {n.kind === 'queue' ? 'messages published' : 'requests handled'} · {(n.errorRate * 100).toFixed(2)}% errors · p95 {n.p95Ms === null ? '–' : formatDuration(n.p95Ms)}</p>
      {service && <>
        <h2>Top errors</h2>
        {errors.isPending ? <Loading what="errors" /> : errors.error ? <ErrorState error={errors.error} /> : errors.data.values.length === 0 ? <p className="muted">No error logs in this range.</p>
          : <ul>{errors.data.values.map((v) => <li key={v.value}><span className="mono">{v.value}</span> <span className="muted">×{v.count}</span></li>)}</ul>}
        {can('traces:read') && <>
          <h2>Slowest operations</h2>
          {slow.isPending ? <Loading what="spans" /> : slow.error ? <ErrorState error={slow.error} /> : (
            <ul>{slow.data.map((s, i) => s.kind === 'span' && <li key={i}><Link href={`/traces/${s.traceId}`}>{s.name}</Link> <span className="muted">{formatDuration(s.durationMs)}</span></li>)}</ul>
          )}
        </>}
        {can('logs:read') && <Link href={`/search?q=${encodeURIComponent(`service:${JSON.stringify(service)} level:error`)}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`}>Errors in search →</Link>}
      </>}
    </Drawer>
  )
}
