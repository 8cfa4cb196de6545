import { useQuery, useMutation, useQueryClient } from '@tanstack/react-query'
import { api, apiPath } from '../../api/client.ts'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { useAuth } from '../../components/Auth/auth.tsx'
import { formatLocal } from '../../model/time.ts'
import { labelText, seconds, type Incident, type ServiceMttr } from './model.ts'

/** MTTA / MTTR per service over a range. */
export function MttrTable({ from = 'now-30d' }: { from?: string }) {
  const q = useQuery({ queryKey: ['alerts-mttr', from], queryFn: () => api<{ services: ServiceMttr[] }>(apiPath('/api/alerts/incidents/stats', { from })), refetchInterval: 60_000 })
  if (q.isPending) return <Loading what="MTTR" />
  if (q.error) return <ErrorState error={q.error} />
  if (q.data.services.length === 0) return <Empty title="No incidents in the range" />
  return (
    <table className="grid" aria-label="Time to acknowledge and resolve, per service">
      <thead><tr><th>Service</th><th className="num">Incidents</th><th className="num">Open</th><th className="num">MTTA</th><th className="num">MTTR</th></tr></thead>
      <tbody>{q.data.services.map((s) => <tr key={s.service}><td>{s.service || '—'}</td><td className="num">{s.incidents}</td><td className="num">{s.open}</td><td className="num">{seconds(s.mttaSeconds)}</td><td className="num">{seconds(s.mttrSeconds)}</td></tr>)}</tbody>
    </table>
  )
}

/** Incidents (open first), with acknowledge. */
export function IncidentList({ status, limit = 200 }: { status?: 'open'; limit?: number }) {
  const { can } = useAuth()
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['alerts-incidents', status, limit], queryFn: () => api<{ incidents: Incident[] }>(apiPath('/api/alerts/incidents', { status, from: 'now-30d', limit })), refetchInterval: 15_000 })
  const ack = useMutation({
    mutationFn: (id: string) => api(`/api/alerts/incidents/${encodeURIComponent(id)}/ack`, { method: 'POST', json: { note: '' } }),
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: ['alerts-incidents'] }), qc.invalidateQueries({ queryKey: ['alerts-mttr'] })]),
  })
  if (q.isPending) return <Loading what="incidents" />
  if (q.error) return <ErrorState error={q.error} />
  if (q.data.incidents.length === 0) return <Empty title={status === 'open' ? 'No open incidents' : 'No incidents in the last 30 days'} />
  return (
    <table className="grid" aria-label="Incidents">
      <thead><tr><th>Opened</th><th>Status</th><th>Rule</th><th>Group</th><th>Acknowledged</th><th>Resolved</th><th /></tr></thead>
      <tbody>{q.data.incidents.map((i) => (
        <tr key={i.id} data-incident={i.id}>
          <td>{formatLocal(i.openedAt)}</td>
          <td><span className={`badge${i.status === 'open' ? ' err' : i.status === 'resolved' ? ' ok' : ''}`}>{i.status}</span></td>
          <td>{i.ruleName}<div className="muted small">{i.summary}</div></td>
          <td className="mono">{labelText(i.labels) || '—'}</td>
          <td>{i.ackedAt ? `${i.ackedBy} · ${formatLocal(i.ackedAt)}` : '—'}</td>
          <td>{i.resolvedAt ? formatLocal(i.resolvedAt) : '—'}</td>
          <td className="row">
            {i.links.search && <a className="small" href={i.links.search.replace(/^https?:\/\/[^/]+/, '')}>records</a>}
            {!i.ackedAt && !i.resolvedAt && can('alerts:manage') && <button className="small" disabled={ack.isPending} onClick={() => ack.mutate(i.id)}>Acknowledge</button>}
          </td>
        </tr>
      ))}</tbody>
    </table>
  )
}
