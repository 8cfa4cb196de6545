import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Link, useLocation, useSearch } from 'wouter'
import { api, apiPath } from '../../api/client.ts'
import type { TraceSummary } from '../../api/types.ts'
import { TimeRange } from '../../components/TimeRange/index.tsx'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { exactTitle, formatDuration, formatLocal } from '../../model/time.ts'
import { serviceColor } from '../../model/trace-layout.ts'

/** Find traces by service, operation, duration and query; open one by id. */
export default function TracesPage() {
  const [, navigate] = useLocation()
  const p = new URLSearchParams(useSearch())
  const params = { service: p.get('service') ?? '', operation: p.get('operation') ?? '', minDuration: p.get('minDuration') ?? '', maxDuration: p.get('maxDuration') ?? '', q: p.get('q') ?? '', from: p.get('from') ?? 'now-1h', to: p.get('to') ?? 'now' }
  const [form, setForm] = useState(params)
  const [traceId, setTraceId] = useState('')
  const set = (next: typeof params) => navigate('/traces?' + new URLSearchParams(Object.entries(next).filter(([, v]) => v !== '')).toString())
  const q = useQuery({ queryKey: ['traces', params], queryFn: () => api<{ traces: TraceSummary[] }>(apiPath('/api/traces', { ...params, limit: 100 })) })
  return (
    <div className="page">
      <h1>Traces</h1>
      <form className="row panel" onSubmit={(e) => { e.preventDefault(); set(form) }}>
        <input aria-label="Service" placeholder="service" value={form.service} onChange={(e) => setForm({ ...form, service: e.target.value })} size={14} />
        <input aria-label="Operation" placeholder="operation" value={form.operation} onChange={(e) => setForm({ ...form, operation: e.target.value })} size={16} />
        <input aria-label="Minimum duration" placeholder="min (e.g. 200ms)" value={form.minDuration} onChange={(e) => setForm({ ...form, minDuration: e.target.value })} size={12} />
        <input aria-label="Maximum duration" placeholder="max" value={form.maxDuration} onChange={(e) => setForm({ ...form, maxDuration: e.target.value })} size={8} />
        <input aria-label="Span query" placeholder='query, e.g. level:error order:ORD-1' value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} className="grow" />
        <TimeRange from={form.from} to={form.to} onChange={(from, to) => setForm({ ...form, from, to })} />
        <button type="submit" className="primary">Find traces</button>
      </form>
      <form className="row" onSubmit={(e) => { e.preventDefault(); if (traceId.trim()) navigate(`/traces/${traceId.trim()}`) }}>
        <input aria-label="Trace id" placeholder="Open a trace by id (32 hex characters)" value={traceId} onChange={(e) => setTraceId(e.target.value)} size={40} className="mono" />
        <button type="submit">Open</button>
      </form>
      {q.isPending ? <Loading what="traces" /> : q.error ? <ErrorState error={q.error} /> : q.data.traces.length === 0 ? <Empty title="No traces match" hint="Widen the time range or loosen the duration." /> : (
        <table className="grid">
          <thead><tr><th>Start</th><th>Root</th><th>Services</th><th className="num">Spans</th><th className="num">Errors</th><th className="num">Duration</th></tr></thead>
          <tbody>
            {q.data.traces.map((t) => (
              <tr key={t.traceId}>
                <td className="mono" title={exactTitle(t.start)}>{formatLocal(t.start)}</td>
                <td><Link href={`/traces/${t.traceId}`}>{t.rootService} · {t.rootOperation}</Link></td>
                <td>{t.services.map((s) => <span key={s} className="badge"><span className="swatch" style={{ background: serviceColor(s) }} />{s}</span>)}</td>
                <td className="num">{t.spanCount}</td>
                <td className="num">{t.errorCount ? <span className="err-text">{t.errorCount}</span> : 0}</td>
                <td className="num">{formatDuration(t.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
