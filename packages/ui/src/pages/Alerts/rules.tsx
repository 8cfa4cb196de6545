import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, ApiFailure } from '../../api/client.ts'
import { Sparkline } from '../../components/Sparkline/index.tsx'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { useAuth } from '../../components/Auth/auth.tsx'
import type { Preview, Rule } from './model.ts'

const ACCENT = ['--accent']

/** Rules with on/off, a preview chart (how often it would have fired) and a small editor for new threshold rules. */
export function RulesTab() {
  const { can } = useAuth()
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['alerts-rules'], queryFn: () => api<{ rules: Rule[] }>('/api/alerts/rules') })
  const [previewOf, setPreviewOf] = useState<string | null>(null)
  const toggle = useMutation({
    mutationFn: (r: Rule) => api(`/api/alerts/rules/${encodeURIComponent(r.id)}`, { method: 'PUT', json: { enabled: !r.enabled } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['alerts-rules'] }),
  })
  if (q.isPending) return <Loading what="rules" />
  if (q.error) return <ErrorState error={q.error} />
  return (
    <>
      {can('alerts:manage') && <RuleEditor />}
      {q.data.rules.length === 0 ? <Empty title="No rules" /> : (
        <table className="grid" aria-label="Alert rules">
          <thead><tr><th>Name</th><th>Kind</th><th>Query</th><th>Condition</th><th>Severity</th><th>State</th><th /></tr></thead>
          <tbody>{q.data.rules.map((r) => (
            <tr key={r.id} data-rule={r.id}>
              <td>{r.name}<div className="muted small">{r.source}</div></td>
              <td>{r.kind}</td>
              <td className="mono">{r.query || '*'}</td>
              <td className="mono">{r.kind === 'threshold' ? `${r.aggregate} ${r.op} ${r.threshold} / ${r.windowSeconds}s` : `${r.windowSeconds}s`}{r.groupBy.length ? ` by ${r.groupBy.join(', ')}` : ''}</td>
              <td>{r.severity}</td>
              <td>{r.enabled ? <span className="badge ok">on</span> : <span className="badge">off</span>}{r.status.warmingUpGroups > 0 && <span className="badge">warming up</span>}</td>
              <td className="row">
                <button className="small" onClick={() => setPreviewOf(previewOf === r.id ? null : r.id)}>Preview</button>
                {can('alerts:manage') && <button className="small" disabled={toggle.isPending} onClick={() => toggle.mutate(r)}>{r.enabled ? 'Turn off' : 'Turn on'}</button>}
              </td>
            </tr>
          ))}</tbody>
        </table>
      )}
      {previewOf && <RulePreview id={previewOf} />}
    </>
  )
}

function RulePreview({ id }: { id: string }) {
  const [range, setRange] = useState<'24h' | '7d'>('24h')
  const q = useQuery({ queryKey: ['alerts-preview', id, range], queryFn: () => api<Preview>(`/api/alerts/rules/${encodeURIComponent(id)}/preview?range=${range}`, { method: 'POST', json: {} }) })
  return (
    <div className="card" aria-label="Rule preview">
      <div className="row"><b className="grow">Preview</b>
        <button className={range === '24h' ? 'small primary' : 'small'} onClick={() => setRange('24h')}>24 h</button>
        <button className={range === '7d' ? 'small primary' : 'small'} onClick={() => setRange('7d')}>7 d</button></div>
      {q.isPending ? <Loading what="the preview" /> : q.error ? <ErrorState error={q.error} /> : (
        <>
          <div>Would have fired <b>{q.data.firings}</b> times ({q.data.windowsOver} windows of {q.data.bucketSeconds} s over the threshold{q.data.threshold !== null ? ` ${q.data.threshold}` : ''}).</div>
          {q.data.note && <div className="muted">{q.data.note}</div>}
          <Sparkline x={q.data.series.map((p) => Date.parse(p.time) / 1000)} series={[q.data.series.map((p) => p.value)]} colors={ACCENT} height={80} label="Rule value per window" />
        </>
      )}
    </div>
  )
}

function RuleEditor() {
  const qc = useQueryClient()
  const [f, setF] = useState({ name: '', query: '', threshold: '5', windowSeconds: '60', groupBy: 'service', severity: 'warning' })
  const create = useMutation({
    mutationFn: () => api('/api/alerts/rules', { method: 'POST', json: { name: f.name, kind: 'threshold', query: f.query, threshold: Number(f.threshold), windowSeconds: Number(f.windowSeconds), groupBy: f.groupBy.split(',').map((s) => s.trim()).filter(Boolean), severity: f.severity } }),
    onSuccess: () => { setF({ ...f, name: '', query: '' }); void qc.invalidateQueries({ queryKey: ['alerts-rules'] }) },
  })
  const err = create.error instanceof ApiFailure ? create.error : null
  return (
    <form className="card" aria-label="New threshold rule" onSubmit={(e) => { e.preventDefault(); create.mutate() }}>
      <b>New rule: count of matching records over a window</b>
      <div className="row">
        <input aria-label="Rule name" placeholder="name" required value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
        <input aria-label="Query" placeholder="query, e.g. http.status:>=500" className="mono grow" value={f.query} onChange={(e) => setF({ ...f, query: e.target.value })} />
        <label>≥ <input aria-label="Threshold" type="number" style={{ width: 70 }} value={f.threshold} onChange={(e) => setF({ ...f, threshold: e.target.value })} /></label>
        <label>in <input aria-label="Window seconds" type="number" step={10} style={{ width: 70 }} value={f.windowSeconds} onChange={(e) => setF({ ...f, windowSeconds: e.target.value })} /> s</label>
        <input aria-label="Group by" placeholder="group by (comma-separated)" value={f.groupBy} onChange={(e) => setF({ ...f, groupBy: e.target.value })} />
        <select aria-label="Severity" value={f.severity} onChange={(e) => setF({ ...f, severity: e.target.value })}><option>critical</option><option>warning</option><option>info</option></select>
        <button type="submit" className="primary" disabled={create.isPending}>Create</button>
      </div>
      {err && <div className="err-text" role="alert">{err.message}{typeof err.position === 'number' && <pre className="mono">{f.query}{'\n'}{' '.repeat(err.position)}^</pre>}</div>}
    </form>
  )
}
