import { test } from 'node:test'
import assert from 'node:assert/strict'
import { limitsSchema } from '../../config/schema.ts'
import { documentToRecord, type MappingContext } from './ecs.ts'
import { TRUNCATION_MARK } from './flatten.ts'

const NOW = '1795000000000000000'
const ctx = (limits: Record<string, number> = {}): MappingContext => ({ limits: limitsSchema.parse(limits), observedTimeUnixNano: NOW })
const map = (doc: unknown, index = 'logs-shop-default', c = ctx()) => documentToRecord(JSON.parse(JSON.stringify(doc)) as Record<string, unknown>, index, c)
const plain = (m: Record<string, string>) => ({ ...m })

test('maps a Filebeat-style ECS document onto the record', () => {
  const r = map({
    '@timestamp': '2026-11-22T10:00:00.123Z',
    message: 'GET /orders/A-1 200',
    log: { level: 'warn', file: { path: '/var/log/shop.log' } },
    service: { name: 'shop-api', version: '1.4.2' },
    trace: { id: '0AF7651916CD43DD8448EB211C80319C' },
    span: { id: 'b7ad6b7169203331' },
    http: { request: { method: 'GET' }, response: { status_code: 200 } },
    url: { path: '/orders/A-1' },
    user: { id: 'u-7' },
    event: { action: 'order.viewed', dataset: 'shop.access' },
    client: { ip: '10.0.0.9' },
    order: { id: 'A-1' },
    host: { name: 'web-1' },
    agent: { type: 'filebeat', version: '8.17.0' },
    ecs: { version: '8.0.0' },
  })
  assert.equal(r.timeUnixNano, `${Date.UTC(2026, 10, 22, 10) + 123}000000`)
  assert.equal(r.observedTimeUnixNano, NOW)
  assert.equal(r.body, 'GET /orders/A-1 200')
  assert.equal(r.severityText, 'warn')
  assert.equal(r.serviceName, 'shop-api')
  assert.equal(r.traceId, '0af7651916cd43dd8448eb211c80319c')
  assert.equal(r.spanId, 'b7ad6b7169203331')
  assert.deepEqual(plain(r.attributes), {
    'log.file.path': '/var/log/shop.log',
    'http.request.method': 'GET',
    'http.response.status_code': '200',
    'url.path': '/orders/A-1',
    'user.id': 'u-7',
    'event.action': 'order.viewed',
    'event.dataset': 'shop.access',
    'client.ip': '10.0.0.9',
    'order.id': 'A-1',
    'elastic.index': 'logs-shop-default',
  })
  assert.deepEqual(plain(r.resource), {
    'service.version': '1.4.2', 'host.name': 'web-1', 'agent.type': 'filebeat', 'agent.version': '8.17.0', 'ecs.version': '8.0.0',
  })
})

test('dotted keys and nested objects flatten the same way', () => {
  const a = map({ message: 'x', 'http.request.method': 'GET', 'kubernetes.pod.name': 'p' })
  const b = map({ message: 'x', http: { request: { method: 'GET' } }, kubernetes: { pod: { name: 'p' } } })
  assert.deepEqual(plain(a.attributes), plain(b.attributes))
  assert.deepEqual(plain(a.resource), { 'kubernetes.pod.name': 'p' })
})

test('arrays become JSON text, numbers and booleans text, null is skipped', () => {
  const r = map({ message: 'x', tags: ['a', 'b'], empty: [], n: 1.5, ok: true, gone: null, objs: [{ a: 1 }] })
  assert.equal(r.attributes.tags, '["a","b"]')
  assert.equal(r.attributes.n, '1.5')
  assert.equal(r.attributes.ok, 'true')
  assert.equal(r.attributes.objs, '[{"a":1}]')
  assert.equal('gone' in r.attributes, false)
  assert.equal('empty' in r.attributes, false)
})

test('time fallbacks: timestamp, time, epoch millis number, then now; an unparsable one stays an attribute', () => {
  const ms = Date.UTC(2026, 10, 22, 10)
  assert.equal(map({ message: 'x', timestamp: '2026-11-22T10:00:00Z' }).timeUnixNano, `${ms}000000`)
  assert.equal(map({ message: 'x', time: ms / 1000 }).timeUnixNano, `${ms}000000`)
  assert.equal(map({ message: 'x', '@timestamp': ms }).timeUnixNano, `${ms}000000`)
  const bad = map({ message: 'x', '@timestamp': 'not a time' })
  assert.equal(bad.timeUnixNano, NOW)
  assert.equal(bad.attributes['@timestamp'], 'not a time')
})

