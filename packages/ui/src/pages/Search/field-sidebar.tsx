import { useQuery } from '@tanstack/react-query'
import { api, apiPath } from '../../api/client.ts'
import type { SearchState } from '../../model/search-state.ts'

const COMMON = ['service', 'level', 'http.route', 'http.status', 'event.action', 'order']

/** Top values (with counts) of the common fields among the current results; click to filter. */
export function FieldSidebar({ state, onFilter, onToggleColumn }: { state: SearchState; onFilter(f: string, v: string, negate: boolean): void; onToggleColumn(f: string): void }) {
  const fields = state.target === 'spans' ? ['service', 'name', 'span.kind', 'span.status', 'http.route', 'order'] : COMMON
  return (
    <aside className="fields panel" aria-label="Fields">
      <h2>Fields</h2>
      {fields.map((f) => <FieldValues key={f} field={f} state={state} onFilter={onFilter} onToggleColumn={onToggleColumn} />)}
    </aside>
  )
}

function FieldValues({ field, state, onFilter, onToggleColumn }: { field: string; state: SearchState; onFilter(f: string, v: string, negate: boolean): void; onToggleColumn(f: string): void }) {
  const q = useQuery({
    queryKey: ['top', field, state.q, state.from, state.to, state.target],
    queryFn: () => api<{ values: { value: string; count: number }[] }>(apiPath(`/api/fields/${encodeURIComponent(field)}/values`, { q: state.q, from: state.from, to: state.to, target: state.target, limit: 5 })),
    staleTime: 15_000,
  })
  const values = q.data?.values ?? []
  return (
    <details open={field === 'service' || field === 'level'}>
      <summary><span className="mono">{field}</span> {q.isError ? <span className="muted">–</span> : <span className="muted">{values.length || ''}</span>}</summary>
      {values.length === 0 && !q.isPending && <div className="muted value">no values</div>}
      {values.map((v) => (
        <div key={v.value} className="value">
          <span className="mono" style={{ overflow: 'hidden', textOverflow: 'ellipsis' }} title={v.value}>{v.value}</span>
          <span className="row" style={{ gap: 2, flexWrap: 'nowrap' }}>
            <span className="muted">{v.count}</span>
            <button type="button" aria-label={`Filter for ${field} = ${v.value}`} onClick={() => onFilter(field, v.value, false)}>+</button>
            <button type="button" aria-label={`Filter against ${field} = ${v.value}`} onClick={() => onFilter(field, v.value, true)}>−</button>
          </span>
        </div>
      ))}
      <button type="button" className="ghost small" onClick={() => onToggleColumn(field)}>toggle column</button>
    </details>
  )
}
