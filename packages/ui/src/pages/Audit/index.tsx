export default function AuditPage() {
  return <div className="page"><h1>Audit</h1><p>Coming soon.</p></div>
}
