import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import Fastify, { type FastifyInstance } from 'fastify'
import pino from 'pino'
import { limitsSchema } from '../../config/schema.ts'
import type { Batch } from '../../pipeline/record.ts'
import type { IngestOutcome } from '../../pipeline/pipeline.ts'
import { acceptRawBodies } from '../http-body.ts'
import { openIngestAuth, type IngestAuth } from '../receiver.ts'
import { createElasticReceiver } from './index.ts'

/** The receiver on a real Fastify instance (inject), with an ingest path that keeps what it got. */
async function setup(opts: { outcome?: (b: Batch) => IngestOutcome; auth?: IngestAuth; limits?: Record<string, number> } = {}) {
  const limits = limitsSchema.parse(opts.limits ?? {})
  const app: FastifyInstance = Fastify()
  acceptRawBodies(app, limits)
  const batches: Batch[] = []
  const ingest = {
    async submit(b: Batch): Promise<IngestOutcome> {
      batches.push(b)
      return opts.outcome?.(b) ?? { status: 'ok', accepted: b.logs.length, rejected: b.rejected }
    },
  }
  await createElasticReceiver()(app, { ingest, limits, logger: pino({ level: 'silent' }), auth: opts.auth ?? openIngestAuth })
  return { app, batches }
}

const NDJSON = { 'content-type': 'application/x-ndjson' }
const bulkBody = (docs: unknown[], index = 'logs-shop-default') =>
  docs.map((d) => `{"create":{"_index":"${index}"}}\n${JSON.stringify(d)}\n`).join('')

test('GET / answers version 8.17.0 with the product header; HEAD / too', async () => {
  const { app } = await setup()
  const r = await app.inject({ method: 'GET', url: '/' })
  assert.equal(r.statusCode, 200)
  assert.equal(r.headers['x-elastic-product'], 'Elasticsearch')
  const body = r.json()
  assert.equal(body.version.number, '8.17.0')
  assert.equal(body.version.build_flavor, 'default')
  assert.equal(body.tagline, 'You Know, for Search')
  assert.ok(body.version.lucene_version && body.version.minimum_wire_compatibility_version)
  const h = await app.inject({ method: 'HEAD', url: '/' })
  assert.equal(h.statusCode, 200)
  assert.equal(h.headers['x-elastic-product'], 'Elasticsearch')
})

test('start-up probes: _license, _xpack, _nodes/http, _cluster/health, _cat/health', async () => {
  const { app } = await setup()
  assert.equal((await app.inject('/_license')).json().license.status, 'active')
  assert.equal((await app.inject('/_xpack')).json().features.ilm.enabled, true)
  const nodes = (await app.inject({ url: '/_nodes/http', headers: { host: 'beacon.local:9200' } })).json()
  assert.equal((Object.values(nodes.nodes)[0] as { http: { publish_address: string } }).http.publish_address, 'beacon.local:9200')
  assert.equal((await app.inject('/_cluster/health')).json().status, 'green')
  assert.match((await app.inject('/_cat/health')).body, / beacon green /)
  assert.equal((await app.inject('/_cat/health?format=json')).json()[0].status, 'green')
})

test('templates and ILM policies: missing → 404, put → acknowledged, then found', async () => {
  const { app } = await setup()
  for (const path of ['/_index_template/filebeat-8.17.0', '/_template/fluentd', '/_component_template/c', '/_ilm/policy/filebeat', '/_ingest/pipeline/p']) {
    assert.equal((await app.inject({ method: 'HEAD', url: path })).statusCode, 404, path)
    const put = await app.inject({ method: 'PUT', url: path, payload: '{"index_patterns":["x-*"],"policy":{"phases":{}}}', headers: { 'content-type': 'application/json' } })
    assert.deepEqual(put.json(), { acknowledged: true }, path)
    assert.equal((await app.inject({ method: 'HEAD', url: path })).statusCode, 200, path)
  }
  const t = (await app.inject('/_index_template/filebeat-8.17.0')).json()
  assert.equal(t.index_templates[0].name, 'filebeat-8.17.0')
  assert.equal((await app.inject('/_ilm/policy/filebeat')).json().filebeat.policy.phases !== undefined, true)
})

test('indices and aliases: PUT creates, HEAD finds, a second PUT is resource_already_exists', async () => {
  const { app } = await setup()
  assert.equal((await app.inject({ method: 'HEAD', url: '/app-000001' })).statusCode, 404)
  const put = await app.inject({ method: 'PUT', url: '/app-000001', payload: '{"aliases":{"app":{"is_write_index":true}}}', headers: { 'content-type': 'application/json' } })
  assert.equal(put.json().acknowledged, true)
  assert.equal((await app.inject({ method: 'HEAD', url: '/app-000001' })).statusCode, 200)
  assert.equal((await app.inject({ method: 'HEAD', url: '/_alias/app' })).statusCode, 200)
  const again = await app.inject({ method: 'PUT', url: '/app-000001' })
  assert.equal(again.json().error.type, 'resource_already_exists_exception')
})

