import { useMemo } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Link } from 'wouter'
import { api, apiPath } from '../../api/client.ts'
import type { AggregateResponse, SearchResponse } from '../../api/types.ts'
import { Sparkline } from '../../components/Sparkline/lazy.tsx'
import { useAuth } from '../../components/Auth/auth.tsx'
import { exactTitle, formatDuration } from '../../model/time.ts'
import { complaintsByDay, perLocalDay, stageMedians, startOfLocalDays, type Complaint, type StatusChange } from '../../model/overview.ts'

const STATUS_CHANGES = 'event.action:order.status_changed'
const COMPLAINTS = 'event.action:order.complaint'
const COMPLAINT_DAYS = 7
const ACCENT = ['--accent']

/**
 * Order processing speed: status changes in the range (count and chart), and per status the
 * orders that entered it (`/api/aggregate`, counts: analysts see these too) and the median time
 * orders spent in it (from the status-change records: readers of logs only).
 */
export function OrderSpeedCard({ from, to, changes }: { from: string; to: string; changes?: { x: number[]; total: number[]; sum: number } }) {
  const { can } = useAuth()
  const entered = useQuery({
    queryKey: ['order-stage-counts', from, to],
    queryFn: () => api<AggregateResponse>(apiPath('/api/aggregate', { q: STATUS_CHANGES, from, to, metrics: 'count', groupBy: 'order.status.to', top: 20 })),
    staleTime: 30_000,
  })
  const records = useQuery({
    queryKey: ['order-stage-changes', from, to],
    queryFn: () => api<SearchResponse>(apiPath('/api/search', { q: STATUS_CHANGES, from, to, limit: 1000, fields: 'order.id,order.status.from,order.status.to' })),
    enabled: can('logs:read'),
    staleTime: 30_000,
  })
  const speed = useMemo(() => {
    if (!records.data) return null
    const list: StatusChange[] = records.data.events.map((e) => ({
      orderId: e.attributes?.['order.id'] ?? e.orderId ?? '', timeMs: Date.parse(e.time),
      from: e.attributes?.['order.status.from'] ?? '', to: e.attributes?.['order.status.to'] ?? '',
    }))
    return stageMedians(list)
  }, [records.data])
  const counts = new Map((entered.data?.rows ?? []).map((r) => [r.key['order.status.to'] ?? '', r.values.count ?? 0]))
  const stages = speed ? speed.map((s) => s.stage) : [...counts.keys()]
  for (const s of counts.keys()) if (!stages.includes(s)) stages.push(s)
  return (
    <div className="card" aria-label="Order processing speed">
      <h2>Order processing speed</h2>
      <div className="figure"><b>{changes?.sum.toLocaleString() ?? '…'}</b><span>status changes in the range</span></div>
      {changes && <Sparkline x={changes.x} series={[changes.total]} colors={ACCENT} label="Order status changes over time" />}
      {stages.length > 0 ? (
        <table className="mini" aria-label="Time per order stage">
          <thead><tr><th>stage</th><th title="Orders that entered the stage in the range">entered</th><th title="Median time orders spent in the stage before their next status change">median time</th></tr></thead>
          <tbody>
            {stages.filter((s) => s).map((stage) => {
              const sp = speed?.find((x) => x.stage === stage)
              return (
                <tr key={stage} data-stage={stage}>
                  <td className="mono">{stage}</td>
                  <td>{counts.get(stage)?.toLocaleString() ?? '–'}</td>
                  <td title={sp ? `median of ${sp.orders} orders that moved on` : 'no order left this stage in the range'}>{sp ? formatDuration(sp.medianMs) : '–'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      ) : entered.isPending ? <span className="muted">Loading stages…</span> : <span className="muted">No order changed status in this range.</span>}
      {records.data?.nextCursor && <span className="muted" style={{ fontSize: 11 }}>median times from the latest 1,000 status changes</span>}
      {!can('logs:read') && <span className="muted" style={{ fontSize: 11 }}>median times need a role that reads logs</span>}
      {can('logs:read') && <Link href="/orders">Open the order desk →</Link>}
    </div>
  )
}

/**
 * Customer complaints per calendar day in the browser's zone over the last 7 days (counts from
 * `/api/aggregate` in 15-minute buckets), and for readers of logs each complaint linked to its
 * order's timeline.
 */
export function ComplaintsCard() {
  const { can } = useAuth()
  // The window starts at local midnight, six days ago; fixed per minute so the query key is stable.
  const now = Math.floor(Date.now() / 60_000) * 60_000
  const from = new Date(startOfLocalDays(now, COMPLAINT_DAYS)).toISOString()
  const to = new Date(now + 60_000).toISOString()
  const counts = useQuery({
    queryKey: ['complaints-per-day', from],
    queryFn: () => api<AggregateResponse>(apiPath('/api/aggregate', { q: COMPLAINTS, from, to, metrics: 'count', interval: '15m' })),
    staleTime: 60_000,
  })
  const list = useQuery({
    queryKey: ['complaints-list', from],
    queryFn: () => api<SearchResponse>(apiPath('/api/search', { q: COMPLAINTS, from, to, limit: 200, fields: 'order.id,complaint.reason' })),
    enabled: can('logs:read'),
    staleTime: 60_000,
  })
  const days = useMemo(() => counts.data ? perLocalDay(counts.data.rows.map((r) => ({ time: r.time, count: r.values.count ?? 0 })), now, COMPLAINT_DAYS) : null, [counts.data, now])
  const byDay = useMemo(() => {
    if (!list.data) return new Map<string, Complaint[]>()
    const all: Complaint[] = list.data.events.map((e) => ({ orderId: e.attributes?.['order.id'] ?? e.orderId ?? '', timeMs: Date.parse(e.time), reason: e.attributes?.['complaint.reason'] ?? '' }))
    return new Map(complaintsByDay(all).map((d) => [d.day, d.complaints]))
  }, [list.data])
  const total = days?.reduce((a, d) => a + d.count, 0)
  const max = Math.max(1, ...(days ?? []).map((d) => d.count))
  return (
    <div className="card" aria-label="Customer complaints per day">
      <h2>Customer complaints per day</h2>
      <div className="figure"><b>{total?.toLocaleString() ?? '…'}</b><span>in the last {COMPLAINT_DAYS} calendar days (your time zone)</span></div>
      {days && (
        <ul className="days" aria-label="Complaints per day">
          {[...days].reverse().map((d) => {
            const items = byDay.get(d.day) ?? []
            const label = new Date(`${d.day}T12:00:00`).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })
            return (
              <li key={d.day} data-day={d.day} data-count={d.count}>
                <details>
                  <summary>
                    <span className="day-label">{label}</span>
                    <span className="day-bar" aria-hidden="true"><span style={{ width: `${(d.count / max) * 100}%` }} /></span>
                    <b>{d.count}</b>
                  </summary>
                  {items.length > 0 && (
                    <ul className="day-items">
                      {items.map((c, i) => (
                        <li key={i}>
                          <span className="mono muted" title={exactTitle(new Date(c.timeMs).toISOString())}>{new Date(c.timeMs).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}</span>{' '}
                          {c.orderId ? <Link href={`/orders/${encodeURIComponent(c.orderId)}`}>order {c.orderId}</Link> : <span className="muted">no order id</span>}
                          {c.reason && <span className="muted"> — {c.reason}</span>}
                        </li>
                      ))}
                    </ul>
                  )}
                </details>
              </li>
            )
          })}
        </ul>
      )}
      {can('logs:read') && <Link href={`/search?q=${encodeURIComponent(COMPLAINTS)}&from=now-7d`}>All complaints in search →</Link>}
    </div>
  )
}
