import { useMemo, useRef, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { useVirtualizer } from '@tanstack/react-virtual'
import { Link, useParams } from 'wouter'
import { api } from '../../api/client.ts'
import type { SpanHit, TraceResponse } from '../../api/types.ts'
import { ErrorState, Loading } from '../../components/States/index.tsx'
import { layoutTrace, serviceColor, visibleRows, type Row } from '../../model/trace-layout.ts'
import { exactTitle, formatDuration, formatLocal } from '../../model/time.ts'
import { isInternal } from '../../model/hit-fields.ts'

/** One trace: the waterfall (virtualized, collapsible, critical path), span details, the trace's logs. */
export default function TracePage() {
  const { id } = useParams<{ id: string }>()
  const q = useQuery({ queryKey: ['trace', id], queryFn: () => api<TraceResponse>(`/api/traces/${encodeURIComponent(id)}`) })
  const layout = useMemo(() => (q.data ? layoutTrace(q.data.spans) : null), [q.data])
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set())
  const [filter, setFilter] = useState('')
  const [selected, setSelected] = useState<string | null>(null)
  const rows = useMemo(() => {
    if (!layout) return []
    const vis = visibleRows(layout.rows, collapsed)
    const f = filter.trim().toLowerCase()
    return f ? vis.filter((r) => `${r.span.service} ${r.span.name} ${Object.values(r.span.attributes).join(' ')}`.toLowerCase().includes(f)) : vis
  }, [layout, collapsed, filter])
  if (q.isPending) return <div className="page"><Loading what={`trace ${id}`} /></div>
  if (q.error) return <div className="page"><ErrorState error={q.error} action={<Link href="/traces">Search traces</Link>} /></div>
  const t = q.data
  const sel = t.spans.find((s) => s.spanId === selected) ?? null
  const services = [...new Set(t.spans.map((s) => s.service))]
  return (
    <div className="page full">
      <div className="row">
        <h1 style={{ margin: 0 }}>Trace <span className="mono">{t.traceId}</span></h1>
        <span className="badge">{formatDuration(t.durationMs)}</span>
        <span className="badge">{t.spans.length} spans</span>
        <span className={`badge${t.errors ? ' err' : ''}`}>{t.errors} errors</span>
        <span className="grow" />
        <Link className="small" href={`/search?q=${encodeURIComponent(`trace:${t.traceId}`)}&from=now-7d`}>Logs in search</Link>
      </div>
      <div className="row" aria-label="Services">
        {services.map((s) => <span key={s} className="badge"><span className="swatch" style={{ background: serviceColor(s) }} />{s}</span>)}
        <span className="badge" style={{ borderColor: 'var(--critical)' }}>critical path outlined</span>
        <span className="grow" />
        <input aria-label="Filter spans" placeholder="Filter spans (service, name, attribute)" value={filter} onChange={(e) => setFilter(e.target.value)} size={36} />
      </div>
      <div className="trace-layout">
        <Waterfall rows={rows} total={layout!.durationMs} collapsed={collapsed} selected={selected}
          onToggle={(id) => setCollapsed((c) => { const n = new Set(c); if (n.has(id)) n.delete(id); else n.add(id); return n })}
          onSelect={setSelected} />
        <aside className="panel" style={{ overflow: 'auto' }} aria-label="Span details and logs">
          {sel ? <SpanDetails span={sel} onClose={() => setSelected(null)} /> : <p className="muted">Select a span to see its attributes and events.</p>}
          <h2 style={{ marginTop: 12 }}>Logs of this trace ({t.logs.length})</h2>
          {t.logs.length === 0 && <p className="muted">No logs carry this trace id.</p>}
          {t.logs.map((l, i) => (
            <div key={i} className="ctx-row" style={{ gridTemplateColumns: '90px 50px 1fr' }} onClick={() => setSelected(l.spanId || null)}>
              <span className="mono" title={exactTitle(l.time)}>{formatLocal(l.time).slice(11)}</span>
              <span className={`lvl lvl-${(l.level || 'INFO').toUpperCase()}`}>{l.level}</span>
              <span className="mono" style={{ wordBreak: 'break-word' }}><b>{l.service}</b> {l.body}</span>
            </div>
          ))}
        </aside>
      </div>
    </div>
  )
}