test('bulk: one item per action in request order, a failed one marks errors:true', async () => {
  const { app, batches } = await setup()
  const payload = bulkBody([{ message: 'a' }]) + '{"index":{"_index":"x"}}\n{broken\n' + '{"delete":{"_index":"x","_id":"9"}}\n' + bulkBody([{ message: 'b' }])
  const r = await app.inject({ method: 'POST', url: '/_bulk', payload, headers: NDJSON })
  assert.equal(r.statusCode, 200)
  const body = r.json()
  assert.equal(body.errors, true)
  assert.deepEqual(body.items.map((i: Record<string, { status: number }>) => Object.keys(i)[0] + ':' + Object.values(i)[0].status),
    ['create:201', 'index:400', 'delete:400', 'create:201'])
  assert.equal(body.items[1].index.error.type, 'mapper_parsing_exception')
  const created = body.items[0].create
  assert.equal(created._index, 'logs-shop-default')
  assert.equal(created._id.length, 20)
  assert.equal(created.result, 'created')
  assert.equal(batches.length, 1)
  assert.equal(batches[0].source, 'elastic')
  assert.deepEqual(batches[0].logs.map((l) => l.body), ['a', 'b'])
  assert.equal(batches[0].id, createHash('sha256').update('/_bulk').update('\n').update(payload).digest('hex'))
})

test('bulk: Idempotency-Key names the batch; /{index}/_bulk gives the default index', async () => {
  const { app, batches } = await setup()
  await app.inject({ method: 'POST', url: '/crm-api-2026.11.22/_bulk', payload: '{"index":{}}\n{"message":"m"}\n', headers: { ...NDJSON, 'idempotency-key': 'req-1' } })
  assert.equal(batches[0].id, 'req-1')
  assert.equal(batches[0].logs[0].serviceName, 'crm-api')
  assert.equal(batches[0].logs[0].attributes['elastic.index'], 'crm-api-2026.11.22')
})

test('bulk: gzip with Content-Encoding, and gzip sent without saying so', async () => {
  const { app, batches } = await setup()
  const zipped = gzipSync(bulkBody([{ message: 'zipped' }]))
  for (const headers of [{ ...NDJSON, 'content-encoding': 'gzip' }, NDJSON]) {
    const r = await app.inject({ method: 'POST', url: '/_bulk', payload: zipped, headers })
    assert.equal(r.json().errors, false)
  }
  assert.deepEqual(batches.map((b) => b.logs[0].body), ['zipped', 'zipped'])
})

