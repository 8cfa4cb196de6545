export default function TracesPage() {
  return <div className="page"><h1>Traces</h1><p>Coming soon.</p></div>
}
