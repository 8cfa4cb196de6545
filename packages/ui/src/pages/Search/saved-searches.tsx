import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client.ts'
import type { SavedSearch } from '../../api/types.ts'
import { searchStateFromUrl, searchStateToUrl, type SearchState } from '../../model/search-state.ts'

/** Saved searches (per user, on the server): open one, or save the current view under a name. */
export function SavedSearches({ state, onOpen }: { state: SearchState; onOpen(s: SearchState): void }) {
  const qc = useQueryClient()
  const [naming, setNaming] = useState(false)
  const [name, setName] = useState('')
  const list = useQuery({ queryKey: ['saved-searches'], queryFn: () => api<{ searches: SavedSearch[] }>('/api/saved-searches'), staleTime: 60_000 })
  const save = useMutation({
    mutationFn: () => api<SavedSearch>('/api/saved-searches', { method: 'POST', json: { name, query: searchStateToUrl(state) } }),
    onSuccess: () => { setNaming(false); setName(''); void qc.invalidateQueries({ queryKey: ['saved-searches'] }) },
  })
  if (list.isError) return null
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
    </span>
  )
}
