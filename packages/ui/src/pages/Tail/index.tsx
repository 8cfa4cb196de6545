import { useEffect, useRef, useState } from 'react'
import { useLocation, useSearch } from 'wouter'
import type { Hit } from '../../api/types.ts'
import { QueryBar } from '../../components/QueryBar/index.tsx'
import { Empty } from '../../components/States/index.tsx'
import { exactTitle, formatLocal } from '../../model/time.ts'
import { hitLevel, hitSummary } from '../../model/hit-fields.ts'
import { TailBuffer } from '../../model/tail-buffer.ts'

const KEEP = 1000

/** New records as they arrive (server-sent events from /api/tail), filtered by a query. */
export default function TailPage() {
  const [, navigate] = useLocation()
  const q = new URLSearchParams(useSearch()).get('q') ?? ''
  const [paused, setPaused] = useState(false)
  const [status, setStatus] = useState<'connecting' | 'live' | 'error'>('connecting')
  const [, setTick] = useState(0)
  const buffer = useRef(new TailBuffer<Hit>(KEEP))
  const pausedRef = useRef(paused)
  pausedRef.current = paused

  useEffect(() => {
    buffer.current = new TailBuffer<Hit>(KEEP)
    setStatus('connecting')
    const es = new EventSource(`/api/tail?q=${encodeURIComponent(q)}&target=logs`)
    es.onopen = () => setStatus('live')
    es.onerror = () => setStatus(es.readyState === EventSource.CLOSED ? 'error' : 'connecting')
    es.addEventListener('record', (e) => { buffer.current.push(JSON.parse((e as MessageEvent).data) as Hit, Date.now()) })
    es.addEventListener('dropped', (e) => { buffer.current.dropped += Number(JSON.parse((e as MessageEvent).data).count) || 0 })
    // Repaint at most 5 times a second however fast records come.
    const timer = setInterval(() => { if (!pausedRef.current) setTick((t) => t + 1) }, 200)
    return () => { es.close(); clearInterval(timer) }
  }, [q])

  const b = buffer.current
  const rows = b.newestFirst()
  return (
    <div className="page full">
      <h1>Live tail</h1>
      <div className="querybar">
        <QueryBar value={q} target="logs" from="now-15m" to="now" onSubmit={(next) => navigate(`/tail?q=${encodeURIComponent(next)}`)} placeholder="Filter the live stream, e.g. service:shop-api level:error — Enter applies" />
        <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>{paused ? '▶ Resume' : '❚❚ Pause'}</button>
        <button type="button" onClick={() => { b.clear(); setTick((t) => t + 1) }}>Clear</button>
      </div>
      <div className="toolbar muted" aria-live="polite">
        <span className={`badge${status === 'live' ? ' ok' : status === 'error' ? ' err' : ''}`}>{status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Disconnected — Beacon is unreachable or refused the tail'}</span>
        <span>{b.ratePerSecond(Date.now()).toFixed(1)} records/s</span>
        <span>{rows.length} kept on screen (at most {KEEP})</span>
        {b.dropped > 0 && <span className="err-text">{b.dropped} dropped by the server (too fast for this client)</span>}
        {paused && <span className="badge">Paused — new records are still collected</span>}
      </div>
      <div className="list" role="list" aria-label="Live records, newest first" style={{ contain: 'none' }}>
        {rows.length === 0 ? <Empty title={status === 'live' ? 'Waiting for records…' : 'Not connected yet'} hint="Records matching the filter appear here as Beacon receives them." />
          : rows.slice(0, 300).map((h, i) => (
            <div key={`${h.timeUnixNano}-${i}`} role="listitem" className="tail-row">
              <span className="mono" title={exactTitle(h.time)}>{formatLocal(h.time)}</span>
              <span><span className={`lvl lvl-${hitLevel(h)}`}>{hitLevel(h)}</span></span>
              <span className="mono">{h.service}</span>
              <span className="mono" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{hitSummary(h)}</span>
            </div>
          ))}
      </div>
    </div>
  )
}
