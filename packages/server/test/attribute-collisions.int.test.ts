import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'

/** An explicit dotted key and a flattened nested one with the same name keep both values. */
let tb: TestBeacon
before(async () => { tb = await startTestBeacon() })
after(async () => { await tb?.stop() })

test('OTLP and Elasticsearch: `a.b` and `a: {b}` are both kept (the second as `a.b#2`)', async () => {
  const now = String(BigInt(Date.now()) * 1_000_000n)
  const otlp = {
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'collide' } }] }, scopeLogs: [{ logRecords: [{
      timeUnixNano: now, body: { stringValue: 'otlp-collision' },
      attributes: [
        { key: 'user.id', value: { stringValue: 'explicit-1' } },
        { key: 'user', value: { kvlistValue: { values: [{ key: 'id', value: { stringValue: 'nested-2' } }] } } },
      ] }] }] }],
  }
  const r = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }, body: JSON.stringify(otlp) })
  assert.equal(r.status, 200)
  const bulk = `{"index":{"_index":"collide"}}\n${JSON.stringify({ '@timestamp': new Date().toISOString(), message: 'es-collision', 'order.ref': 'explicit-3', order: { ref: 'nested-4' } })}\n`
  const e = await fetch(`${tb.esUrl}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tb.ingestKey}` }, body: bulk })
  assert.equal(e.status, 200)
  await tb.flush()
  const rows = await tb.store.query<{ Body: string; LogAttributes: Record<string, string> }>("SELECT Body, LogAttributes FROM otel_logs WHERE Body LIKE '%-collision'")
  const otlpRow = rows.find((x) => x.Body === 'otlp-collision')
  const esRow = rows.find((x) => x.Body === 'es-collision')
  assert.deepEqual([otlpRow?.LogAttributes['user.id'], otlpRow?.LogAttributes['user.id#2']].sort(), ['explicit-1', 'nested-2'])
  assert.deepEqual([esRow?.LogAttributes['order.ref'], esRow?.LogAttributes['order.ref#2']].sort(), ['explicit-3', 'nested-4'])
})
