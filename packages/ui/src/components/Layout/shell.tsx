import { useEffect, useState, type ReactNode } from 'react'
import { Link, useLocation } from 'wouter'
import { useAuth } from '../Auth/auth.tsx'
import { NAV } from './nav.ts'
import { applyTheme, initialTheme, type Theme } from '../Theme/theme.ts'
import { utcOffsetLabel } from '../../model/time.ts'

/** The frame around every page: navigation (only what the role may use), user, theme, zone. */
export function Shell({ children }: { children: ReactNode }) {
  const { me, can, logout } = useAuth()
  const [location] = useLocation()
  const [theme, setTheme] = useState<Theme>(initialTheme)
  useEffect(() => applyTheme(theme), [theme])
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
  return (
    <div className="shell">
      <nav className="sidenav" aria-label="Main">
        <div className="brand"><span className="brand-dot" aria-hidden />Beacon</div>
        <ul>
          {NAV.filter((n) => can(...n.anyOf)).map((n) => {
            const active = n.path === '/' ? location === '/' : location.startsWith(n.path)
            return <li key={n.path}><Link href={n.path} className={active ? 'active' : ''} aria-current={active ? 'page' : undefined}>{n.label}</Link></li>
          })}
        </ul>
        <div className="sidenav-foot">
          <div className="who" title={`Permissions: ${me?.permissions.join(', ')}`}>
            <span className="who-name">{me?.name ?? 'anonymous'}</span>
            <span className="who-roles">{me?.roles.length ? me.roles.join(', ') : me?.authenticated === false ? 'auth off' : 'no roles'}</span>
          </div>
          <div className="zone" title={zone}>Times: {zone} ({utcOffsetLabel(-new Date().getTimezoneOffset())})</div>
          <div className="foot-actions">
            <button type="button" className="ghost" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
              {theme === 'dark' ? '☀ Light' : '☾ Dark'}
            </button>
            {me?.authenticated !== false && <button type="button" className="ghost" onClick={() => void logout()}>Log out</button>}
          </div>
        </div>
      </nav>
      <main className="main">{children}</main>
    </div>
  )
}
