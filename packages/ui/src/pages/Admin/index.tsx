import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client.ts'
import { useAuth } from '../../components/Auth/auth.tsx'
import { ErrorState, Loading } from '../../components/States/index.tsx'
import { exactTitle, formatLocal } from '../../model/time.ts'

/** As GET /api/admin/users and /api/admin/keys answer them: times ISO 8601 UTC (null: not revoked / never used). */
interface User { username: string; roles: string[]; disabled: boolean; createdAt: string; updatedAt: string }
interface Key { id: string; name: string; scope: string; service: string; createdBy: string; createdAt: string; revoked: boolean; revokedAt: string | null; lastUsedAt: string | null }

const ROLES = ['support', 'developer', 'analyst', 'admin', 'auditor']

/** Users and roles, API keys (shown once at creation; revoke), redaction counters — each for the roles that may. */
export default function AdminPage() {
  const { can } = useAuth()
  return (
    <div className="page">
      <h1>Admin</h1>
      {can('users:manage') && <Users />}
      {can('keys:manage') && <Keys />}
      {can('retention:manage') && <Redaction />}
    </div>
  )
}

function Users() {
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['admin-users'], queryFn: () => api<{ users: User[] }>('/api/admin/users') })
  const [name, setName] = useState('')
  const [roles, setRoles] = useState<string[]>(['developer'])
  const [created, setCreated] = useState<{ username: string; password?: string } | null>(null)
  const create = useMutation({
    mutationFn: () => api<{ user: User; password?: string }>('/api/admin/users', { method: 'POST', json: { username: name, roles } }),
    onSuccess: (r) => { setCreated({ username: r.user.username, password: r.password }); setName(''); void qc.invalidateQueries({ queryKey: ['admin-users'] }) },
  })
  const setUserRoles = useMutation({
    mutationFn: (v: { username: string; roles: string[] }) => api(`/api/admin/users/${encodeURIComponent(v.username)}/roles`, { method: 'PUT', json: { roles: v.roles } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['admin-users'] }),
  })
  const toggle = useMutation({
    mutationFn: (u: User) => api(`/api/admin/users/${encodeURIComponent(u.username)}/${u.disabled ? 'enable' : 'disable'}`, { method: 'POST', json: {} }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['admin-users'] }),
  })
  return (
    <section className="panel" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {q.isPending ? <Loading what="users" /> : q.error ? <ErrorState error={q.error} /> : (
        <table className="grid">
          <thead><tr><th>User</th><th>Roles</th><th>Created</th><th>State</th><th /></tr></thead>
          <tbody>{q.data.users.map((u) => (
            <tr key={u.username}>
              <td className="mono">{u.username}</td>
              <td>{ROLES.map((r) => (
                <label key={r} style={{ marginRight: 8, whiteSpace: 'nowrap' }}>
                  <input type="checkbox" checked={u.roles.includes(r)} aria-label={`${u.username} has role ${r}`}
                    onChange={(e) => setUserRoles.mutate({ username: u.username, roles: e.target.checked ? [...u.roles, r] : u.roles.filter((x) => x !== r) })} /> {r}
                </label>))}
              </td>
              <td className="mono" title={exactTitle(u.createdAt)}>{formatLocal(u.createdAt, false)}</td>
              <td>{u.disabled ? <span className="badge err">disabled</span> : <span className="badge ok">active</span>}</td>
              <td><button type="button" className="small" onClick={() => toggle.mutate(u)}>{u.disabled ? 'Enable' : 'Disable'}</button></td>
            </tr>))}
          </tbody>
        </table>
      )}
      <form className="row" style={{ marginTop: 10 }} onSubmit={(e) => { e.preventDefault(); if (name.trim()) create.mutate() }}>
        <input aria-label="New user name" placeholder="new user name" value={name} onChange={(e) => setName(e.target.value)} />
        {ROLES.map((r) => <label key={r}><input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} /> {r}</label>)}
        <button type="submit" className="primary">Create user</button>
        {create.error && <span className="err-text">{(create.error as Error).message}</span>}
        {setUserRoles.error && <span className="err-text">{(setUserRoles.error as Error).message}</span>}
      </form>
      {created?.password && <p className="notice" role="status">Password for <b>{created.username}</b> (shown once): <code>{created.password}</code></p>}
    </section>
  )
}

function Keys() {
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['admin-keys'], queryFn: () => api<{ keys: Key[] }>('/api/admin/keys') })
  const [scope, setScope] = useState('ingest')
  const [name, setName] = useState('')
  const [service, setService] = useState('')
  const [secret, setSecret] = useState('')
  const create = useMutation({
    mutationFn: () => api<{ key: Key; secret: string }>('/api/admin/keys', { method: 'POST', json: { scope, name, service } }),
    onSuccess: (r) => { setSecret(r.secret); setName(''); void qc.invalidateQueries({ queryKey: ['admin-keys'] }) },
  })
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api/admin/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['admin-keys'] }),
  })
  return (
    <section className="panel" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      {q.isPending ? <Loading what="keys" /> : q.error ? <ErrorState error={q.error} /> : (
        <table className="grid">
          <thead><tr><th>Id</th><th>Name</th><th>Scope</th><th>Service</th><th>Created by</th><th>Created</th><th>Last used</th><th>State</th><th /></tr></thead>
          <tbody>{q.data.keys.map((k) => (
            <tr key={k.id}>
              <td className="mono">{k.id}</td><td>{k.name}</td><td>{k.scope}</td><td>{k.service || 'any'}</td><td className="mono">{k.createdBy}</td>
              <td className="mono" title={exactTitle(k.createdAt)}>{formatLocal(k.createdAt, false)}</td>
              <td className="mono">{k.lastUsedAt ? <span title={exactTitle(k.lastUsedAt)}>{formatLocal(k.lastUsedAt, false)}</span> : 'never'}</td>
              <td>{k.revoked ? <span className="badge err" title={k.revokedAt ? `revoked ${exactTitle(k.revokedAt)}` : undefined}>revoked</span> : <span className="badge ok">active</span>}</td>
              <td>{!k.revoked && <button type="button" className="small" onClick={() => { if (confirm(`Revoke key ${k.id}? Clients using it stop working.`)) revoke.mutate(k.id) }}>Revoke</button>}</td>
            </tr>))}
          </tbody>
        </table>
      )}
      <form className="row" style={{ marginTop: 10 }} onSubmit={(e) => { e.preventDefault(); create.mutate() }}>
        <select aria-label="Key scope" value={scope} onChange={(e) => setScope(e.target.value)}><option value="ingest">ingest (write)</option><option value="read">read</option></select>
        <input aria-label="Key name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} />
        {scope === 'ingest' && <input aria-label="Service bound to the key" placeholder="service (empty: any)" value={service} onChange={(e) => setService(e.target.value)} />}
        <button type="submit" className="primary">Create key</button>
        {create.error && <span className="err-text">{(create.error as Error).message}</span>}
      </form>
      {secret && <p className="notice" role="status">New key (shown once — copy it now): <code>{secret}</code></p>}
    </section>
  )
}

function Redaction() {
  const q = useQuery({ queryKey: ['redaction'], queryFn: () => api<Record<string, unknown>>('/api/admin/redaction') })
  return (
    <section className="panel" aria-labelledby="redaction-title">
      <h2 id="redaction-title">Redaction and encryption counters</h2>
      {q.isPending ? <Loading what="counters" /> : q.error ? <ErrorState error={q.error} /> : <pre className="json">{JSON.stringify(q.data, null, 2)}</pre>}
    </section>
  )
}
