export default function OrdersPage() {
  return <div className="page"><h1>Orders</h1><p>Coming soon.</p></div>
}
