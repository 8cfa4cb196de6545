import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client.ts'
import type { SavedSearch } from '../../api/types.ts'
import { searchStateFromUrl, searchStateToUrl, type SearchState } from '../../model/search-state.ts'

/** Saved searches (per user, on the server): open one, save the current view under a name, delete one. */
export function SavedSearches({ state, onOpen }: { state: SearchState; onOpen(s: SearchState): void }) {
  const qc = useQueryClient()
  const [naming, setNaming] = useState(false)
  const [name, setName] = useState('')
  const [managing, setManaging] = useState(false)
  /** The saved search whose Delete was pressed once (the second press deletes). */
  const [confirming, setConfirming] = useState<string | null>(null)
  const list = useQuery({ queryKey: ['saved-searches'], queryFn: () => api<{ searches: SavedSearch[] }>('/api/saved-searches'), staleTime: 60_000 })
  const save = useMutation({
    mutationFn: () => api<SavedSearch>('/api/saved-searches', { method: 'POST', json: { name, query: searchStateToUrl(state) } }),
    onSuccess: () => { setNaming(false); setName(''); void qc.invalidateQueries({ queryKey: ['saved-searches'] }) },
  })
  const remove = useMutation({
    mutationFn: (id: string) => api<{ deleted: string }>(`/api/saved-searches/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => { setConfirming(null); void qc.invalidateQueries({ queryKey: ['saved-searches'] }) },
  })
  if (list.isError) return null
  const searches = list.data?.searches ?? []
  return (
    <span className="row">
      <select aria-label="Open a saved search" value="" onChange={(e) => {
        const s = list.data?.searches.find((x) => x.id === e.target.value)
        if (s) onOpen(searchStateFromUrl(s.query))
      }}>
        <option value="">Saved searches ({list.data?.searches.length ?? 0})</option>
        {list.data?.searches.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
      </select>
      {naming ? (
        <form className="row" onSubmit={(e) => { e.preventDefault(); if (name.trim()) save.mutate() }}>
          <input aria-label="Name of the saved search" value={name} onChange={(e) => setName(e.target.value)} autoFocus placeholder="Name" size={16} />
          <button type="submit" className="small">Save</button>
          {save.error && <span className="err-text">{(save.error as Error).message}</span>}
        </form>
      ) : <button type="button" className="small" onClick={() => setNaming(true)}>Save search</button>}
      {searches.length > 0 && (
        <span className="saved-manage">
          <button type="button" className="small" aria-expanded={managing} onClick={() => { setManaging(!managing); setConfirming(null) }}>Manage</button>
          {managing && (
            <ul className="panel saved-list" aria-label="Saved searches">
              {searches.map((s) => (
                <li key={s.id}>
                  <button type="button" className="ghost small grow" title={s.query || '(everything)'} onClick={() => { setManaging(false); onOpen(searchStateFromUrl(s.query)) }}>{s.name}</button>
                  <button type="button" className={`small${confirming === s.id ? ' danger' : ''}`} aria-label={confirming === s.id ? `Confirm deleting saved search ${s.name}` : `Delete saved search ${s.name}`}
                    disabled={remove.isPending} onClick={() => (confirming === s.id ? remove.mutate(s.id) : setConfirming(s.id))}>
                    {confirming === s.id ? 'Really delete?' : 'Delete'}
                  </button>
                </li>
              ))}
              {remove.error && <li className="err-text">{(remove.error as Error).message}</li>}
            </ul>
          )}
        </span>
      )}
    </span>
  )
}