test('message fallbacks: msg, log (a string), MESSAGE', () => {
  assert.equal(map({ msg: 'pino says' }).body, 'pino says')
  assert.equal(map({ log: 'docker line\n', stream: 'stdout' }).body, 'docker line\n')
  assert.equal(map({ MESSAGE: 'journald' }).body, 'journald')
  // ECS `log` is an object: not the message
  const r = map({ message: 'm', log: { level: 'error' } })
  assert.equal(r.body, 'm')
  assert.equal(r.severityText, 'error')
})

test('without a message the remaining fields, as JSON text, are the body', () => {
  const r = map({ '@timestamp': '2026-11-22T10:00:00Z', level: 'info', event: { action: 'login' }, user: { id: 'u1' }, host: { name: 'h' } })
  assert.deepEqual(JSON.parse(r.body), { 'event.action': 'login', 'user.id': 'u1' })
  assert.equal(r.attributes['event.action'], 'login')
})

test('level fallbacks: level, severity, syslog severity name (kept as attribute)', () => {
  assert.equal(map({ message: 'x', level: 'ERROR' }).severityText, 'ERROR')
  assert.equal(map({ message: 'x', severity: 'notice' }).severityText, 'notice')
  const s = map({ message: 'x', log: { syslog: { severity: { name: 'crit' } } } })
  assert.equal(s.severityText, 'crit')
  assert.equal(s.attributes['log.syslog.severity.name'], 'crit')
})

test('service fallbacks: service (string), app, kubernetes.labels.app, syslog appname, programname, then the index', () => {
  assert.equal(map({ message: 'x', service: 'billing' }).serviceName, 'billing')
  assert.equal(map({ message: 'x', app: 'crm' }).serviceName, 'crm')
  assert.equal(map({ message: 'x', kubernetes: { labels: { app: 'k-app' } } }).serviceName, 'k-app')
  assert.equal(map({ message: 'x', log: { syslog: { appname: 'sshd' } } }).serviceName, 'sshd')
  assert.equal(map({ message: 'x', programname: 'cron' }, 'syslog-2026.11.22').serviceName, 'cron')
  assert.equal(map({ message: 'x' }, 'crm-api-2026.11.22').serviceName, 'crm-api')
  assert.equal(map({ message: 'x' }, 'logs-generic-default').serviceName, '')
})

test('shipper indices: container name or a configured agent name say more than "filebeat"', () => {
  const fb = 'filebeat-8.17.0-2026.11.22'
  assert.equal(map({ message: 'x', host: { name: 'web-1' }, agent: { name: 'web-1' } }, fb).serviceName, 'filebeat')
  assert.equal(map({ message: 'x', container: { name: 'checkout' } }, fb).serviceName, 'checkout')
  assert.equal(map({ message: 'x', host: { name: 'web-1' }, agent: { name: 'payments-shipper' } }, fb).serviceName, 'payments-shipper')
  assert.equal(map({ message: 'x' }, 'logs').serviceName, '')
})

test('trace and span ids that are not OTel hex stay attributes only', () => {
  const r = map({ message: 'x', trace: { id: 'not-hex' }, span: { id: '123' } })
  assert.equal(r.traceId, '')
  assert.equal(r.spanId, '')
  assert.equal(r.attributes['trace.id'], 'not-hex')
  assert.equal(r.attributes['span.id'], '123')
})

test('a string `host` (Vector, syslog) becomes host.name on the resource', () => {
  assert.deepEqual(plain(map({ message: 'x', host: 'db-2' }).resource), { 'host.name': 'db-2' })
})

test('__proto__ and constructor keys are plain attributes, never pollution', () => {
  const doc = JSON.parse('{"message":"x","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"bad":1}},"a":{"__proto__":"v"}}')
  const r = documentToRecord(doc, 'idx', ctx())
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
  assert.equal((Object.prototype as Record<string, unknown>).bad, undefined)
  assert.equal(r.attributes['__proto__.polluted'], 'yes')
  assert.equal(r.attributes['constructor.prototype.bad'], '1')
  assert.equal(r.attributes['a.__proto__'], 'v')
  // no inherited keys: the maps' prototype is an empty frozen object without a prototype (pipeline/record.ts attrs)
  for (const m of [r.attributes, r.resource]) {
    const proto = Object.getPrototypeOf(m)
    assert.equal(Object.getPrototypeOf(proto), null)
    assert.equal(Reflect.ownKeys(proto).length, 0)
    assert.ok(Object.isFrozen(proto))
    assert.equal('toString' in m, false)
  }
})

