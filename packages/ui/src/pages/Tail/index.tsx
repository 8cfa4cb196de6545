export default function TailPage() {
  return <div className="page"><h1>Tail</h1><p>Coming soon.</p></div>
}
