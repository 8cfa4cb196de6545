/**
 * The traffic generator's scenarios. Each makes one kind of thing happen that Beacon should show
 * (DESIGN §1), and says where to look.
 */
import { randomUUID } from 'node:crypto'
import amqp from 'amqplib'
import { call, CARDS, placeOrder, type Customer } from './shop-client.ts'

export interface Ctx {
  shop: string
  crm: string
  mes: string
  amqpUrl: string
  exchange: string
  customers: Customer[]
  say: (line: string) => void
  /** Order ids placed, for the summary. */
  orders: string[]
  owners: Map<string, Customer>
}

const NORMAL_SKUS = ['BOLT-M8', 'GEAR-40', 'SHAFT-1M', 'PLATE-A4']
const COMPLAINTS = ['delivery is late', 'wrong quantity', 'parts arrived damaged', 'no status update for days']
const pick = <T>(a: T[]): T => a[Math.floor(Math.random() * a.length)]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function normalItems(): { sku: string; qty: number }[] {
  const n = 1 + Math.floor(Math.random() * 3)
  return Array.from({ length: n }, () => ({ sku: pick(NORMAL_SKUS), qty: 1 + Math.floor(Math.random() * 5) }))
}

async function order(ctx: Ctx, items = normalItems()): Promise<string | undefined> {
  const c = pick(ctx.customers)
  await call(ctx.shop, 'GET', '/products', undefined, c.token)
  const r = await placeOrder(ctx.shop, c, items, pick(CARDS))
  if (r.status === 201) {
    ctx.orders.push(r.body.orderId)
    ctx.owners.set(r.body.orderId, c)
    return r.body.orderId
  }
  ctx.say(`    order failed: ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`)
  return undefined
}

/** What customers do after ordering: look at it, sometimes change or cancel it, sometimes sign out and back in. */
async function followUp(ctx: Ctx, orderId: string): Promise<void> {
  const owner = ctx.owners.get(orderId)
  if (owner === undefined) return
  const dice = Math.random()
  if (dice < 0.3) await call(ctx.shop, 'GET', `/orders/${orderId}`, undefined, owner.token)
  else if (dice < 0.4) await call(ctx.shop, 'PATCH', `/orders/${orderId}`, { items: [{ sku: 'GEAR-40', qty: 2 }] }, owner.token)
  else if (dice < 0.45) await call(ctx.shop, 'DELETE', `/orders/${orderId}`, undefined, owner.token)
  else if (dice < 0.53) {
    // Some customers call in: the CRM records a complaint against the order.
    await call(ctx.crm, 'POST', `/orders/${orderId}/complaints`, { reason: pick(COMPLAINTS), channel: pick(['phone', 'email', 'chat']) })
  } else if (dice < 0.55) {
    await call(ctx.shop, 'POST', '/logout', undefined, owner.token)
    const again = await call(ctx.shop, 'POST', '/login', { email: owner.email, password: owner.password })
    if (again.status === 200) owner.token = again.body.token
  }
}

export type ScenarioName = 'steady' | 'invalid' | 'repeat' | 'spike' | 'cost-errors' | 'poison' | 'slow-queries' | 'crash' | 'equipment-failure'
  | 'http-500' | 'ddos' | 'lost-message'

/** Runs `n` calls, `concurrency` at a time. */
async function pool(n: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < n) await one(next++) }))
}

