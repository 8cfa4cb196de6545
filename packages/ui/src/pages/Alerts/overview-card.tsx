import { useQuery } from '@tanstack/react-query'
import { Link } from 'wouter'
import { api, apiPath } from '../../api/client.ts'
import { seconds, type Incident, type ServiceMttr } from './model.ts'

/** For the Overview: open incidents and MTTR over 30 days. */
export function OpenIncidentsCard() {
  const open = useQuery({ queryKey: ['alerts-incidents', 'open', 5], queryFn: () => api<{ incidents: Incident[] }>(apiPath('/api/alerts/incidents', { status: 'open', from: 'now-30d', limit: 5 })), refetchInterval: 15_000 })
  const stats = useQuery({ queryKey: ['alerts-mttr', 'now-30d'], queryFn: () => api<{ services: ServiceMttr[] }>(apiPath('/api/alerts/incidents/stats', { from: 'now-30d' })), refetchInterval: 60_000 })
  const all = stats.data?.services ?? []
  const resolved = all.filter((s) => s.mttrSeconds !== null)
  const weighted = resolved.reduce((a, s) => a + (s.mttrSeconds ?? 0) * (s.incidents - s.open), 0)
  const count = resolved.reduce((a, s) => a + s.incidents - s.open, 0)
  return (
    <div className="card" aria-label="Open incidents">
      <h2>Open incidents</h2>
      <div className="figures">
        <div className="figure"><b className={open.data?.incidents.length ? 'err-text' : ''}>{open.data?.incidents.length ?? '…'}</b><span>open now</span></div>
        <div className="figure"><b>{count ? seconds(weighted / count) : '–'}</b><span>MTTR (30 days)</span></div>
      </div>
      {open.data?.incidents.map((i) => <div key={i.id} className="small">{i.ruleName} · {i.service || '—'}</div>)}
      <Link href="/alerts?tab=incidents">Incidents and MTTR per service →</Link>
    </div>
  )
}
