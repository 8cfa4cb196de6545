import type { QueryClient } from '@tanstack/react-query'
import { api, apiPath } from '../../api/client.ts'
import type { SearchResponse } from '../../api/types.ts'
import { searchStateFromUrl, type SearchState } from '../../model/search-state.ts'

/** The first page is small so the first rows come soon; later pages are larger (fewer round trips while scrolling). */
export const FIRST_PAGE = 100
export const NEXT_PAGE = 500
/** The archive pages by limit only (no cursor): one larger page. */
export const ARCHIVE_PAGE = 1000

/**
 * The Search page's results query (key, fetch, paging), shared with the prefetch that starts the
 * first page while the page's code is still loading.
 */
export function searchQueryOptions(state: SearchState) {
  return {
    queryKey: ['search', state.q, state.from, state.to, state.target, state.scope] as const,
    queryFn: ({ pageParam }: { pageParam: string }) => api<SearchResponse>(apiPath('/api/search', {
      q: state.q, from: state.from, to: state.to, target: state.target, cursor: pageParam,
      ...(state.scope === 'hot' ? { limit: pageParam ? NEXT_PAGE : FIRST_PAGE } : { limit: ARCHIVE_PAGE, scope: state.scope }),
    })),
    initialPageParam: '',
    getNextPageParam: (last: SearchResponse) => last.nextCursor ?? undefined,
    staleTime: 5_000,
  }
}

/** Starts the first page of the search in `search` (the URL's query string) into the cache. */
export function prefetchSearch(client: QueryClient, search: string): void {
  void client.prefetchInfiniteQuery(searchQueryOptions(searchStateFromUrl(search))).catch(() => undefined)
}
