import { useEffect, useRef, useState } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { Link } from 'wouter'
import type { Hit } from '../../api/types.ts'
import { exactTitle, formatLocal } from '../../model/time.ts'
import { fieldValue, flattenHit, hitLevel, hitSummary, UNFILTERABLE, visibleHit } from '../../model/hit-fields.ts'

interface Props {
  hits: Hit[]
  columns: string[]
  hasMore: boolean
  loadingMore: boolean
  loadMore(): void
  onFilter(field: string, value: string, negate: boolean): void
  onContext(hit: Hit): void
  onToggleColumn(field: string): void
}

/** Newest-first results, virtualized (only visible rows are in the DOM); more load near the end. */
export function ResultList({ hits, columns, hasMore, loadingMore, loadMore, onFilter, onContext, onToggleColumn }: Props) {
  const scroller = useRef<HTMLDivElement>(null)
  const [open, setOpen] = useState<Set<number>>(new Set())
  const v = useVirtualizer({ count: hits.length + (hasMore ? 1 : 0), getScrollElement: () => scroller.current, estimateSize: () => 27, overscan: 12 })
  const items = v.getVirtualItems()
  const last = items.at(-1)
  useEffect(() => { if (last && last.index >= hits.length - 20 && hasMore) loadMore() }, [last, hits.length, hasMore, loadMore])
  const grid = `190px 60px 130px ${columns.map(() => '140px').join(' ')} 1fr`
  return (
    <div ref={scroller} className="list" role="list" aria-label="Results, newest first" data-count={hits.length}>
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {items.map((item) => {
          if (item.index >= hits.length) {
            return <div key="more" className="state" style={{ position: 'absolute', top: item.start, left: 0, right: 0 }}>{loadingMore ? 'Loading more…' : ''}</div>
          }
          const h = hits[item.index]
          const expanded = open.has(item.index)
          return (
            <div key={item.key} data-index={item.index} ref={v.measureElement} role="listitem" style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}>
              <div className="hit" style={{ gridTemplateColumns: grid }} tabIndex={0} aria-expanded={expanded}
                onClick={() => setOpen((s) => { const n = new Set(s); if (n.has(item.index)) n.delete(item.index); else n.add(item.index); return n })}
                onKeyDown={(e) => { if (e.key === 'Enter') (e.currentTarget as HTMLElement).click() }}>
                <span className="mono" title={exactTitle(h.time)}>{formatLocal(h.time)}</span>
                <span><span className={`lvl lvl-${hitLevel(h)}`}>{hitLevel(h)}</span></span>
                <span className="mono" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{h.service}</span>
                {columns.map((c) => <span key={c} className="mono" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{fieldValue(h, c)}</span>)}
                <span className="body">{hitSummary(h)}</span>
              </div>
              {expanded && <HitDetail hit={h} onFilter={onFilter} onContext={onContext} onToggleColumn={onToggleColumn} columns={columns} />}
            </div>
          )
        })}
      </div>
    </div>
  )
}

function HitDetail({ hit, onFilter, onContext, onToggleColumn, columns }: { hit: Hit; onFilter: Props['onFilter']; onContext: Props['onContext']; onToggleColumn: Props['onToggleColumn']; columns: string[] }) {
  const [asJson, setAsJson] = useState(false)
  const fields = flattenHit(hit)
  const json = JSON.stringify(visibleHit(hit), null, 2)
  return (
    <div className="hit-detail">
      <div className="toolbar" style={{ marginBottom: 8 }}>
        {hit.traceId && <Link className="small" href={`/traces/${hit.traceId}`}>Open trace</Link>}
        {hit.orderId && <Link className="small" href={`/orders/${encodeURIComponent(hit.orderId)}`}>Open order {hit.orderId}</Link>}
        <button type="button" className="small" onClick={() => onContext(hit)}>Show context</button>
        <button type="button" className="small" onClick={() => void navigator.clipboard?.writeText(json)}>Copy JSON</button>
        <button type="button" className="small" onClick={() => setAsJson(!asJson)}>{asJson ? 'Fields' : 'JSON'}</button>
      </div>
      {asJson ? <pre className="json">{json}</pre> : (
        <div className="kv">
          {fields.map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <span className="k" title={k}>{k}</span>
              <span className="v">{v}</span>
              <span className="acts">
                {!UNFILTERABLE.has(k) && <>
                  <button type="button" className="small" aria-label={`Filter for ${k} = ${v}`} title="Filter for this value" onClick={() => onFilter(k, v, false)}>+</button>
                  <button type="button" className="small" aria-label={`Filter against ${k} = ${v}`} title="Filter out this value" onClick={() => onFilter(k, v, true)}>−</button>
                  <button type="button" className="small" aria-label={`${columns.includes(k) ? 'Remove' : 'Add'} column ${k}`} title="Toggle column" onClick={() => onToggleColumn(k)}>col</button>
                </>}
                <button type="button" className="small" aria-label={`Copy ${k}`} title="Copy" onClick={() => void navigator.clipboard?.writeText(v)}>copy</button>
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  )
}
