export default function OverviewPage() {
  return <div className="page"><h1>Overview</h1><p>Coming soon.</p></div>
}