export interface Scenario {
  title: string
  look: string
  run(ctx: Ctx, stop: () => boolean): Promise<void>
}

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  steady: {
    title: 'steady orders (one every ~2 s): shop → CRM → RabbitMQ → MES worker → MES API',
    look: 'event.action:order.status_changed   and   GET /api/orders/<orderId>/timeline',
    async run(ctx, stop) {
      let n = 0
      while (!stop()) {
        const id = await order(ctx)
        if (id && n++ % 5 === 0) ctx.say(`    placed ${id} (timeline: /api/orders/${id}/timeline)`)
        if (id) await followUp(ctx, id)
        await sleep(1000 + Math.random() * 2000)
      }
    },
  },
  invalid: {
    title: 'invalid requests: bad payloads, bad cards, no token, wrong password, other people\'s orders, unknown routes (4xx)',
    look: 'http.response.status_code:[400 TO 499]   and   event.action:authorization.denied',
    async run(ctx) {
      const [a] = ctx.customers
      const someone = ctx.orders.at(-1) ?? (await order(ctx))
      const intruder = ctx.customers.find((c) => c !== ctx.owners.get(someone ?? ''))
      for (let i = 0; i < 8; i++) {
        await call(ctx.shop, 'POST', '/orders', { items: [] }, a.token)
        await call(ctx.shop, 'POST', '/orders', { items: [{ sku: 'GEAR-40', qty: 1 }], payment: { cardNumber: '4111 1111 1111 1112', cvv: '1' } }, a.token)
        await call(ctx.shop, 'POST', '/orders', { items: [{ sku: 'NOPE', qty: 1 }], payment: { cardNumber: CARDS[0], cvv: '123' } }, a.token)
        await call(ctx.shop, 'POST', '/orders', { items: [{ sku: 'GEAR-40', qty: 1 }], payment: { cardNumber: CARDS[0], cvv: '123' } })
        await call(ctx.shop, 'POST', '/login', { email: a.email, password: 'wrong-password' })
        await call(ctx.shop, 'POST', '/login', '{not json')
        await call(ctx.shop, 'GET', '/admin/export', undefined, a.token)
        if (someone && intruder) await call(ctx.shop, 'GET', `/orders/${someone}`, undefined, intruder.token)
      }
      // Registering an e-mail twice: the CRM's insert fails on the unique index (failed query, ERROR) → 409.
      await call(ctx.shop, 'POST', '/register', { email: a.email, name: 'Again', password: 'another-password' })
    },
  },
  repeat: {
    title: 'the same request 200 times (identical payloads: a client stuck retrying a quote)',
    look: 'http.route:/orders/quote',
    async run(ctx) {
      const body = { items: [{ sku: 'SHAFT-1M', qty: 3 }, { sku: 'BOLT-M8', qty: 10 }] }
      for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 10 }, () => call(ctx.shop, 'POST', '/orders/quote', body)))
    },
  },
  spike: {
    title: 'a sudden spike: 60 orders in a few seconds',
    look: 'event.action:order.created  (count per minute)',
    async run(ctx) {
      for (let wave = 0; wave < 6; wave++) {
        await Promise.all(Array.from({ length: 10 }, () => order(ctx)))
      }
    },
  },
  'cost-errors': {
    title: 'cost calculation errors: 3 orders with an unpriced item (MES worker, ERROR)',
    look: 'event.action:cost.calculation_failed',
    async run(ctx) {
      for (let i = 0; i < 3; i++) {
        const id = await order(ctx, [{ sku: 'BROKEN-PRICE', qty: 2 }, { sku: 'BOLT-M8', qty: 1 }])
        if (id) ctx.say(`    ${id} will fail costing`)
      }
    },
  },
  poison: {
    title: 'poison messages: 3 unreadable production orders → dead-letter queue (ERROR + WARN)',
    look: 'event.action:message.dead_lettered   and   service:mes-worker level:error',
    async run(ctx) {
      const conn = await amqp.connect(ctx.amqpUrl)
      try {
        const ch = await conn.createConfirmChannel()
        const bad = [
          Buffer.from('\u0000\u0001 not json at all'),
          Buffer.from(JSON.stringify({ orderId: `ORD-POISON-${randomUUID().slice(0, 6)}`, items: 'three gears', password: 'should-never-be-stored' })),
          Buffer.from(JSON.stringify({ hello: 'world' })),
        ]
        for (const content of bad) ch.publish(ctx.exchange, 'order.created', content, { messageId: `poison-${randomUUID()}`, contentType: 'application/json' })
        await ch.waitForConfirms()
      } finally {
        await conn.close()
      }
    },
  },
  'slow-queries': {
    title: 'slow queries: the CRM sales report (WARN from the pg monitor)',
    look: 'body:"slow query"',
    async run(ctx) {
      for (let i = 0; i < 3; i++) await call(ctx.crm, 'GET', '/reports/sales?days=30&heavy=1')
    },
  },
  crash: {
    title: 'a service crash: crm-api hits an uncaught exception (FATAL, then restarted by the demo)',
    look: 'level:fatal service:crm-api',
    async run(ctx) {
      const r = await call(ctx.crm, 'POST', '/debug/crash')
      if (r.status !== 200) ctx.say(`    crash switch is off (start services with COMPANY_ALLOW_CRASH=1): ${r.status}`)
    },
  },
  'http-500': {
    title: 'an HTTP 500 burst: the CRM\'s new by-region sales report queries a column not deployed yet (12 × 500)',
    look: 'http.status:>=500 service:crm-api',
    async run(ctx) {
      for (let i = 0; i < 12; i++) await call(ctx.crm, 'GET', '/reports/sales?days=7&by=region')
    },
  },
  ddos: {
    title: 'DDoS-like traffic: 700 requests from one address within a minute, then 600 different addresses (X-Forwarded-For at the shop)',
    look: 'client.ip:198.51.100.66   and   count of distinct client.ip per minute',
    async run(ctx) {
      await pool(700, 20, () => call(ctx.shop, 'GET', '/products', undefined, undefined, { 'x-forwarded-for': '198.51.100.66' }))
      await pool(600, 20, (i) => call(ctx.shop, 'GET', '/products', undefined, undefined, { 'x-forwarded-for': `100.64.${i >> 8}.${(i & 255) + 1}` }))
    },
  },
  'lost-message': {
    title: 'a lost CRM → MES message: 2 express orders, which the CRM publishes under a routing key no queue is bound to',
    look: 'trace of the order: a RabbitMQ publish span and no consumer span',
    async run(ctx) {
      for (let i = 0; i < 2; i++) {
        const c = pick(ctx.customers)
        const r = await call(ctx.shop, 'POST', '/orders', { items: normalItems(), payment: { cardNumber: pick(CARDS), cvv: '123' }, express: true }, c.token)
        if (r.status === 201) ctx.say(`    ${r.body.orderId} (express) will never reach the MES`)
        else ctx.say(`    express order failed: ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`)
      }
    },
  },
  'equipment-failure': {
    title: 'an equipment failure: the press jams during an order (MES worker, FATAL)',
    look: 'event.action:equipment.failure',
    async run(ctx) {
      const id = await order(ctx, [{ sku: 'JAM-PRESS', qty: 1 }])
      if (id) ctx.say(`    ${id} will jam the press`)
    },
  },
}
