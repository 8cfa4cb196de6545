import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Link, useLocation, useSearch } from 'wouter'
import { api, apiPath } from '../../api/client.ts'
import type { OrderRow } from '../../api/types.ts'
import { TimeRange } from '../../components/TimeRange/index.tsx'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { exactTitle, formatDuration, formatLocal } from '../../model/time.ts'

/** The order desk: open an order by number, or pick from recent orders; stuck ones stand out. */
export default function OrdersPage() {
  const [, navigate] = useLocation()
  const p = new URLSearchParams(useSearch())
  const from = p.get('from') ?? 'now-24h'
  const to = p.get('to') ?? 'now'
  const status = p.get('status') ?? ''
  const stuck = p.get('stuck') === 'true'
  const [orderId, setOrderId] = useState('')
  const set = (patch: Record<string, string>) => {
    const next = new URLSearchParams({ from, to, status, stuck: stuck ? 'true' : '', ...patch })
    for (const [k, v] of [...next]) if (!v) next.delete(k)
    navigate('/orders?' + next.toString())
  }
  const q = useQuery({
    queryKey: ['orders', from, to, status, stuck],
    queryFn: () => api<{ orders: OrderRow[]; stuckAfterMinutes: number }>(apiPath('/api/orders', { from, to, status, stuck: stuck ? 'true' : '' })),
    refetchInterval: 30_000,
  })
  const statuses = [...new Set(q.data?.orders.map((o) => o.status) ?? [])].sort()
  const stuckCount = q.data?.orders.filter((o) => o.stuck).length ?? 0
  return (
    <div className="page">
      <h1>Orders</h1>
      <form className="row" onSubmit={(e) => { e.preventDefault(); if (orderId.trim()) navigate(`/orders/${encodeURIComponent(orderId.trim())}`) }}>
        <input aria-label="Order number" placeholder="Order number, e.g. ORD-1042" value={orderId} onChange={(e) => setOrderId(e.target.value)} size={30} className="mono" />
        <button type="submit" className="primary">Open timeline</button>
      </form>
      <div className="row">
        <TimeRange from={from} to={to} onChange={(f, t) => set({ from: f, to: t })} />
        <select aria-label="Status" value={status} onChange={(e) => set({ status: e.target.value })}>
          <option value="">Any status</option>
          {statuses.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <label className="row"><input type="checkbox" checked={stuck} onChange={(e) => set({ stuck: e.target.checked ? 'true' : '' })} /> Stuck only</label>
        {q.data && <span className="muted">{q.data.orders.length} orders · <b className={stuckCount ? 'err-text' : ''}>{stuckCount} stuck</b> (no change for {q.data.stuckAfterMinutes} min, or failed)</span>}
      </div>
      {q.isPending ? <Loading what="orders" /> : q.error ? <ErrorState error={q.error} /> : q.data.orders.length === 0 ? <Empty title={stuck ? 'No stuck orders' : 'No orders in this range'} hint="Widen the time range; orders appear once a service logs an order id." /> : (
        <table className="grid" aria-label="Recent orders">
          <thead><tr><th>Order</th><th>Status</th><th>Last change</th><th className="num">Age</th><th>Last service</th><th className="num">Errors</th><th className="num">Complaints</th><th>Stuck</th></tr></thead>
          <tbody>
            {q.data.orders.map((o) => (
              <tr key={o.orderId} className={o.stuck ? 'stuck' : ''} data-stuck={o.stuck}>
                <td><Link href={`/orders/${encodeURIComponent(o.orderId)}`} className="mono">{o.orderId}</Link></td>
                <td><span className={`badge${o.status === 'failed' ? ' err' : ''}`}>{o.status}</span></td>
                <td className="mono" title={o.lastChange ? exactTitle(o.lastChange) : ''}>{o.lastChange ? formatLocal(o.lastChange, false) : '—'}</td>
                <td className="num">{formatDuration(o.ageSeconds * 1000)}</td>
                <td>{o.lastService}</td>
                <td className="num">{o.errors ? <span className="err-text">{o.errors}</span> : 0}</td>
                <td className="num">{o.complaints || ''}</td>
                <td>{o.stuck && <span className="err-text">⚠ {o.reason}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
