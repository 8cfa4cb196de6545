import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import type { LogRecord, SpanRecord } from '../src/pipeline/record.ts'
import { DAY, LOG_BATCHES, LOG_CASES, SPAN_CASES, SPANS } from '@beacon/query/test-table'

/**
 * Every query of the language test table (every field and operator of docs/query-language.md, on
 * both targets) through /api/search — the whole search SQL, select list included — against a real
 * Beacon: each must answer 200 with exactly the expected records. This is the audit that catches a
 * select alias shadowing a column in WHERE (issue 7: `duration:>500` answered 500).
 */

let tb: TestBeacon
const logLabel = new Map(LOG_BATCHES.flat().map((r) => [r.body, r.scopeName]))
const spanLabel = new Map(SPANS.map((s) => [s.spanId, s.scopeName]))
const day = Date.parse(`${DAY}T00:00:00Z`)
const range = `from=${new Date(day - 86_400_000).toISOString()}&to=${new Date(day + 2 * 86_400_000).toISOString()}`

before(async () => {
  tb = await startTestBeacon({ overrides: { 'security.redaction.enabled': false } })
  const out = await tb.beacon.ingest.submit({
    id: 'language-table', source: 'test', rejected: 0,
    logs: LOG_BATCHES.flat().map((r) => ({ ...r }) as LogRecord), spans: SPANS.map((s) => ({ ...s }) as SpanRecord),
  })
  assert.equal(out.status, 'ok')
  assert.equal(out.rejected ?? 0, 0, 'every record accepted')
  await tb.flush()
})
after(() => tb.stop())

async function labels(q: string, target: 'logs' | 'spans'): Promise<string[]> {
  const r = await tb.api(`/api/search?target=${target}&limit=1000&${range}&q=${encodeURIComponent(q)}`)
  assert.equal(r.status, 200, `${q} (${target}): ${JSON.stringify(r.body)}`)
  return r.body.events.map((e: any) => (target === 'logs' ? logLabel.get(e.body) : spanLabel.get(e.spanId)) ?? '?').sort()
}

test('every log query of the language table answers exactly its records through /api/search', async () => {
  for (const [q, expected] of LOG_CASES) assert.deepEqual([q, await labels(q, 'logs')], [q, expected])
})

test('every span query of the language table answers exactly its records through /api/search', async () => {
  for (const [q, expected] of SPAN_CASES) assert.deepEqual([q, await labels(q, 'spans')], [q, expected])
})
