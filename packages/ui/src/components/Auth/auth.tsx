import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { api, onSessionLost, setCsrfToken } from '../../api/client.ts'
import type { Me } from '../../api/types.ts'

/**
 * Who is logged in, from /api/auth/me. Pages and navigation ask `can(...)` so what a role may
 * not see is not shown at all (the API refuses it anyway).
 */
export interface AuthState {
  me: Me | null
  loading: boolean
  /** Why the user was sent back to the login page (session expired…). */
  notice: string
  can(...anyOf: string[]): boolean
  login(username: string, password: string): Promise<void>
  logout(): Promise<void>
}

const AuthContext = createContext<AuthState | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null)
  const [loading, setLoading] = useState(true)
  const [notice, setNotice] = useState('')
  const queryClient = useQueryClient()

  const refresh = useCallback(async () => {
    try {
      const m = await api<Me>('/api/auth/me')
      setCsrfToken(m.csrfToken)
      setMe(m.id || m.authenticated === false ? m : null)
    } catch {
      setMe(null)
    } finally {
      setLoading(false)
    }
  }, [])

  useEffect(() => {
    onSessionLost(() => {
      setMe((prev) => {
        // Expired, logged out elsewhere or revoked by an administrator: the API only says 401.
        if (prev) setNotice('Your session has expired or was ended. Log in again — you will come back to the page you were on.')
        return null
      })
      queryClient.clear()
    })
    void refresh()
  }, [refresh, queryClient])

  const value: AuthState = {
    me, loading, notice,
    can: (...anyOf) => !!me && anyOf.some((p) => me.permissions.includes(p)),
    async login(username, password) {
      const r = await api<{ csrfToken: string }>('/api/auth/login', { method: 'POST', json: { username, password } })
      setCsrfToken(r.csrfToken)
      setNotice('')
      await refresh()
    },
    async logout() {
      try { await api('/api/auth/logout', { method: 'POST', json: {} }) } catch { /* already gone */ }
      setCsrfToken('')
      setMe(null)
      queryClient.clear()
    },
  }
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): AuthState {
  const a = useContext(AuthContext)
  if (!a) throw new Error('useAuth outside AuthProvider')
  return a
}
