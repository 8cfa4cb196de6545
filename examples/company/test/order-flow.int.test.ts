/**
 * One customer order through the whole company, seen through Beacon: one trace across the four
 * services (RabbitMQ publish and consume included), the order timeline with every status change
 * in order, request records with their business keys, and no secret stored anywhere.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createCompany, http, poll, startBeacon, type Beacon, type Company } from './test-utils.ts'

let beacon: Beacon
let company: Company
const secrets = { password: 'Tr0ub4dor&3-horse', card: '4111111111111111', cardSpaced: '4111 1111 1111 1111', cvv: '737' }
let orderId: string
let customerId: number
let shopToken: string

before(async () => {
  beacon = await startBeacon()
  company = await createCompany(beacon.otlpUrl, beacon.ingestKey)
  // The CRM and the MES API create their schemas; then the worker and the shop.
  await Promise.all([company.start('crm-api'), company.start('mes-api')])
  await Promise.all([company.start('mes-worker'), company.start('shop-api')])

  const email = `ann.${company.run}@example.com`
  const reg = await http(company.urls.shop, 'POST', '/register', { email, name: 'Ann', password: secrets.password })
  assert.equal(reg.status, 201, JSON.stringify(reg.body))
  const login = await http(company.urls.shop, 'POST', '/login', { email, password: secrets.password })
  assert.equal(login.status, 200)
  shopToken = login.body.token
  customerId = login.body.customerId
  const order = await http(company.urls.shop, 'POST', '/orders',
    { items: [{ sku: 'GEAR-40', qty: 2 }, { sku: 'BOLT-M8', qty: 1 }], payment: { cardNumber: secrets.cardSpaced, cvv: secrets.cvv, holder: 'Ann' } },
    { authorization: `Bearer ${shopToken}` })
  assert.equal(order.status, 201, JSON.stringify(order.body))
  orderId = order.body.orderId
})

after(async () => {
  await company?.close()
  await beacon?.test.stop()
})

test('the order timeline lists every status change, in order, all in the order\'s one trace', async () => {
  const timeline = await poll('the order to be done in Beacon', async () => {
    const t = await beacon.api.timeline(orderId)
    return t.summary.statusChanges.some((s: { to: string }) => s.to === 'done') ? t : undefined
  }, 60_000, 500)
  assert.deepEqual(timeline.summary.statusChanges.map((s: { from: string; to: string }) => [s.from, s.to]), [
    ['', 'accepted'], ['accepted', 'scheduled'], ['scheduled', 'in_production'], ['in_production', 'quality_check'], ['quality_check', 'done'],
  ])
  const statusRecords = timeline.entries.filter((e: any) => e.kind === 'log' && e.eventAction === 'order.status_changed')
  assert.equal(new Set(statusRecords.map((e: any) => e.traceId)).size, 1, 'every status change belongs to the same trace')
  assert.deepEqual(timeline.summary.services.sort(), ['crm-api', 'mes-api', 'mes-worker', 'shop-api'])
})

test('one trace holds spans from all four services, including the RabbitMQ publish and consume', async () => {
  const created = await poll('the order.created record', async () => (await beacon.api.search(`event.action:order.created order:${orderId}`)).events[0])
  const traceId: string = created.traceId
  assert.match(traceId, /^[0-9a-f]{32}$/)
  const trace = await poll('the whole trace', async () => {
    const t = await beacon.api.trace(traceId)
    const names = new Set((t?.spans ?? []).map((s: any) => s.service))
    // The consume span ends after its handler's spans, so it may be exported after them: wait for it too.
    return ['shop-api', 'crm-api', 'mes-worker', 'mes-api'].every((s) => names.has(s)) && t.spans.some((s: any) => s.service === 'mes-api' && /status/.test(s.httpRoute ?? s.name))
      && ['Producer', 'Consumer'].every((k) => t.spans.some((s: any) => s.spanKind === k)) ? t : undefined
  }, 30_000, 500)
  const producer = trace.spans.find((s: any) => s.spanKind === 'Producer')
  const consumer = trace.spans.find((s: any) => s.spanKind === 'Consumer')
  assert.ok(producer, 'a RabbitMQ publish span')
  assert.equal(producer.service, 'crm-api')
  assert.ok(consumer, 'a RabbitMQ consume span')
  assert.equal(consumer.service, 'mes-worker')
  assert.equal(consumer.parentSpanId, producer.spanId, 'the consumer continues the publisher\'s span')
  const ids = new Set(trace.spans.map((s: any) => s.spanId))
  const roots = trace.spans.filter((s: any) => !ids.has(s.parentSpanId))
  assert.equal(roots.length, 1, 'one root: the shop request')
  assert.equal(roots[0].service, 'shop-api')
  for (const s of trace.spans) assert.equal(s.orderId, orderId, `span ${s.service} ${s.name} carries the order id`)
})

test('every request record has method, route, status, duration, user id and order id', async () => {
  const records = await poll('request records of all three APIs', async () => {
    const r = await beacon.api.search(`order:${orderId} http.route:* http.response.status_code:*`, { limit: 200 })
    const services = new Set(r.events.map((e: any) => e.service))
    return ['shop-api', 'crm-api', 'mes-api'].every((s) => services.has(s)) ? r.events : undefined
  }, 30_000, 500)
  for (const e of records) {
    const a = e.attributes
    const where = `${e.service} ${a['http.request.method']} ${e.httpRoute}`
    assert.ok(['GET', 'POST', 'PATCH', 'DELETE'].includes(a['http.request.method']), `${where}: method`)
    assert.ok(e.httpRoute.startsWith('/'), `${where}: route template`)
    assert.ok(e.httpStatus >= 200, `${where}: status`)
    assert.ok(Number(a['http.server.request.duration_ms']) >= 0, `${where}: duration`)
    assert.equal(e.orderId, orderId, `${where}: order id`)
    assert.equal(e.userId, String(customerId), `${where}: user id`)
  }
  const shopPost = records.find((e: any) => e.service === 'shop-api' && e.httpRoute === '/orders')
  assert.ok(shopPost, 'the shop\'s POST /orders record')
  assert.equal(shopPost.attributes['url.path'], '/orders')
  assert.match(shopPost.attributes['http.response.body.content'], new RegExp(orderId))
})

test('secrets sent in requests are absent from everything Beacon stored, and from what the services printed', async () => {
  // The login and the order above sent a password, a card number with its CVV, and a bearer token.
  await beacon.test.flush()
  const needles = [secrets.password, secrets.card, secrets.cardSpaced, shopToken]
  for (const table of ['otel_logs', 'otel_traces']) {
    const rows = await beacon.test.store.query<{ n: string }>(
      `SELECT count() AS n FROM ${table} WHERE ${needles.map((_, i) => `position(toString(tuple(*)), {s${i}:String}) > 0`).join(' OR ')}`,
      Object.fromEntries(needles.map((n, i) => [`s${i}`, n])),
    )
    assert.equal(Number(rows[0].n), 0, `${table} holds a secret`)
  }
  const withCard = await beacon.api.search(`order:${orderId} http.route:/orders service:shop-api`)
  assert.match(JSON.stringify(withCard.events[0].attributes), /\*\*\*\* 1111/, 'the card shows as its last 4 digits')
  for (const [name, sp] of company.services) {
    for (const n of needles) assert.ok(!sp.output().includes(n), `${name} printed a secret`)
  }
})
