import { createElement, lazy, Suspense, useEffect, useState } from 'react'
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
/**
 * A page loaded on first use. Once its code is in (preloaded), it renders at once instead of
 * through Suspense: React holds a revealed fallback for at least 300 ms, which a preloaded page
 * would otherwise pay for nothing.
 */
function lazyPage(load: () => Promise<{ default: React.ComponentType<any> }>): { Page: React.ComponentType<any>; preload: () => Promise<unknown> } {
  let loaded: React.ComponentType<any> | null = null
  const preload = () => load().then((m) => { loaded = m.default; return m })
  const Lazy = lazy(preload)
  const Page = (props: any) => createElement(loaded ?? Lazy, props)
  return { Page, preload }
}

const shell = lazyPage(() => loaders.shell().then((m) => ({ default: m.Shell })))
const Shell = shell.Page
const pages = {
  overview: lazyPage(loaders.overview), search: lazyPage(loaders.search), tail: lazyPage(loaders.tail),
  traces: lazyPage(loaders.traces), trace: lazyPage(loaders.trace), serviceMap: lazyPage(loaders.serviceMap),
  orders: lazyPage(loaders.orders), order: lazyPage(loaders.order), admin: lazyPage(loaders.admin),
  audit: lazyPage(loaders.audit), storage: lazyPage(loaders.storage), alerts: lazyPage(loaders.alerts),
}
const OverviewPage = pages.overview.Page
const SearchPage = pages.search.Page
const TailPage = pages.tail.Page
const TracesPage = pages.traces.Page
const TracePage = pages.trace.Page
const ServiceMapPage = pages.serviceMap.Page
const OrdersPage = pages.orders.Page
const OrderPage = pages.order.Page
const AdminPage = pages.admin.Page
const AuditPage = pages.audit.Page
const StoragePage = pages.storage.Page
const AlertsPage = pages.alerts.Page

/** Settles when the page preloaded at start (if any) and the frame are in. */
let preloading: Promise<unknown> | null = null

/**
 * Opening Beacon at a page's address: fetch that page's code (and the frame) while /api/auth/me
 * answers, instead of after it. The login page needs neither, so it is not slowed down.
 */
export function preloadPage(path: string): void {
  const first = path.split('/')[1] ?? ''
  const second = path.split('/')[2]
  const page = ({ '': pages.overview, search: pages.search, tail: pages.tail, 'service-map': pages.serviceMap, admin: pages.admin, audit: pages.audit, storage: pages.storage, alerts: pages.alerts } as Record<string, { preload(): Promise<unknown> }>)[first]
    ?? (first === 'traces' ? (second ? pages.trace : pages.traces) : first === 'orders' ? (second ? pages.order : pages.orders) : undefined)
  if (!page) return
  preloading = Promise.all([shell.preload(), page.preload()]).catch(() => undefined)
}

function Routes() {
  const { me, loading: authLoading, can } = useAuth()
  // Wait for a preloaded page's code too (it loads beside /api/auth/me), so it renders at once.
  const [codeReady, setCodeReady] = useState(preloading === null)
  useEffect(() => { void preloading?.then(() => setCodeReady(true)) }, [])
  const loading = authLoading || (!!me && !codeReady)
  const [location, navigate] = useLocation()
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
