import { useQuery } from '@tanstack/react-query'
import { Link, useLocation, useSearch } from 'wouter'
import { api } from '../../api/client.ts'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { formatLocal } from '../../model/time.ts'
import { labelText, type AlertRow } from './model.ts'
import { IncidentList, MttrTable } from './incidents.tsx'
import { RulesTab } from './rules.tsx'
import { ChannelsTab, SilencesTab } from './channels.tsx'

const TABS = [['alerts', 'Alerts'], ['incidents', 'Incidents'], ['rules', 'Rules'], ['channels', 'Channels'], ['silences', 'Silences']] as const

/** Alerting: firing and pending alerts, incidents with MTTA/MTTR, rules with preview, channels, silences. */
export default function AlertsPage() {
  const tab = new URLSearchParams(useSearch()).get('tab') ?? 'alerts'
  const [, navigate] = useLocation()
  return (
    <div className="page">
      <h1>Alerts</h1>
      <div className="row" role="tablist">
        {TABS.map(([id, label]) => <button key={id} role="tab" aria-selected={tab === id} className={tab === id ? 'primary' : ''} onClick={() => navigate(`/alerts?tab=${id}`)}>{label}</button>)}
      </div>
      {tab === 'alerts' && <CurrentAlerts />}
      {tab === 'incidents' && <><h2>Time to acknowledge and resolve (30 days)</h2><MttrTable /><h2>Incidents</h2><IncidentList /></>}
      {tab === 'rules' && <RulesTab />}
      {tab === 'channels' && <ChannelsTab />}
      {tab === 'silences' && <SilencesTab />}
    </div>
  )
}

function CurrentAlerts() {
  const q = useQuery({ queryKey: ['alerts-current'], queryFn: () => api<{ alerts: AlertRow[] }>('/api/alerts'), refetchInterval: 5000 })
  if (q.isPending) return <Loading what="alerts" />
  if (q.error) return <ErrorState error={q.error} />
  if (q.data.alerts.length === 0) return <Empty title="Nothing is firing" hint="Rules and built-in detectors are evaluated continuously; see the Rules tab." />
  const sorted = [...q.data.alerts].sort((a, b) => (a.state === b.state ? b.since.localeCompare(a.since) : a.state === 'firing' ? -1 : 1))
  return (
    <table className="grid" aria-label="Firing and pending alerts">
      <thead><tr><th>State</th><th>Severity</th><th>Rule</th><th>Group</th><th className="num">Value</th><th>Since</th><th /></tr></thead>
      <tbody>{sorted.map((a) => (
        <tr key={`${a.ruleId}|${labelText(a.labels)}`}>
          <td><span className={`badge${a.state === 'firing' ? ' err' : ''}`}>{a.state}{a.flapping ? ' · flapping' : ''}{a.acknowledged ? ' · acked' : ''}</span></td>
          <td>{a.severity}</td><td>{a.rule}</td><td className="mono">{labelText(a.labels) || '—'}</td>
          <td className="num">{Number.isInteger(a.value) ? a.value : a.value.toFixed(3)}</td>
          <td>{formatLocal(a.firedAt ?? a.since)}</td>
          <td>{a.links.search && <Link className="small" href={a.links.search.replace(/^https?:\/\/[^/]+/, '')}>records</Link>}</td>
        </tr>
      ))}</tbody>
    </table>
  )
}
