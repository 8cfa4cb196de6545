import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createAuditTextMask } from './audit-text.ts'
import { createRedactStage } from './redact.ts'

test('the audit entry of a redacted search is valid JSON (values redacted, then serialized)', () => {
  const redact = createRedactStage()
  const mask = createAuditTextMask({ redactText: (t) => redact.redactText(t) }) as (t: string) => string
  for (const q of ['password="hunter2"', 'token: "abc def" x', 'card 4111111111111111', '"password": 4111111111111111', "pw='x' \\\" end"]) {
    const out = mask(JSON.stringify({ path: '/api/search', q, from: 'now-1h' }))
    const parsed = JSON.parse(out) as { q: string; from: string }
    assert.equal(parsed.from, 'now-1h')
    assert.ok(!/hunter2|abc def|4111111111111111/.test(parsed.q), parsed.q)
  }
})
