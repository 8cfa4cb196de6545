import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client.ts'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { useAuth } from '../../components/Auth/auth.tsx'
import type { Preview, Rule } from './model.ts'
import { PreviewView, RuleEditor } from './rule-editor.tsx'

/** Rules with on/off, a preview chart (how often it would have fired), and the editor (new rules of every kind, or a rule to change). */
export function RulesTab() {
  const { can } = useAuth()
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['alerts-rules'], queryFn: () => api<{ rules: Rule[] }>('/api/alerts/rules') })
  const [previewOf, setPreviewOf] = useState<string | null>(null)
  const [editing, setEditing] = useState<Rule | null>(null)
  const toggle = useMutation({
    mutationFn: (r: Rule) => api(`/api/alerts/rules/${encodeURIComponent(r.id)}`, { method: 'PUT', json: { enabled: !r.enabled } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['alerts-rules'] }),
  })
  if (q.isPending) return <Loading what="rules" />
  if (q.error) return <ErrorState error={q.error} />
  return (
    <>
      {can('alerts:manage') && <RuleEditor key={editing?.id ?? 'new'} editing={editing} onDone={() => setEditing(null)} />}
      {q.data.rules.length === 0 ? <Empty title="No rules" /> : (
        <table className="grid" aria-label="Alert rules">
          <thead><tr><th>Name</th><th>Kind</th><th>Query</th><th>Condition</th><th>Severity</th><th>State</th><th /></tr></thead>
          <tbody>{q.data.rules.map((r) => (
            <tr key={r.id} data-rule={r.id}>
              <td>{r.name}<div className="muted small">{r.source}</div></td>
              <td>{r.kind}</td>
              <td className="mono">{r.query || '*'}</td>
              <td className="mono">{condition(r)}</td>
              <td>{r.severity}</td>
              <td>{r.enabled ? <span className="badge ok">on</span> : <span className="badge">off</span>}{r.status.warmingUpGroups > 0 && <span className="badge">warming up</span>}</td>
              <td className="row">
                <button className="small" onClick={() => setPreviewOf(previewOf === r.id ? null : r.id)}>Preview</button>
                {can('alerts:manage') && <button className="small" onClick={() => { setEditing(r); window.scrollTo(0, 0) }}>Edit</button>}
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
      {q.isPending ? <Loading what="the preview" /> : q.error ? <ErrorState error={q.error} /> : <PreviewView data={q.data} />}
    </div>
  )
}

/** A rule's condition in a few characters, per kind. */
function condition(r: Rule): string {
  const by = r.groupBy.length ? ` by ${r.groupBy.join(', ')}` : ''
  switch (r.kind) {
    case 'threshold': {
      const agg = r.aggregate === 'percentile' ? `p${r.percentile ?? 99}(${r.field ?? ''})` : ['distinct', 'sum'].includes(r.aggregate) ? `${r.aggregate}(${r.field ?? ''})` : r.aggregate
      return `${agg} ${r.op} ${r.threshold} / ${r.windowSeconds}s${by}`
    }
    case 'absence': return `silent ${r.windowSeconds}s${by}`
    case 'new_value': return `new ${r.field ?? ''} (${r.newValueDays ?? 7} d)`
    case 'anomaly': return `anomaly ${r.anomaly?.direction ?? 'up'} ±${r.anomaly?.sensitivity ?? 4}σ / ${r.windowSeconds}s${by}`
    case 'storage_cap': return `${r.op} ${r.threshold} % of cap${by}`
    default: return `${r.windowSeconds}s${by}`
  }
}
