import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { api, apiPath, ApiFailure } from '../../api/client.ts'
import type { Hit, SearchResponse } from '../../api/types.ts'
import { Drawer } from '../../components/Drawer/index.tsx'
import { ErrorState, Loading } from '../../components/States/index.tsx'
import { contextQuery, mergeContext } from '../../model/context.ts'
import { exactTitle, formatLocal } from '../../model/time.ts'
import { hitLevel, hitSummary } from '../../model/hit-fields.ts'

const N = 10

async function loadContext(hit: Hit, by: 'service' | 'trace', target: 'logs' | 'spans'): Promise<{ before: Hit[]; anchor: Hit; after: Hit[] }> {
  if (hit.id) {
    try {
      return await api(apiPath('/api/search/context', { id: hit.id, by, before: N, after: N, target }))
    } catch (err) {
      if (!(err instanceof ApiFailure) || err.status !== 404) throw err
    }
  }
  // Servers without /api/search/context: the same two searches it makes, around the record's time.
  const t = Date.parse(hit.time)
  const q = contextQuery(hit, by)
  const [before, after] = await Promise.all([
    api<SearchResponse>(apiPath('/api/search', { q, target, from: new Date(t - 10 * 60_000).toISOString(), to: new Date(t).toISOString(), limit: N + 1 })),
    api<SearchResponse>(apiPath('/api/search', { q, target, from: new Date(t).toISOString(), to: new Date(t + 60_000).toISOString(), limit: 1000 })),
  ])
  const newer = after.events.filter((h) => BigInt(h.timeUnixNano) > BigInt(hit.timeUnixNano)).slice(-N)
  return { before: before.events.filter((h) => BigInt(h.timeUnixNano) <= BigInt(hit.timeUnixNano)).slice(0, N + 1), anchor: hit, after: newer }
}

/** The records just before and after one, from the same service or trace. */
export function ContextDrawer({ hit, target, onClose }: { hit: Hit; target: 'logs' | 'spans'; onClose(): void }) {
  const [by, setBy] = useState<'service' | 'trace'>('service')
  const q = useQuery({ queryKey: ['context', hit.timeUnixNano, hit.service, by, target], queryFn: () => loadContext(hit, by, target) })
  const merged = q.data ? mergeContext(q.data.before, q.data.anchor, q.data.after) : null
  return (
    <Drawer title="Context" onClose={onClose}>
      <div className="row" role="radiogroup" aria-label="Context from" style={{ marginBottom: 8 }}>
        <label><input type="radio" checked={by === 'service'} onChange={() => setBy('service')} /> Same service ({hit.service})</label>
        <label><input type="radio" checked={by === 'trace'} disabled={!hit.traceId} onChange={() => setBy('trace')} /> Same trace</label>
      </div>
      {q.isPending ? <Loading what="context" /> : q.error ? <ErrorState error={q.error} /> : (
        <div role="list" aria-label="Records around the selected one, oldest first">
          {merged!.rows.map((h, i) => (
            <div key={`${h.timeUnixNano}-${i}`} role="listitem" className={`ctx-row${i === merged!.anchorIndex ? ' anchor' : ''}`} aria-current={i === merged!.anchorIndex ? 'true' : undefined}>
              <span className="mono" title={exactTitle(h.time)}>{formatLocal(h.time)}</span>
              <span><span className={`lvl lvl-${hitLevel(h)}`}>{hitLevel(h)}</span></span>
              <span className="mono">{h.service}</span>
              <span className="mono" style={{ wordBreak: 'break-word' }}>{hitSummary(h)}</span>
            </div>
          ))}
        </div>
      )}
    </Drawer>
  )
}
