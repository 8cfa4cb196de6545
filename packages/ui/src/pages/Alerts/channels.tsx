import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client.ts'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { useAuth } from '../../components/Auth/auth.tsx'
import { formatLocal } from '../../model/time.ts'
import { labelText, parseMatchers, type Channel, type Silence } from './model.ts'

/** Channels (secrets masked) with "send test". */
export function ChannelsTab() {
  const { can } = useAuth()
  const q = useQuery({ queryKey: ['alerts-channels'], queryFn: () => api<{ channels: Channel[] }>('/api/alerts/channels') })
  const [result, setResult] = useState<Record<string, string>>({})
  const test = useMutation({
    mutationFn: (c: Channel) => api<{ ok: boolean; status: number; error?: string }>(`/api/alerts/channels/${encodeURIComponent(c.id)}/test`, { method: 'POST', json: {} }),
    onSuccess: (r, c) => setResult((m) => ({ ...m, [c.id]: r.ok ? `delivered (HTTP ${r.status})` : `failed: ${r.error}` })),
    onError: (e, c) => setResult((m) => ({ ...m, [c.id]: `failed: ${(e as Error).message}` })),
  })
  if (q.isPending) return <Loading what="channels" />
  if (q.error) return <ErrorState error={q.error} />
  if (q.data.channels.length === 0) return <Empty title="No channels" hint="Add a Slack, Telegram or webhook channel through the API or alerts.channels in beacon.config.yaml (docs/alerting.md)." />
  return (
    <table className="grid" aria-label="Notification channels">
      <thead><tr><th>Name</th><th>Type</th><th>Settings</th><th>Default</th><th /></tr></thead>
      <tbody>{q.data.channels.map((c) => (
        <tr key={c.id}>
          <td>{c.name}</td><td>{c.type}</td>
          <td className="mono">{labelText({ ...c.settings, ...c.secrets })}</td>
          <td>{c.default ? 'yes' : ''}</td>
          <td className="row">{can('alerts:manage') && <button className="small" onClick={() => test.mutate(c)}>Send test</button>}<span role="status">{result[c.id]}</span></td>
        </tr>
      ))}</tbody>
    </table>
  )
}

/** Silences and maintenance windows; create a one-off silence. */
export function SilencesTab() {
  const { can } = useAuth()
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['alerts-silences'], queryFn: () => api<{ silences: Silence[] }>('/api/alerts/silences') })
  const [f, setF] = useState({ matchers: '', hours: '2', comment: '' })
  const [problem, setProblem] = useState('')
  const create = useMutation({
    mutationFn: (matchers: Record<string, string>) => api('/api/alerts/silences', { method: 'POST', json: { matchers, endsAt: new Date(Date.now() + Number(f.hours) * 3_600_000).toISOString(), comment: f.comment } }),
    onSuccess: () => { setF({ matchers: '', hours: '2', comment: '' }); void qc.invalidateQueries({ queryKey: ['alerts-silences'] }) },
  })
  const end = useMutation({ mutationFn: (id: string) => api(`/api/alerts/silences/${encodeURIComponent(id)}`, { method: 'DELETE' }), onSuccess: () => qc.invalidateQueries({ queryKey: ['alerts-silences'] }) })
  return (
    <>
      {can('alerts:manage') && (
        <form className="row" aria-label="New silence" onSubmit={(e) => { e.preventDefault(); const m = parseMatchers(f.matchers); if (!m) { setProblem('matchers: label=value pairs separated by spaces'); return } setProblem(''); create.mutate(m) }}>
          <input aria-label="Matchers" className="mono grow" placeholder="service=crm-api severity=critical" value={f.matchers} onChange={(e) => setF({ ...f, matchers: e.target.value })} />
          <label>for <input aria-label="Hours" type="number" min={1} style={{ width: 60 }} value={f.hours} onChange={(e) => setF({ ...f, hours: e.target.value })} /> h</label>
          <input aria-label="Comment" placeholder="why" value={f.comment} onChange={(e) => setF({ ...f, comment: e.target.value })} />
          <button className="primary" type="submit">Silence</button>
          {(problem || create.error) && <span className="err-text" role="alert">{problem || (create.error as Error).message}</span>}
        </form>
      )}
      {q.isPending ? <Loading what="silences" /> : q.error ? <ErrorState error={q.error} /> : q.data.silences.length === 0 ? <Empty title="No silences" /> : (
        <table className="grid" aria-label="Silences">
          <thead><tr><th>Matchers</th><th>When</th><th>Comment</th><th>By</th><th /></tr></thead>
          <tbody>{q.data.silences.map((s) => (
            <tr key={s.id}>
              <td className="mono">{labelText(s.matchers) || 'everything'}</td>
              <td>{s.recurring ? `days ${s.recurring.days.join(',')} at ${s.recurring.start} UTC for ${s.recurring.minutes} min` : `${s.startsAt ? formatLocal(s.startsAt) : 'now'} → ${s.endsAt ? formatLocal(s.endsAt) : '…'}`}</td>
              <td>{s.comment}</td><td>{s.createdBy}</td>
              <td>{can('alerts:manage') && <button className="small" onClick={() => end.mutate(s.id)}>End</button>}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </>
  )
}
