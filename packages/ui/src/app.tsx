import { lazy, Suspense, useEffect } from 'react'
import { Redirect, Route, Switch, useLocation } from 'wouter'
import { AuthProvider, useAuth } from './components/Auth/auth.tsx'
import { Shell } from './components/Layout/shell.tsx'
import { Loading } from './components/States/index.tsx'
import { LoginPage } from './pages/Login/index.tsx'
import { NAV } from './components/Layout/nav.ts'

// Pages load on first visit: the first page stays small (charts and the graph library come later).
const OverviewPage = lazy(() => import('./pages/Overview/index.tsx'))
const SearchPage = lazy(() => import('./pages/Search/index.tsx'))
const TailPage = lazy(() => import('./pages/Tail/index.tsx'))
const TracesPage = lazy(() => import('./pages/Traces/index.tsx'))
const TracePage = lazy(() => import('./pages/Trace/index.tsx'))
const ServiceMapPage = lazy(() => import('./pages/ServiceMap/index.tsx'))
const OrdersPage = lazy(() => import('./pages/Orders/index.tsx'))
const OrderPage = lazy(() => import('./pages/Order/index.tsx'))
const AdminPage = lazy(() => import('./pages/Admin/index.tsx'))
const AuditPage = lazy(() => import('./pages/Audit/index.tsx'))


function Routes() {
  const { me, loading, can } = useAuth()
  const [location, navigate] = useLocation()
  useEffect(() => {
    if (!loading && !me && location !== '/login') navigate(`/login?next=${encodeURIComponent(location + window.location.search)}`, { replace: true })
  }, [loading, me, location, navigate])
  if (loading) return <Loading what="Beacon" />
  if (!me) return <Switch><Route path="/login" component={LoginPage} /><Route><Loading what="the login page" /></Route></Switch>
  const allowed = (path: string) => NAV.find((n) => n.path === path)!.anyOf
  const guard = (path: string, page: React.ComponentType) => (can(...allowed(path)) ? page : NotAllowed)
  return (
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
          <Route path="/admin" component={guard('/admin', AdminPage)} />
          <Route path="/audit" component={guard('/audit', AuditPage)} />
          <Route><div className="page"><h1>Not found</h1><p>This address is not a Beacon page. Use the navigation on the left.</p></div></Route>
        </Switch>
      </Suspense>
    </Shell>
  )
}

function NotAllowed() {
  return <div className="page"><h1>Not available for your role</h1><p>Ask an administrator for a role that grants it.</p></div>
}

export function App() {
  return <AuthProvider><Routes /></AuthProvider>
}
