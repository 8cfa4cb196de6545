import { useState, type FormEvent } from 'react'
import { useLocation, useSearch } from 'wouter'
import { useAuth } from '../../components/Auth/auth.tsx'
import { ApiFailure } from '../../api/client.ts'

/** Log in with a Beacon user (the `admin` password is printed at the first start). */
export function LoginPage() {
  const { login, notice } = useAuth()
  const [, navigate] = useLocation()
  const params = new URLSearchParams(useSearch())
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      await login(username, password)
      const next = params.get('next')
      navigate(next && next.startsWith('/') && !next.startsWith('/login') ? next : '/', { replace: true })
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : 'Login failed')
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand big"><span className="brand-dot" aria-hidden />Beacon</div>
        <h1 id="login-title">Log in</h1>
        {notice && <p className="notice" role="status">{notice}</p>}
        <label>User name<input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus required /></label>
        <label>Password<input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required /></label>
        {error && <p className="form-error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
        <p className="hint">First start? The <code>admin</code> password was printed by <code>npm start</code>.</p>
      </form>
    </div>
  )
}
