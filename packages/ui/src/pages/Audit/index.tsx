import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { api, apiPath } from '../../api/client.ts'
import { TimeRange } from '../../components/TimeRange/index.tsx'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { exactTitle, formatLocal } from '../../model/time.ts'
import { checkLinks } from '../../model/audit-chain.ts'

interface Entry { seq: number; time: string; actor: string; action: string; target: string; client: string; result: string; rows: number; detail: string; hash: string; prevHash: string }

/** The access audit (who read or changed what), filterable, with the chain's link check. */
export default function AuditPage() {
  const [user, setUser] = useState('')
  const [action, setAction] = useState('')
  const [range, setRange] = useState({ from: 'now-24h', to: 'now' })
  const [applied, setApplied] = useState({ user: '', action: '' })
  const q = useQuery({
    queryKey: ['audit', applied, range],
    queryFn: () => api<{ entries: Entry[] }>(apiPath('/api/audit', { ...applied, ...range, limit: 500 })),
  })
  const chain = q.data ? checkLinks(q.data.entries) : null
  return (
    <div className="page">
      <h1>Audit</h1>
      <form className="row" onSubmit={(e) => { e.preventDefault(); setApplied({ user, action }) }}>
        <input aria-label="User" placeholder="user (e.g. alice)" value={user} onChange={(e) => setUser(e.target.value)} />
        <input aria-label="Action" placeholder="action (search, auth.login…)" value={action} onChange={(e) => setAction(e.target.value)} />
        <TimeRange from={range.from} to={range.to} onChange={(from, to) => setRange({ from, to })} />
        <button type="submit" className="primary">Filter</button>
        {chain && <span className={`badge${chain.ok ? ' ok' : ' err'}`} role="status">{chain.ok ? `Chain links intact (${chain.checked} checked)` : `Chain broken at #${chain.brokenAtSeq}`}</span>}
      </form>
      {q.isPending ? <Loading what="the audit" /> : q.error ? <ErrorState error={q.error} /> : q.data.entries.length === 0 ? <Empty title="No audit entries" hint="Widen the time range or clear the filters." /> : (
        <table className="grid" aria-label="Audit entries, newest first">
          <thead><tr><th className="num">#</th><th>Time</th><th>Actor</th><th>Action</th><th>Target</th><th>Result</th><th className="num">Rows</th><th>Client</th></tr></thead>
          <tbody>
            {q.data.entries.map((e) => (
              <tr key={e.seq}>
                <td className="num">{e.seq}</td>
                <td className="mono" title={exactTitle(e.time)}>{formatLocal(e.time)}</td>
                <td className="mono">{e.actor}</td>
                <td>{e.action}</td>
                <td className="mono" style={{ maxWidth: 380, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={e.target}>{e.target}</td>
                <td><span className={`badge${e.result === 'allowed' ? ' ok' : ' err'}`}>{e.result}</span></td>
                <td className="num">{e.rows}</td>
                <td className="mono">{e.client}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
