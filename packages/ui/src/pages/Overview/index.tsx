import { useMemo } from 'react'
import { useQuery } from '@tanstack/react-query'
import { Link, useLocation, useSearch } from 'wouter'
import { api, apiPath } from '../../api/client.ts'
import type { SearchResponse, ServiceStats } from '../../api/types.ts'
import { TimeRange } from '../../components/TimeRange/index.tsx'
import { Sparkline } from '../../components/Sparkline/lazy.tsx'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { useAuth } from '../../components/Auth/auth.tsx'
import { formatDuration, formatLocal } from '../../model/time.ts'
import { serviceColor } from '../../model/trace-layout.ts'
import { OpenIncidentsCard } from '../Alerts/overview-card.tsx'
import { ComplaintsCard, OrderSpeedCard } from './business.tsx'

/** Histogram buckets → x (seconds), totals and errors per bucket. */
function toSeries(r: SearchResponse) {
  const x = r.histogram.buckets.map((b) => Date.parse(b.time) / 1000)
  const total = r.histogram.buckets.map((b) => Object.values(b.counts).reduce((a, c) => a + c, 0))
  const errors = r.histogram.buckets.map((b) => Object.entries(b.counts).filter(([k]) => /^(ERROR|FATAL)$/i.test(k)).reduce((a, [, c]) => a + c, 0))
  return { x, total, errors, sum: r.total, bucketSeconds: r.histogram.bucketSeconds, events: r.events }
}

/** Histogram of a search as [x, total, errors] (counts only: works for analysts too). */
function useSeries(q: string, from: string, to: string) {
  return useQuery({
    queryKey: ['overview-series', q, from, to],
    queryFn: () => api<SearchResponse>(apiPath('/api/search', { q, from, to, limit: 1 })),
    select: toSeries,
    staleTime: 30_000,
  })
}

const SERVICE_COLORS = ['--info', '--error']

/** The landing page: per service events, errors, error rate, p95 with small charts; order speed; complaints per day. */
export default function OverviewPage() {
  const [, navigate] = useLocation()
  const p = new URLSearchParams(useSearch())
  const from = p.get('from') ?? 'now-1h'
  const to = p.get('to') ?? 'now'
  const { can } = useAuth()
  const services = useQuery({ queryKey: ['services', from, to], queryFn: () => api<{ services: ServiceStats[] }>(apiPath('/api/services', { from, to })), refetchInterval: 60_000 })
  const orders = useSeries('event.action:order.status_changed', from, to)
  const list = useMemo(() => services.data?.services ?? [], [services.data])
  return (
    <div className="page">
      <div className="row">
        <h1 style={{ margin: 0 }} className="grow">Overview</h1>
        <TimeRange from={from} to={to} onChange={(f, t) => navigate(`/?from=${encodeURIComponent(f)}&to=${encodeURIComponent(t)}`)} />
      </div>
      <div className="cards">
        {can('alerts:read') && <OpenIncidentsCard />}
        <OrderSpeedCard from={from} to={to} changes={orders.data} />
        <ComplaintsCard />
      </div>
      <h2>Services</h2>
      {services.isPending ? <Loading what="services" /> : services.error ? <ErrorState error={services.error} /> : list.length === 0
        ? <Empty title="No service has sent anything in this range" hint="Widen the time range, or point an application's OpenTelemetry exporter at Beacon (README: Sending data)." />
        : <div className="cards">{list.map((s) => <ServiceCard key={s.name} s={s} from={from} to={to} />)}</div>}
    </div>
  )
}

function ServiceCard({ s, from, to }: { s: ServiceStats; from: string; to: string }) {
  const series = useSeries(`service:${JSON.stringify(s.name)}`, from, to)
  const lines = useMemo(() => (series.data ? [series.data.total, series.data.errors] : []), [series.data])
  const events = s.logs + s.spans
  const errors = s.errors + s.fatals + s.spanErrors
  const rate = events ? (errors / events) * 100 : 0
  return (
    <div className="card" data-service={s.name}>
      <div className="row"><span className="swatch" style={{ background: serviceColor(s.name) }} /><b className="grow">{s.name}</b>
        <Link className="small" href={`/search?q=${encodeURIComponent(`service:${JSON.stringify(s.name)} level:error`)}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`}>errors →</Link></div>
      <div className="figures">
        <div className="figure"><b>{events.toLocaleString()}</b><span>events</span></div>
        <div className="figure"><b className={errors ? 'err-text' : ''}>{errors.toLocaleString()}</b><span>errors</span></div>
        <div className="figure"><b>{rate.toFixed(rate < 1 ? 2 : 1)}%</b><span>error rate</span></div>
        <div className="figure"><b>{s.p95SpanMs === null ? '–' : formatDuration(s.p95SpanMs)}</b><span>p95 span</span></div>
      </div>
      {series.data && <Sparkline x={series.data.x} series={lines} colors={SERVICE_COLORS} label={`${s.name}: events and errors over time`} />}
      <span className="muted" style={{ fontSize: 11 }}>last seen {s.lastSeen ? formatLocal(s.lastSeen.replace(' ', 'T') + (s.lastSeen.endsWith('Z') ? '' : 'Z'), false) : '—'}</span>
    </div>
  )
}