test('mapped fields leave the maps; the other keys keep their document order', () => {
  const r = map({
    z: '1', '@timestamp': '2026-11-22T10:00:00Z', 'log.level': 'warn', a: '2', 'trace.id': 'AB'.repeat(16), 'span.id': 'cd'.repeat(8),
    'service.name': 'shop', 'host.name': 'h1', m: '3',
  })
  assert.deepEqual(Object.keys(r.attributes), ['z', 'a', 'm', 'elastic.index'])
  assert.deepEqual(Object.keys(r.resource), ['host.name'])
  assert.equal(r.severityText, 'warn')
  assert.equal(r.traceId, 'ab'.repeat(16))
  assert.equal(r.spanId, 'cd'.repeat(8))
  assert.equal(r.serviceName, 'shop')
  assert.equal(r.timeUnixNano, '1795341600000000000')
})

test('maxAttributes: extra fields dropped and beacon.truncated set; mapped fields still found', () => {
  const doc: Record<string, unknown> = {}
  for (let i = 0; i < 500; i++) doc[`f${i}`] = i
  doc.host = { name: 'h' }
  doc['@timestamp'] = '2026-11-22T10:00:00Z'
  doc.level = 'error'
  doc.message = 'last'
  const r = map(doc, 'idx', ctx({ maxAttributes: 10 }))
  assert.equal(r.attributes['beacon.truncated'], 'attributes')
  assert.equal(r.timeUnixNano, `${Date.UTC(2026, 10, 22, 10)}000000`)
  assert.equal(r.severityText, 'error')
  assert.equal(r.body, 'last')
  assert.equal(r.resource['host.name'], 'h')
  // 10 kept (host.name first, then f0…f8) + elastic.index + beacon.truncated
  assert.equal(Object.keys(r.attributes).length + Object.keys(r.resource).length, 12)
  assert.equal(r.attributes.f8, '8')
  assert.equal(r.attributes.f9, undefined)
})

test('maxDepth: deeper objects are kept whole as JSON text', () => {
  const r = map({ message: 'x', a: { b: { c: { d: 1 } } } }, 'idx', ctx({ maxDepth: 2 }))
  assert.equal(r.attributes['a.b'], '{"c":{"d":1}}')
})

test('maxAttributeValueBytes and maxBodyFieldBytes cut values with a marker', () => {
  const r = map({ message: 'é'.repeat(100), big: 'x'.repeat(100) }, 'idx', ctx({ maxAttributeValueBytes: 40, maxBodyFieldBytes: 50 }))
  assert.ok(r.attributes.big.endsWith(TRUNCATION_MARK))
  assert.ok(Buffer.byteLength(r.attributes.big) <= 40)
  assert.ok(r.body.endsWith(TRUNCATION_MARK))
  assert.ok(Buffer.byteLength(r.body) <= 50)
  assert.ok(!r.body.includes('\uFFFD'), 'a multi-byte character is not split')
})

test('a pathologically deep document does not throw', () => {
  let deep: unknown = 'leaf'
  for (let i = 0; i < 5000; i++) deep = { d: deep }
  const r = documentToRecord({ message: 'x', deep } as Record<string, unknown>, 'idx', ctx())
  assert.equal(r.body, 'x')
  assert.ok(r.attributes['deep.d.d.d.d.d.d.d'])
})

test("rsyslog's default template: timereported is the time, priority the severity", () => {
  const r = map({
    message: 'disk full', fromhost: 'db-1', facility: 'local0', priority: 'err',
    timereported: '2026-11-22T10:00:00.5+00:00', timegenerated: '2026-11-22T10:00:01+00:00',
  }, 'syslog')
  assert.equal(r.timeUnixNano, `${Date.UTC(2026, 10, 22, 10) + 500}000000`)
  assert.equal(r.severityText, 'err')
  assert.equal(r.attributes.fromhost, 'db-1')
  // elsewhere `priority` is ordinary data
  assert.equal(map({ message: 'x', priority: 'high' }).attributes.priority, 'high')
})
