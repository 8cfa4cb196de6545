import { test } from 'node:test'
import assert from 'node:assert/strict'
import { canonicalSeverity, createNormalizeStage } from '../src/pipeline/stages/normalize.ts'
import { createClassifyStage } from '../src/pipeline/stages/classify.ts'
import { attrs, type Batch, type LogRecord } from '../src/pipeline/record.ts'

function rec(p: Partial<LogRecord>): LogRecord {
  return { timeUnixNano: '1795000000000000000', observedTimeUnixNano: '1795000000000000000', severityText: '', severityNumber: 0, serviceName: 'svc', body: 'b', traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs(), ...p }
}
const batch = (logs: LogRecord[]): Batch => ({ id: 'x', source: 't', logs, spans: [], rejected: 0 })

test('severity aliases from every kind of shipper become the six canonical levels', () => {
  const cases: [string, number, string][] = [
    ['warning', 0, 'WARN'], ['Error', 0, 'ERROR'], ['crit', 0, 'FATAL'], ['50', 0, 'ERROR'], ['3', 0, 'ERROR'],
    ['', 13, 'WARN'], ['', 21, 'FATAL'], ['information', 0, 'INFO'], ['dbg', 0, 'DEBUG'], ['WARNING:', 0, 'WARN'], ['', 0, 'INFO'],
  ]
  for (const [text, num, want] of cases) assert.equal(canonicalSeverity(text, num)[0], want, `${text}/${num}`)
})

test('ids are lowercased and validated; an invalid trace id is kept aside, not stored as the id', () => {
  const b = batch([rec({ traceId: 'AB'.repeat(16), spanId: 'CD'.repeat(8) }), rec({ traceId: 'not-a-trace', spanId: '0'.repeat(16) })])
  createNormalizeStage().process(b)
  assert.equal(b.logs[0].traceId, 'ab'.repeat(16))
  assert.equal(b.logs[0].spanId, 'cd'.repeat(8))
  assert.equal(b.logs[1].traceId, '')
  assert.equal(b.logs[1].attributes['trace.id.invalid'], 'not-a-trace')
  assert.equal(b.logs[1].spanId, '', 'all-zero span id means none')
})

test('out-of-range timestamps fall back to the observed time; empty service gets unknown_service', () => {
  const b = batch([rec({ timeUnixNano: '99999999999999999999999', serviceName: '' })])
  createNormalizeStage().process(b)
  assert.equal(b.logs[0].timeUnixNano, b.logs[0].observedTimeUnixNano)
  assert.equal(b.logs[0].serviceName, 'unknown_service')
})

test('classify: a 5xx without a level becomes ERROR; an explicit INFO stays INFO', () => {
  const a1 = attrs(); a1['http.response.status_code'] = '503'
  const a2 = attrs(); a2['http.response.status_code'] = '503'
  const b = batch([rec({ attributes: a1 }), rec({ attributes: a2, severityText: 'INFO' })])
  createNormalizeStage().process(b)
  createClassifyStage().process(b)
  assert.equal(b.logs[0].severityText, 'ERROR')
  assert.equal(b.logs[1].severityText, 'INFO')
})

test('spans without valid ids are rejected and counted', () => {
  const b: Batch = { id: 'x', source: 't', logs: [], rejected: 0, spans: [
    { timeUnixNano: '1795000000000000000', durationNano: '5', traceId: 'zz', spanId: 'ab'.repeat(8), parentSpanId: '', traceState: '', name: 'n', kind: 'Server', serviceName: 's', scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs(), statusCode: 'Unset', statusMessage: '', events: [], links: [] },
    { timeUnixNano: '1795000000000000000', durationNano: '5', traceId: 'ab'.repeat(16), spanId: 'ab'.repeat(8), parentSpanId: '', traceState: '', name: 'n', kind: 'Server', serviceName: 's', scopeName: '', scopeVersion: '', resource: attrs(), attributes: attrs(), statusCode: 'Unset', statusMessage: '', events: [], links: [] },
  ] }
  createNormalizeStage().process(b)
  assert.equal(b.spans.length, 1)
  assert.equal(b.rejected, 1)
})
