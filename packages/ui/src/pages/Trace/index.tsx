export default function TracePage() {
  return <div className="page"><h1>Trace</h1><p>Coming soon.</p></div>
}
