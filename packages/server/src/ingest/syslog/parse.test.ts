import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseSyslog, type SyslogOptions } from './parse.ts'
import { FrameSplitter } from './framing.ts'

const opts: SyslogOptions = { structuredDataKeys: 'name', renameAttributes: {} }
const NOW = '1700000000000000000'

test('RFC 5424 (as util-linux logger sends it): time, host, app → service, severity → level, structured data → attributes', () => {
  const r = parseSyslog('<131>1 2026-11-29T19:19:38.145952+00:00 vm crm-api 4242 ORD [timeQuality tzKnown="1"][order@32473 id="A-1" note="a \\"quoted\\" \\] b"] hello 5424', NOW, opts)
  assert.equal(r.serviceName, 'crm-api')
  assert.equal(r.resource['host.name'], 'vm')
  assert.equal(r.severityText, 'ERROR')
  assert.equal(r.severityNumber, 17)
  assert.equal(r.attributes['syslog.facility'], 'local0')
  assert.equal(r.attributes['process.pid'], '4242')
  assert.equal(r.attributes['syslog.msgid'], 'ORD')
  assert.equal(r.attributes['order.id'], 'A-1')
  assert.equal(r.attributes['order.note'], 'a "quoted" ] b')
  assert.equal(r.attributes['timeQuality.tzKnown'], '1')
  assert.equal(r.timeUnixNano, '1795979978145952000')
  assert.equal(r.body, 'hello 5424')
})

test('structured-data key styles and renames are configurable', () => {
  const line = '<14>1 - - app - - [order@32473 id="A-1"] m'
  assert.equal(parseSyslog(line, NOW, { ...opts, structuredDataKeys: 'id' }).attributes['order@32473.id'], 'A-1')
  assert.equal(parseSyslog(line, NOW, { ...opts, structuredDataKeys: 'param' }).attributes.id, 'A-1')
  const renamed = parseSyslog(line, NOW, { ...opts, renameAttributes: { 'order.id': 'order_id' } })
  assert.equal(renamed.attributes.order_id, 'A-1')
  assert.equal(renamed.attributes['order.id'], undefined)
  assert.equal(renamed.timeUnixNano, NOW, 'NILVALUE time: the arrival time')
})

test('renames apply in order, the renamed key comes last, the other keys keep their order', () => {
  const line = '<14>1 - - app - - [order@32473 id="A-1"] m'
  const r = parseSyslog(line, NOW, { ...opts, renameAttributes: { 'syslog.format': 'fmt', fmt: 'format', 'order.id': 'order.id', missing: 'x' } })
  assert.deepEqual(Object.entries(r.attributes), [['syslog.facility', 'user'], ['syslog.severity', 'info'], ['order.id', 'A-1'], ['format', 'rfc5424']])
  // still a map made by attrs(): no inherited keys
  assert.equal(Reflect.ownKeys(Object.getPrototypeOf(r.attributes)).length, 0)
  assert.equal('toString' in r.attributes, false)
})

test('RFC 3164: tag → service, pid, host kept; no PRI → user.notice with the whole text as body', () => {
  const r = parseSyslog('<11>Nov 29 19:19:38 web-1 shop-api[123]: payment failed', NOW, opts)
  assert.equal(r.serviceName, 'shop-api')
  assert.equal(r.attributes['process.pid'], '123')
  assert.equal(r.resource['host.name'], 'web-1')
  assert.equal(r.severityText, 'ERROR')
  assert.equal(r.body, 'payment failed')
  const bare = parseSyslog('just some text: here', NOW, opts)
  assert.equal(bare.serviceName, '')
  assert.equal(bare.body, 'just some text: here')
  assert.equal(bare.severityNumber, 10)
  assert.equal(bare.attributes['syslog.facility'], 'user')
})

test('severity 0–2 is FATAL, 4 WARN, 7 DEBUG', () => {
  assert.equal(parseSyslog('<8>Nov 29 19:19:38 h a: x', NOW, opts).severityText, 'FATAL')
  assert.equal(parseSyslog('<12>Nov 29 19:19:38 h a: x', NOW, opts).severityText, 'WARN')
  assert.equal(parseSyslog('<15>Nov 29 19:19:38 h a: x', NOW, opts).severityText, 'DEBUG')
})

test('TCP framing: octet counting and newlines mixed, split across chunks; over-limit frames are errors', () => {
  const f = new FrameSplitter(100)
  assert.deepEqual(f.push(Buffer.from('5 hello<13>a b\n3 ab')), { messages: ['hello', '<13>a b'] })
  assert.deepEqual(f.push(Buffer.from('c\n')), { messages: ['abc'] })
  assert.ok('error' in new FrameSplitter(10).push(Buffer.from('500 x')))
  assert.ok('error' in new FrameSplitter(10).push(Buffer.from('<13>' + 'y'.repeat(20))))
  assert.ok('error' in new FrameSplitter(10).push(Buffer.from('12x4 y')))
})
