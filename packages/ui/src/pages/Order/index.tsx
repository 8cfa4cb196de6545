export default function OrderPage() {
  return <div className="page"><h1>Order</h1><p>Coming soon.</p></div>
}
