export default function AdminPage() {
  return <div className="page"><h1>Admin</h1><p>Coming soon.</p></div>
}