test('bulk: invalid UTF-8 becomes replacement characters, the record is kept', async () => {
  const { app, batches } = await setup()
  const payload = Buffer.concat([Buffer.from('{"index":{"_index":"a"}}\n{"message":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from(' end"}\n')])
  const r = await app.inject({ method: 'POST', url: '/_bulk', payload, headers: NDJSON })
  assert.equal(r.json().errors, false)
  assert.equal(batches[0].logs[0].body, 'bad \uFFFD\uFFFD end')
})

test('bulk: overloaded ingest → every writable item 429 es_rejected_execution_exception, with Retry-After', async () => {
  const { app } = await setup({ outcome: () => ({ status: 'retry', retryAfterSeconds: 3, reason: 'backlog full' }) })
  const payload = bulkBody([{ message: 'a' }, { message: 'b' }]) + '{"index":{"_index":"x"}}\n[1]\n'
  const r = await app.inject({ method: 'POST', url: '/_bulk', payload, headers: NDJSON })
  assert.equal(r.statusCode, 200)
  assert.equal(r.headers['retry-after'], '3')
  const items = r.json().items.map((i: Record<string, { status: number; error?: { type: string } }>) => Object.values(i)[0])
  assert.deepEqual(items.map((i: { status: number }) => i.status), [429, 429, 400])
  assert.equal(items[0].error.type, 'es_rejected_execution_exception')
})

test('bulk: a record a pipeline stage drops is answered 400 on its own item', async () => {
  const { app } = await setup({
    outcome: (b) => {
      b.logs.splice(1, 1) // as a stage would: remove and count
      b.rejected++
      return { status: 'ok', accepted: b.logs.length, rejected: b.rejected, message: 'dropped by policy' }
    },
  })
  const r = await app.inject({ method: 'POST', url: '/_bulk', payload: bulkBody([{ message: 'a' }, { message: 'b' }, { message: 'c' }]), headers: NDJSON })
  const items = r.json().items.map((i: { create: { status: number; error?: { reason: string } } }) => i.create)
  assert.deepEqual(items.map((i: { status: number }) => i.status), [201, 400, 201])
  assert.equal(items[1].error.reason, 'dropped by policy')
})

test('bulk: undecodable, empty and wrong-type bodies get Elasticsearch-shaped 4xx', async () => {
  const { app } = await setup()
  const garbage = await app.inject({ method: 'POST', url: '/_bulk', payload: 'hello world\nthis is not json\n', headers: NDJSON })
  assert.equal(garbage.statusCode, 400)
  assert.equal(garbage.json().error.type, 'parse_exception')
  assert.equal(garbage.json().status, 400)
  const empty = await app.inject({ method: 'POST', url: '/_bulk', payload: '\n\n', headers: NDJSON })
  assert.equal(empty.statusCode, 400)
  assert.equal(empty.json().error.type, 'action_request_validation_exception')
  const wrong = await app.inject({ method: 'POST', url: '/_bulk', payload: '{}', headers: { 'content-type': 'text/csv' } })
  assert.equal(wrong.statusCode, 415)
  assert.match(wrong.json().error.reason, /application\/x-ndjson/)
  const badGzip = await app.inject({ method: 'POST', url: '/_bulk', payload: 'not gzip', headers: { ...NDJSON, 'content-encoding': 'gzip' } })
  assert.equal(badGzip.statusCode, 400)
  assert.equal(badGzip.json().error.type, 'parse_exception')
})

test('a body over limits.maxBodyBytes → 413 in Elasticsearch shape', async () => {
  const { app } = await setup({ limits: { maxBodyBytes: 100 } })
  const r = await app.inject({ method: 'POST', url: '/_bulk', payload: bulkBody([{ message: 'x'.repeat(200) }]), headers: NDJSON })
  assert.equal(r.statusCode, 413)
  assert.match(r.json().error.reason, /limits\.maxBodyBytes/)
  assert.equal(r.headers['x-elastic-product'], 'Elasticsearch')
})

test('single documents: _doc, _doc/{id}, _create/{id}; a bad one is 400', async () => {
  const { app, batches } = await setup()
  const json = { 'content-type': 'application/vnd.elasticsearch+json; compatible-with=9' }
  const a = await app.inject({ method: 'POST', url: '/orders/_doc', payload: '{"message":"one"}', headers: json })
  assert.equal(a.statusCode, 201)
  assert.equal(a.json().result, 'created')
  const b = await app.inject({ method: 'PUT', url: '/orders/_doc/id-2', payload: '{"message":"two"}', headers: json })
  assert.equal(b.json()._id, 'id-2')
  const c = await app.inject({ method: 'PUT', url: '/orders/_create/id-3', payload: '{"message":"three"}', headers: json })
  assert.equal(c.json()._id, 'id-3')
  const bad = await app.inject({ method: 'POST', url: '/orders/_doc', payload: '["x"]', headers: json })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().error.type, 'mapper_parsing_exception')
  assert.deepEqual(batches.map((x) => x.logs[0].body), ['one', 'two', 'three'])
})

test('single document when overloaded → 429 es_rejected_execution_exception', async () => {
  const { app } = await setup({ outcome: () => ({ status: 'retry', retryAfterSeconds: 2, reason: 'busy' }) })
  const r = await app.inject({ method: 'POST', url: '/x/_doc', payload: '{"message":"m"}', headers: { 'content-type': 'application/json' } })
  assert.equal(r.statusCode, 429)
  assert.equal(r.json().error.type, 'es_rejected_execution_exception')
})

test('auth: 401 with WWW-Authenticate and security_exception; 403; principal reaches the batch', async () => {
  const auth: IngestAuth = {
    async authenticate(h) {
      if (!h.authorization) return { ok: false, status: 401, message: 'missing authentication credentials' }
      if (h.authorization === 'ApiKey read-only') return { ok: false, status: 403, message: 'this key may not ingest' }
      return { ok: true, principal: { keyId: 'k1', service: 'shop' } }
    },
  }
  const { app, batches } = await setup({ auth })
  const anon = await app.inject({ method: 'POST', url: '/_bulk', payload: bulkBody([{ message: 'a' }]), headers: NDJSON })
  assert.equal(anon.statusCode, 401)
  assert.equal(anon.json().error.type, 'security_exception')
  assert.match(String(anon.headers['www-authenticate']), /Basic realm="security"/)
  const ro = await app.inject({ method: 'POST', url: '/_bulk', payload: bulkBody([{ message: 'a' }]), headers: { ...NDJSON, authorization: 'ApiKey read-only' } })
  assert.equal(ro.statusCode, 403)
  assert.equal(ro.json().status, 403)
  const ok = await app.inject({ method: 'POST', url: '/_bulk', payload: bulkBody([{ message: 'a' }]), headers: { ...NDJSON, authorization: 'ApiKey good' } })
  assert.equal(ok.statusCode, 200)
  assert.deepEqual(batches[0].principal, { keyId: 'k1', service: 'shop' })
})

test('unknown paths → 404 in Elasticsearch shape; searches answer no hits', async () => {
  const { app } = await setup()
  const r = await app.inject({ method: 'GET', url: '/a/b/c/d' })
  assert.equal(r.statusCode, 404)
  assert.equal(r.json().status, 404)
  assert.equal(r.headers['x-elastic-product'], 'Elasticsearch')
  const s = await app.inject({ method: 'POST', url: '/logs-*/_search', payload: '{"query":{"match_all":{}}}', headers: { 'content-type': 'application/json' } })
  assert.equal(s.json().hits.total.value, 0)
})
