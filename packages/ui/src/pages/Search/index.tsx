import { lazy, Suspense, useCallback, useMemo, useState } from 'react'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { useLocation, useSearch } from 'wouter'
import { api, apiPath, ApiFailure } from '../../api/client.ts'
import type { Hit } from '../../api/types.ts'
import { QueryBar } from '../../components/QueryBar/index.tsx'
import { TimeRange } from '../../components/TimeRange/index.tsx'
import { Empty, ErrorState, Loading } from '../../components/States/index.tsx'
import { addFilter, archiveOffer, searchStateFromUrl, searchStateToUrl, type SearchState } from '../../model/search-state.ts'
import { describeRange } from '../../model/time.ts'
import { ResultList } from './result-list.tsx'
import { FieldSidebar } from './field-sidebar.tsx'
import { ContextDrawer } from './context-drawer.tsx'
import { SavedSearches } from './saved-searches.tsx'
import { searchQueryOptions } from './query.ts'


// The chart library loads beside the results, not before them: rows show as soon as they arrive.
const Histogram = lazy(() => import('../../components/Histogram/index.tsx').then((m) => ({ default: m.Histogram })))

/** Discover: query, time range, histogram, virtualized newest-first results, fields, context, export. */
export default function SearchPage() {
  const [, navigate] = useLocation()
  const search = useSearch()
  const state = useMemo(() => searchStateFromUrl(search), [search])
  const [contextOf, setContextOf] = useState<Hit | null>(null)
  const update = useCallback((patch: Partial<SearchState>) => {
    navigate('/search' + searchStateToUrl({ ...state, ...patch }))
  }, [navigate, state])

  const results = useInfiniteQuery(searchQueryOptions(state))
  const first = results.data?.pages[0]
  const hits = useMemo(() => results.data?.pages.flatMap((p) => p.events) ?? [], [results.data])
  const queryError = results.error instanceof ApiFailure && results.error.error === 'invalid_query'
    ? { message: results.error.message, position: results.error.position } : null
  // Hot retention and whether the archive is on (health, for signed-in users): offer the archive
  // when the range reaches back past hot data.
  const health = useQuery({ queryKey: ['health'], queryFn: () => api<{ retention?: Parameters<typeof archiveOffer>[1] }>('/api/health'), staleTime: 300_000, enabled: !!first })
  const hotDays = archiveOffer(state, health.data?.retention)
  const exportHref = (format: 'ndjson' | 'csv') => apiPath('/api/export', { q: state.q, from: state.from, to: state.to, target: state.target, format })

  return (
    <div className="page full">
      <div className="querybar">
        <select aria-label="Search in" value={state.target} onChange={(e) => update({ target: e.target.value as 'logs' | 'spans' })}>
          <option value="logs">Logs</option>
          <option value="spans">Spans</option>
        </select>
        <QueryBar value={state.q} target={state.target} from={state.from} to={state.to} error={queryError} onSubmit={(q) => { update({ q }); void results.refetch() }} />
        <TimeRange from={state.from} to={state.to} onChange={(from, to) => update({ from, to })} />
        <button type="button" className="primary" onClick={() => void results.refetch()}>Search</button>
      </div>
      <div className="toolbar">
        <span className="muted" aria-live="polite">
          {first ? <><b style={{ color: 'var(--text)' }}>{first.total.toLocaleString()}</b> {state.target === 'logs' ? 'records' : 'spans'} · {describeRange(state.from, state.to)}</> : results.isFetching ? 'Searching…' : ''}
        </span>
        <span className="grow" />
        <SavedSearches state={state} onOpen={(s) => navigate('/search' + searchStateToUrl(s))} />
        <a className="small" href={exportHref('ndjson')} download>Export NDJSON</a>
        <a className="small" href={exportHref('csv')} download>Export CSV</a>
      </div>
      {first?.warnings?.map((w) => <div key={w} className="notice">{w}</div>)}
      {hotDays !== null && (
        <div className="notice" role="status" data-testid="archive-offer">
          This range reaches back past the {hotDays} days Beacon keeps searchable (hot); older records are in the archive.{' '}
          <button type="button" className="small" onClick={() => update({ scope: 'all' })}>Include the archive</button>{' '}
          <button type="button" className="small" onClick={() => update({ scope: 'archive' })}>Archive only</button>
          <span className="muted"> — slower: the archive is read in place; the newest 1,000 records are listed.</span>
        </div>
      )}
      {state.scope !== 'hot' && (
        <div className="notice" role="status" data-testid="archive-scope">
          Searching {state.scope === 'all' ? 'hot data and the archive' : 'the archive only'}
          {first?.archive ? ` (${first.archive.objectsRead} archived file${first.archive.objectsRead === 1 ? '' : 's'}, ${first.archive.days.length} day${first.archive.days.length === 1 ? '' : 's'})` : ''}: the newest 1,000 records are listed, no scrolling past them.{' '}
          <button type="button" className="small" onClick={() => update({ scope: 'hot' })}>Back to hot data only</button>
        </div>
      )}
      {first && <Suspense fallback={<div className="histogram-placeholder" aria-hidden="true" />}><Histogram buckets={first.histogram.buckets} bucketSeconds={first.histogram.bucketSeconds} onZoom={(from, to) => update({ from, to })} /></Suspense>}
      <div className="search-layout">
        <FieldSidebar state={state} ready={!!first} onFilter={(field, value, negate) => update({ q: addFilter(state.q, field, value, negate) })}
          onToggleColumn={(c) => update({ columns: state.columns.includes(c) ? state.columns.filter((x) => x !== c) : [...state.columns, c] })} />
        <div className="results">
          {results.isPending ? <Loading what="results" />
            : results.error && !queryError ? <ErrorState error={results.error} action={<button type="button" onClick={() => void results.refetch()}>Retry</button>} />
            : queryError ? <Empty title="Fix the query to see results" hint="The error above shows where the query stops making sense. Field names autocomplete as you type." />
            : first?.eventsWithheld ? <Empty title="Your role sees counts only" hint="Analysts see totals and the histogram; raw records need the developer or support role." />
            : hits.length === 0 ? <Empty title="No results" hint="Widen the time range, or remove a filter from the query." />
            : <ResultList
                hits={hits}
                columns={state.columns}
                hasMore={!!results.hasNextPage}
                loadingMore={results.isFetchingNextPage}
                loadMore={() => { if (results.hasNextPage && !results.isFetchingNextPage) void results.fetchNextPage() }}
                onFilter={(field, value, negate) => update({ q: addFilter(state.q, field, value, negate) })}
                onContext={setContextOf}
                onToggleColumn={(c) => update({ columns: state.columns.includes(c) ? state.columns.filter((x) => x !== c) : [...state.columns, c] })}
              />}
        </div>
      </div>
      {contextOf && <ContextDrawer hit={contextOf} target={state.target} onClose={() => setContextOf(null)} />}
    </div>
  )
}
