import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Client, errors } from '@elastic/elasticsearch'
import { startTestBeacon, type TestBeacon } from '../../testing.ts'

/**
 * The official Elasticsearch client (v9) against a real Beacon: what Kibana-era tooling and every
 * shipper built on the client libraries see.
 */

const tb: TestBeacon = await startTestBeacon()
const client = new Client({ node: tb.esUrl, ...(tb.ingestKey ? { auth: { apiKey: tb.ingestKey } } : {}) })
const RUN = `run${Date.now().toString(36)}`

after(async () => {
  await client.close()
  await tb.stop()
})

async function count(where: string, params: Record<string, unknown>): Promise<number> {
  const rows = await tb.store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE ${where}`, params)
  return Number(rows[0].n)
}

test('client.info() accepts Beacon as Elasticsearch 8', async () => {
  const info = await client.info()
  assert.equal(info.version.number, '8.17.0')
  assert.equal(info.tagline, 'You Know, for Search')
})

test('the set-up calls shippers make go through the client', async () => {
  assert.equal((await client.license.get()).license.status, 'active')
  assert.equal(await client.indices.existsIndexTemplate({ name: `tpl-${RUN}` }), false)
  await client.indices.putIndexTemplate({ name: `tpl-${RUN}`, index_patterns: [`logs-${RUN}-*`], data_stream: {} })
  assert.equal(await client.indices.existsIndexTemplate({ name: `tpl-${RUN}` }), true)
  await assert.rejects(client.ilm.getLifecycle({ name: `pol-${RUN}` }), (e: unknown) => e instanceof errors.ResponseError && e.statusCode === 404)
  await client.ilm.putLifecycle({ name: `pol-${RUN}`, policy: { phases: { hot: { actions: {} } } } })
  assert.ok((await client.ilm.getLifecycle({ name: `pol-${RUN}` }))[`pol-${RUN}`])
  const nodes = await client.nodes.info({ metric: 'http' })
  assert.equal(Object.keys(nodes.nodes).length, 1)
  assert.equal((await client.cluster.health()).status, 'green')
})

test('helpers.bulk delivers a few thousand ECS documents and they are stored', async () => {
  const index = `logs-shop-${RUN}` // a data stream name: dataset `shop` is the service
  const n = 3000
  const now = Date.now()
  const docs = Array.from({ length: n }, (_, i) => ({
    '@timestamp': new Date(now - (n - i)).toISOString(),
    message: `order A-${RUN}-${i} paid`,
    log: { level: i % 100 === 0 ? 'error' : 'info' },
    http: { response: { status_code: i % 100 === 0 ? 500 : 200 }, request: { method: 'POST' } },
    url: { path: `/orders/A-${RUN}-${i}` },
    order: { id: `A-${RUN}-${i}` },
    user: { id: `u-${i % 10}` },
    event: { action: 'order.paid' },
    host: { name: 'web-1' },
  }))
  const dropped: unknown[] = []
  const result = await client.helpers.bulk({
    datasource: docs,
    onDocument: () => ({ create: { _index: index } }),
    onDrop: (d) => dropped.push(d),
    flushBytes: 256 * 1024,
  })
  assert.equal(result.total, n)
  assert.equal(result.successful, n)
  assert.equal(result.failed, 0)
  assert.equal(dropped.length, 0)

  await tb.flush()
  assert.equal(await count(`LogAttributes['elastic.index'] = {index:String}`, { index }), n)
  const rows = await tb.store.query<Record<string, string>>(
    `SELECT ServiceName, SeverityText, Body, HttpStatus, OrderId, UserId, EventAction, ResourceAttributes['host.name'] AS host
     FROM otel_logs WHERE OrderId = {o:String}`, { o: `A-${RUN}-100` })
  assert.equal(rows.length, 1)
  assert.deepEqual({ ...rows[0], HttpStatus: Number(rows[0].HttpStatus) }, {
    ServiceName: 'shop', SeverityText: 'ERROR', Body: `order A-${RUN}-100 paid`,
    HttpStatus: 500, OrderId: `A-${RUN}-100`, UserId: 'u-0', EventAction: 'order.paid', host: 'web-1',
  })
})

test('client.index() stores one document; the response is Elasticsearch-shaped', async () => {
  const index = `crm-api-${RUN}-2026.11.22`
  const r = await client.index({ index, id: `doc-${RUN}`, document: { message: `single ${RUN}`, level: 'warn' } })
  assert.equal(r.result, 'created')
  assert.equal(r._id, `doc-${RUN}`)
  await tb.flush()
  const rows = await tb.store.query<{ ServiceName: string; SeverityText: string }>(
    `SELECT ServiceName, SeverityText FROM otel_logs WHERE Body = {b:String}`, { b: `single ${RUN}` })
  assert.deepEqual(rows.map((x) => ({ ...x })), [{ ServiceName: `crm-api-${RUN}`, SeverityText: 'WARN' }])
})

test('a bad document fails only its item: errors:true per item, onDrop, the rest stored', async () => {
  const index = `bad-${RUN}`
  // Operations given as strings go out unserialized: a broken document line reaches Beacon as is.
  const r = await client.bulk({
    operations: [
      { index: { _index: index } }, { message: `good-1 ${RUN}` },
      { index: { _index: index } }, '{"message": broken',
      { delete: { _index: index, _id: 'x' } },
      { index: { _index: index } }, { message: `good-2 ${RUN}` },
    ],
  })
  assert.equal(r.errors, true)
  assert.deepEqual(r.items.map((i) => Object.values(i)[0].status), [201, 400, 400, 201])
  assert.equal(r.items[1].index?.error?.type, 'mapper_parsing_exception')

  // The helper hands failed items to onDrop (here: an action without an index).
  const dropped: { status: number; error: { type: string } | null; document: unknown }[] = []
  const result = await client.helpers.bulk<Record<string, string>>({
    datasource: [{ message: `good-3 ${RUN}` }, { message: `no index ${RUN}` }, { message: `good-4 ${RUN}` }],
    onDocument: (d) => (d.message.startsWith('no index') ? { index: {} } : { index: { _index: index } }),
    onDrop: (d) => dropped.push(d),
  })
  assert.equal(result.successful, 2)
  assert.equal(result.failed, 1)
  assert.equal(dropped[0].status, 400)
  assert.equal(dropped[0].error?.type, 'illegal_argument_exception')
  assert.deepEqual(dropped[0].document, { message: `no index ${RUN}` })
  await tb.flush()
  assert.equal(await count(`LogAttributes['elastic.index'] = {index:String}`, { index }), 4)
})

test('gzip-compressed bulk requests (client compression) are accepted', async () => {
  const gz = new Client({ node: tb.esUrl, compression: true, ...(tb.ingestKey ? { auth: { apiKey: tb.ingestKey } } : {}) })
  try {
    const index = `gz-${RUN}`
    const result = await gz.helpers.bulk({
      datasource: Array.from({ length: 500 }, (_, i) => ({ message: `zipped ${i} ${'x'.repeat(100)}` })),
      onDocument: () => ({ create: { _index: index } }),
    })
    assert.equal(result.successful, 500)
    await tb.flush()
    assert.equal(await count(`LogAttributes['elastic.index'] = {index:String}`, { index }), 500)
  } finally {
    await gz.close()
  }
})

test('auth on: a request without credentials is a 401 security_exception', {
  skip: tb.ingestKey ? false : 'startTestBeacon runs with ingest auth off (no ingest key); the 401/403 shape is covered by receiver.test.ts',
}, async () => {
  const anon = new Client({ node: tb.esUrl })
  try {
    await assert.rejects(anon.bulk({ operations: [{ index: { _index: 'x' } }, { message: 'm' }] }), (e: unknown) => {
      assert.ok(e instanceof errors.ResponseError)
      assert.equal(e.statusCode, 401)
      assert.equal((e.body as { error: { type: string } }).error.type, 'security_exception')
      return true
    })
  } finally {
    await anon.close()
  }
})
