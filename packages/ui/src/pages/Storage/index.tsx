import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client.ts'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { capLevel, formatBytes, runSummary, type RunReport, type StorageReport } from '../../model/storage.ts'

/**
 * Storage: per service and signal what is kept hot, against the service's cap; the archive's
 * state and its last run (GET /api/admin/storage, `retention:manage`). See docs/retention.md.
 */
export default function StoragePage() {
  const client = useQueryClient()
  const q = useQuery({ queryKey: ['storage'], queryFn: () => api<StorageReport>('/api/admin/storage'), refetchInterval: 30_000 })
  const run = useMutation({
    mutationFn: () => api<RunReport>('/api/admin/archive/run', { method: 'POST' }),
    onSettled: () => client.invalidateQueries({ queryKey: ['storage'] }),
  })
  if (q.isPending) return <div className="page"><h1>Storage</h1><Loading what="storage" /></div>
  if (q.isError) return <div className="page"><h1>Storage</h1><ErrorState error={q.error} action={<button onClick={() => q.refetch()}>Retry</button>} /></div>
  const s = q.data
  return (
    <div className="page">
      <div className="row"><h1 className="grow">Storage</h1>
        <button className="primary" disabled={run.isPending} onClick={() => run.mutate()}>{run.isPending ? 'Running…' : 'Run retention and archive now'}</button>
      </div>
      {s.disk.ingestRefused && <div className="state error" role="alert"><strong>Ingest is refused</strong><p>{s.disk.ingestRefused}</p></div>}
      {run.isError && <ErrorState error={run.error} />}

      <section className="panel" aria-label="Archive">
        <h2>Archive {s.archive.enabled ? <span className={`badge ${s.archive.healthy ? 'ok' : 'err'}`}>{s.archive.healthy ? 'healthy' : 'failing'}</span> : <span className="badge">off</span>}</h2>
        {s.archive.enabled
          ? <p className="muted">{s.archive.target} · {s.archive.objects} objects, {formatBytes(s.archive.bytes)} · kept {s.archive.keepDays} days</p>
          : <p className="muted">Expired and over-cap data is dropped. Set BEACON_ARCHIVE_URL to keep it (docs/retention.md).</p>}
        {s.archive.error && <p role="alert" style={{ color: 'var(--error)' }}>{s.archive.error}{s.archive.nextAttemptAt ? ` — next attempt ${s.archive.nextAttemptAt.replace('T', ' ').slice(0, 19)} UTC` : ''}</p>}
        <p>{runSummary(s.lastRun)}</p>
        <p className="muted">Disk: {formatBytes(s.disk.freeBytes)} free of {formatBytes(s.disk.totalBytes)}</p>
      </section>

      <section className="panel" aria-label="Services">
        <h2>Size caps</h2>
        {s.services.length === 0 ? <Empty title="No data stored yet" /> : (
          <table className="grid">
            <thead><tr><th>Service</th><th>On disk</th><th>Cap</th><th>Usage</th></tr></thead>
            <tbody>{s.services.map((x) => {
              const level = capLevel(x)
              return (
                <tr key={x.service}>
                  <td>{x.service}</td><td>{formatBytes(x.bytes)}</td><td>{x.capBytes > 0 ? formatBytes(x.capBytes) : 'none'}</td>
                  <td>{level === 'none' ? '—' : <span className={`badge ${level === 'ok' ? 'ok' : 'err'}`} title={level === 'warn' ? 'at or above the warning level: oldest days go to the archive above 100 %' : ''}>{x.capPercent}%</span>}</td>
                </tr>
              )
            })}</tbody>
          </table>
        )}
      </section>

      <section className="panel" aria-label="Signals">
        <h2>Per service and signal</h2>
        <table className="grid">
          <thead><tr><th>Service</th><th>Signal</th><th>Rows</th><th>On disk</th><th>Compression</th><th>Days kept</th><th>Oldest hot day</th><th>Retention</th><th>Archive</th></tr></thead>
          <tbody>{s.signals.map((x) => (
            <tr key={`${x.service}|${x.signal}`}>
              <td>{x.service}</td><td>{x.signal}</td><td>{x.rows.toLocaleString()}</td><td>{formatBytes(x.bytes)}</td>
              <td>{x.compression ? `${x.compression}×` : '—'}</td><td>{x.daysKept}</td><td>{x.oldestHotDay ?? '—'}</td><td>{x.retentionDays} d</td>
              <td>{x.archiveObjects ? `${x.archiveObjects} objects, ${formatBytes(x.archiveBytes)}, since ${x.oldestArchivedDay}` : '—'}</td>
            </tr>
          ))}</tbody>
        </table>
      </section>
    </div>
  )
}
