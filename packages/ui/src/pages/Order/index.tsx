import { useQuery } from '@tanstack/react-query'
import { Link, useParams } from 'wouter'
import { api } from '../../api/client.ts'
import type { TimelineResponse } from '../../api/types.ts'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { buildStages, entryKind } from '../../model/timeline.ts'
import { exactTitle, formatDuration, formatLocal } from '../../model/time.ts'
import { hitSummary } from '../../model/hit-fields.ts'
import { serviceColor } from '../../model/trace-layout.ts'

/** One order's whole story across services: status milestones, stages, requests, messages, errors. */
export default function OrderPage() {
  const { id } = useParams<{ id: string }>()
  const orderId = decodeURIComponent(id)
  const q = useQuery({ queryKey: ['timeline', orderId], queryFn: () => api<TimelineResponse>(`/api/orders/${encodeURIComponent(orderId)}/timeline`) })
  if (q.isPending) return <div className="page"><Loading what={`order ${orderId}`} /></div>
  if (q.error) return <div className="page"><ErrorState error={q.error} /></div>
  const t = q.data
  const s = t.summary
  const stages = buildStages(s.statusChanges, s.last)
  return (
    <div className="page">
      <div className="row">
        <h1 style={{ margin: 0 }}>Order <span className="mono">{t.orderId}</span></h1>
        {s.currentStatus && <span className={`badge${s.currentStatus === 'failed' ? ' err' : ' ok'}`}>{s.currentStatus}</span>}
        <span className={`badge${s.errors ? ' err' : ''}`}>{s.errors} errors</span>
        <span className="grow" />
        <Link className="small" href={`/search?q=${encodeURIComponent(`order:${JSON.stringify(t.orderId)}`)}&from=now-7d`}>All records in search</Link>
        <Link className="small" href="/orders">All orders</Link>
      </div>
      {t.entries.length === 0 ? <Empty title={`Nothing recorded for ${t.orderId}`} hint="Check the number, or whether the order is older than the retention." /> : <>
        <div className="panel">
          <h2>Stages</h2>
          {stages.length === 0 ? <p className="muted">No status changes recorded.</p> : (
            <div className="stages" aria-label="Status stages">
              {stages.map((st, i) => (
                <div key={i} className={`stage${st.failed ? ' failed' : ''}`}>
                  <div><b>{st.status}</b> <span className="muted">by {st.service}</span></div>
                  <div className="muted" title={exactTitle(st.start)}>{formatLocal(st.start, false)} · {st.durationMs === null ? '…' : formatDuration(st.durationMs)}{st.end === null ? ' so far' : ''}</div>
                </div>
              ))}
            </div>
          )}
          <div className="row" style={{ marginTop: 8 }}>
            <span className="muted">Services:</span>{s.services.map((x) => <span key={x} className="badge"><span className="swatch" style={{ background: serviceColor(x) }} />{x}</span>)}
            <span className="muted">Traces:</span>{s.traceIds.slice(0, 8).map((tid) => <Link key={tid} className="mono small" href={`/traces/${tid}`}>{tid.slice(0, 8)}…</Link>)}
          </div>
        </div>
        <div className="panel">
          <h2>Timeline ({t.entries.length})</h2>
          <ol className="timeline" aria-label="Order timeline, oldest first">
            {t.entries.map((e, i) => {
              const kind = entryKind(e)
              return (
                <li key={i} className={kind} data-kind={kind}>
                  <span className="mono muted" title={exactTitle(e.time)}>{formatLocal(e.time)}</span>{' '}
                  <span className="badge"><span className="swatch" style={{ background: serviceColor(e.service) }} />{e.service}</span>{' '}
                  {kind === 'milestone' && e.kind === 'log' ? <b>status → {e.attributes['order.status.to'] ?? e.attributes['order.status']}</b>
                    : kind === 'message' ? <span className="hop">⇢ {e.kind === 'span' ? `${e.spanKind} ${e.attributes['messaging.destination.name'] ?? ''}` : ''}</span> : null}{' '}
                  <span className="mono">{hitSummary(e)}</span>{' '}
                  {e.traceId && <Link className="small" href={`/traces/${e.traceId}`}>trace</Link>}
                </li>
              )
            })}
          </ol>
        </div>
      </>}
    </div>
  )
}
