import { lazy, Suspense, useEffect, useRef } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { prefetchSearch } from './pages/Search/query.ts'
import { Redirect, Route, Switch, useLocation } from 'wouter'
import { AuthProvider, useAuth } from './components/Auth/auth.tsx'
import { Loading } from './components/States/index.tsx'
import { LoginPage } from './pages/Login/index.tsx'
import { NAV } from './components/Layout/nav.ts'

// Pages load on first visit: the first page (login) stays small; charts and the graph library come
// with the pages that draw them. The frame around signed-in pages loads with the first of them.
const loaders = {
  shell: () => import('./components/Layout/shell.tsx'),
  overview: () => import('./pages/Overview/index.tsx'),
  search: () => import('./pages/Search/index.tsx'),
  tail: () => import('./pages/Tail/index.tsx'),
  traces: () => import('./pages/Traces/index.tsx'),
  trace: () => import('./pages/Trace/index.tsx'),
  serviceMap: () => import('./pages/ServiceMap/index.tsx'),
  orders: () => import('./pages/Orders/index.tsx'),
  order: () => import('./pages/Order/index.tsx'),
  admin: () => import('./pages/Admin/index.tsx'),
  audit: () => import('./pages/Audit/index.tsx'),
  storage: () => import('./pages/Storage/index.tsx'),
  alerts: () => import('./pages/Alerts/index.tsx'),
}
const Shell = lazy(() => loaders.shell().then((m) => ({ default: m.Shell })))
const OverviewPage = lazy(loaders.overview)
const SearchPage = lazy(loaders.search)
const TailPage = lazy(loaders.tail)
const TracesPage = lazy(loaders.traces)
const TracePage = lazy(loaders.trace)
const ServiceMapPage = lazy(loaders.serviceMap)
const OrdersPage = lazy(loaders.orders)
const OrderPage = lazy(loaders.order)
const AdminPage = lazy(loaders.admin)
const AuditPage = lazy(loaders.audit)
const StoragePage = lazy(loaders.storage)
const AlertsPage = lazy(loaders.alerts)

/**
 * Opening Beacon at a page's address: fetch that page's code (and the frame) while /api/auth/me
 * answers, instead of after it. The login page needs neither, so it is not slowed down.
 */
export function preloadPage(path: string): void {
  const first = path.split('/')[1] ?? ''
  const page = ({ '': loaders.overview, search: loaders.search, tail: loaders.tail, 'service-map': loaders.serviceMap, admin: loaders.admin, audit: loaders.audit, storage: loaders.storage, alerts: loaders.alerts } as Record<string, () => Promise<unknown>>)[first]
    ?? (first === 'traces' ? (path.split('/')[2] ? loaders.trace : loaders.traces) : first === 'orders' ? (path.split('/')[2] ? loaders.order : loaders.orders) : undefined)
  if (!page) return
  void loaders.shell().catch(() => undefined)
  void page().catch(() => undefined)
}


function Routes() {
  const { me, loading, can } = useAuth()
  const [location, navigate] = useLocation()
  const queryClient = useQueryClient()
  const prefetched = useRef(false)
  useEffect(() => {
    // Signed in and opened at a search: its first page starts now, while the page's code loads.
    if (!me || prefetched.current) return
    prefetched.current = true
    if (location === '/search' && can('logs:read', 'traces:read')) prefetchSearch(queryClient, window.location.search)
  }, [me, location, can, queryClient])
  useEffect(() => {
    if (!loading && !me && location !== '/login') navigate(`/login?next=${encodeURIComponent(location + window.location.search)}`, { replace: true })
  }, [loading, me, location, navigate])
  if (loading) return <Loading what="Beacon" />
  if (!me) return <Switch><Route path="/login" component={LoginPage} /><Route><Loading what="the login page" /></Route></Switch>
  const allowed = (path: string) => NAV.find((n) => n.path === path)!.anyOf
  const guard = (path: string, page: React.ComponentType) => (can(...allowed(path)) ? page : NotAllowed)
  return (
    <Suspense fallback={<Loading what="Beacon" />}>
    <Shell>
      <Suspense fallback={<Loading what="the page" />}>
        <Switch>
          <Route path="/login"><Redirect to="/" /></Route>
          <Route path="/" component={guard('/', OverviewPage)} />
          <Route path="/search" component={guard('/search', SearchPage)} />
          <Route path="/tail" component={guard('/tail', TailPage)} />
          <Route path="/traces" component={guard('/traces', TracesPage)} />
          <Route path="/traces/:id" component={guard('/traces', TracePage)} />
          <Route path="/service-map" component={guard('/service-map', ServiceMapPage)} />
          <Route path="/orders" component={guard('/orders', OrdersPage)} />
          <Route path="/orders/:id" component={guard('/orders', OrderPage)} />
          <Route path="/alerts" component={guard('/alerts', AlertsPage)} />
          <Route path="/admin" component={guard('/admin', AdminPage)} />
          <Route path="/audit" component={guard('/audit', AuditPage)} />
          <Route path="/storage" component={guard('/storage', StoragePage)} />
          <Route><div className="page"><h1>Not found</h1><p>This address is not a Beacon page. Use the navigation on the left.</p></div></Route>
        </Switch>
      </Suspense>
    </Shell>
    </Suspense>
  )
}

function NotAllowed() {
  return <div className="page"><h1>Not available for your role</h1><p>Ask an administrator for a role that grants it.</p></div>
}

export function App() {
  return <AuthProvider><Routes /></AuthProvider>
}