function Waterfall({ rows, total, collapsed, selected, onToggle, onSelect }: {
  rows: Row<SpanHit>[]; total: number; collapsed: Set<string>; selected: string | null
  onToggle(id: string): void; onSelect(id: string): void
}) {
  const scroller = useRef<HTMLDivElement>(null)
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => 26, overscan: 20 })
  return (
    <div ref={scroller} className="waterfall" role="tree" aria-label="Spans (waterfall)">
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {v.getVirtualItems().map((item) => {
          const r = rows[item.index]
          const s = r.span
          const isErr = s.status === 'Error'
          return (
            <div key={item.key} role="treeitem" aria-level={r.depth + 1} aria-selected={selected === s.spanId} aria-expanded={r.childCount ? !collapsed.has(s.spanId) : undefined}
              className={`span-row${selected === s.spanId ? ' selected' : ''}`} data-service={s.service} data-critical={r.critical}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }} onClick={() => onSelect(s.spanId)}>
              <div className="span-label" style={{ paddingLeft: 6 + Math.min(r.depth, 24) * 12 }}>
                {r.childCount > 0
                  ? <button type="button" className="toggle" aria-label={`${collapsed.has(s.spanId) ? 'Expand' : 'Collapse'} ${s.name}`} onClick={(e) => { e.stopPropagation(); onToggle(s.spanId) }}>{collapsed.has(s.spanId) ? '▸' : '▾'}</button>
                  : <span className="toggle" />}
                <span className="swatch" style={{ background: serviceColor(s.service) }} />
                {r.queueHop && <span className="hop" title="Message hop: producer → queue → consumer">⇢ {s.attributes['messaging.destination.name'] ?? 'queue'}</span>}
                <span className={`svc${isErr ? ' err-text' : ''}`}>{s.service}</span>
                <span className="op">{s.name}</span>
              </div>
              <div className="span-track">
                <div className={`span-bar${isErr ? ' error' : ''}${r.critical ? ' critical' : ''}`} title={`${s.service} ${s.name}: ${formatDuration(r.durationMs)} at +${formatDuration(r.startMs)}`}
                  style={{ left: `${r.left * 100}%`, width: `${Math.max(r.width * 100, 0.15)}%`, background: serviceColor(s.service) }} />
                <span className="span-dur" style={r.left + r.width > 0.8 ? { right: `${(1 - r.left) * 100 + 0.5}%` } : { left: `${(r.left + r.width) * 100 + 0.5}%` }}>{formatDuration(r.durationMs)}</span>
              </div>
            </div>
          )
        })}
      </div>
      {rows.length === 0 && <div className="state">No span matches the filter ({formatDuration(total)} trace).</div>}
    </div>
  )
}

function SpanDetails({ span, onClose }: { span: SpanHit; onClose(): void }) {
  return (
    <div>
      <div className="row"><h2 className="grow" style={{ margin: 0 }}>{span.service} · {span.name}</h2><button type="button" className="ghost small" onClick={onClose} aria-label="Close span details">✕</button></div>
      <div className="kv" style={{ gridTemplateColumns: '130px 1fr', marginTop: 6 }}>
        {[['kind', span.spanKind], ['status', `${span.status}${span.statusMessage ? ' — ' + span.statusMessage : ''}`], ['duration', formatDuration(span.durationMs)],
          ['start', formatLocal(span.time)], ['span id', span.spanId], ['parent', span.parentSpanId || '—'],
          ...(span.orderId ? [['order', span.orderId]] : []),
          ...Object.entries(span.attributes).filter(([k]) => !isInternal(k)).sort()].map(([k, v]) => (
          <div key={k} style={{ display: 'contents' }}><span className="k">{k}</span><span className="v">{k === 'order' ? <Link href={`/orders/${encodeURIComponent(v)}`}>{v}</Link> : v}</span></div>
        ))}
      </div>
      {span.events.length > 0 && <>
        <h2 style={{ marginTop: 10 }}>Events</h2>
        {span.events.map((e, i) => <div key={i} className="mono" style={{ fontSize: 12 }}>{formatLocal(e.time).slice(11)} <b>{e.name}</b> {Object.entries(e.attributes).map(([k, v]) => `${k}=${v}`).join(' ')}</div>)}
      </>}
    </div>
  )
}
