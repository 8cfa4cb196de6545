export default function ServiceMapPage() {
  return <div className="page"><h1>ServiceMap</h1><p>Coming soon.</p></div>
}
