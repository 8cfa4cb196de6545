import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App, preloadPage } from './app.tsx'
import { prefetchSearch } from './pages/Search/query.ts'
import { applyTheme, initialTheme } from './components/Theme/theme.ts'
import './styles.css'

applyTheme(initialTheme())
const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 10_000 } },
})

// Opened at a page's address: its code starts loading now, beside /api/auth/me; opened at a
// search, its first page of results too (without a session it is a 401, which changes nothing).
preloadPage(window.location.pathname)
if (window.location.pathname === '/search') prefetchSearch(queryClient, window.location.search)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
)
