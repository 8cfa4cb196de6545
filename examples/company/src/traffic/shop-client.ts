/** A customer of the shop, as the traffic generator plays one. */
export interface ShopResponse<T = any> { status: number; body: T }

export async function call<T = any>(base: string, method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<ShopResponse<T>> {
  try {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    })
    const text = await res.text()
    let parsed: unknown = text
    try { parsed = text ? JSON.parse(text) : undefined } catch { /* text */ }
    return { status: res.status, body: parsed as T }
  } catch (err) {
    return { status: 0, body: { error: (err as Error).message } as T }
  }
}

export interface Customer { email: string; password: string; token: string; customerId: number }

/** Test card numbers (Luhn-valid, never real). */
export const CARDS = ['4111 1111 1111 1111', '5555 5555 5555 4444', '4012 8888 8888 1881']

export async function signUp(shop: string, email: string, password: string, name: string): Promise<Customer> {
  const reg = await call(shop, 'POST', '/register', { email, name, password })
  if (reg.status !== 201 && reg.status !== 409) throw new Error(`register ${email}: ${reg.status} ${JSON.stringify(reg.body)}`)
  const login = await call(shop, 'POST', '/login', { email, password })
  if (login.status !== 200) throw new Error(`login ${email}: ${login.status} ${JSON.stringify(login.body)}`)
  return { email, password, token: login.body.token, customerId: login.body.customerId }
}

export async function placeOrder(shop: string, c: Customer, items: { sku: string; qty: number }[], card = CARDS[0]): Promise<ShopResponse<{ orderId: string; status: string }>> {
  return call(shop, 'POST', '/orders', { items, payment: { cardNumber: card, cvv: '123', holder: c.email } }, c.token)
}
