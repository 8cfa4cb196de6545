import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { generateKey } from '../src/security/crypto.ts'
import { MAX_TAILS, RATE_PER_SECOND } from '../src/api/tail.ts'
import { eventually, otlpLogsJson } from './test-utils.ts'

/**
 * Live tail with the security layer on: encrypted fields decrypted only for readers allowed to
 * (as search does), tails audited, the per-client rate cap reporting drops, the concurrency limit.
 */

const PASSWORD = 'a long enough password'
const EMAIL = 'tail.reader@example.com'
let tb: TestBeacon
const tokens: Record<string, string> = {}

before(async () => {
  tb = await startTestBeacon({
    env: { BEACON_ENCRYPTION_KEYS: `k1:${generateKey()}` },
    // One user may hold a few reads at once (security.reads.perUserRequests, 4 by default; a tail
    // is one of them); raised here so one user can reach the process-wide tail limit.
    overrides: { 'security.encryption.fields': ['customer.email'], 'security.login.attemptsPerMinutePerIp': 1000, 'security.reads.perUserRequests': 100 },
  })
  tokens.admin = tb.adminToken!
  for (const role of ['support', 'developer', 'auditor']) {
    const r = await tb.api('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: role, roles: [role], password: PASSWORD }) })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    const login = await fetch(`${tb.apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: role, password: PASSWORD }) })
    tokens[role] = ((await login.json()) as { token: string }).token
  }
})
after(() => tb.stop())

interface Tail { events: { event: string; data: any }[]; close(): void; status: number }

/** Opens a tail and collects its events in the background. */
async function openTail(q: string, who: string): Promise<Tail> {
  const ac = new AbortController()
  const res = await fetch(`${tb.apiUrl}/api/tail?q=${encodeURIComponent(q)}`, { signal: ac.signal, headers: { authorization: `Bearer ${tokens[who]}` } })
  const tail: Tail = { events: [], close: () => ac.abort(), status: res.status }
  if (res.status !== 200) { await res.arrayBuffer(); return tail }
  void (async () => {
    let buf = ''
    const decoder = new TextDecoder()
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true })
        let i: number
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event && data) tail.events.push({ event, data: JSON.parse(data) })
        }
      }
    } catch { /* aborted */ }
  })()
  return tail
}

async function send(service: string, n: number, attrs: (i: number) => Record<string, string> = () => ({})): Promise<void> {
  const res = await fetch(`${tb.otlpUrl}/v1/logs`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }, body: otlpLogsJson(service, 'msg', n, attrs),
  })
  assert.equal(res.status, 200, await res.text())
}

test('encrypted fields reach the tail decrypted for support, withheld for developers; tails are audited', async () => {
  const support = await openTail('service:tail-crm', 'support')
  const developer = await openTail('service:tail-crm', 'developer')
  assert.equal(support.status, 200)
  assert.equal(developer.status, 200)
  await send('tail-crm', 1, () => ({ 'customer.email': EMAIL }))
  const s = await eventually(async () => support.events.find((e) => e.event === 'record'), 5000, 'the support tail')
  const d = await eventually(async () => developer.events.find((e) => e.event === 'record'), 5000, 'the developer tail')
  assert.equal(s.data.attributes['customer.email'], EMAIL)
  assert.equal(d.data.attributes['customer.email'], '[encrypted]')
  assert.ok(!JSON.stringify(d.data).includes(EMAIL))
  support.close()
  developer.close()
  const entries = await eventually(async () => {
    const r = await tb.api('/api/audit?limit=1000', { headers: { authorization: `Bearer ${tokens.auditor}` } })
    const actions = (r.body.entries ?? []).map((e: any) => e.action)
    return actions.includes('tail.close') && actions.includes('sensitive.decrypt') ? actions : null
  }, 10_000, 'tail audit entries')
  assert.ok(entries.includes('tail.open'))
})

test('a client over the rate cap is told how many records were dropped', async () => {
  const tail = await openTail('service:tail-flood', 'admin')
  await send('tail-flood', RATE_PER_SECOND + 300)
  const dropped = await eventually(async () => tail.events.find((e) => e.event === 'dropped'), 5000, 'a dropped event')
  assert.equal(dropped.data.count, 300)
  assert.equal(tail.events.filter((e) => e.event === 'record').length, RATE_PER_SECOND)
  tail.close()
})

test(`more than ${MAX_TAILS} tails at once are refused with 429`, async () => {
  // Tails of the tests above may still be closing on the server: open until refused.
  const tails: Tail[] = []
  try {
    let refused: Tail | undefined
    while (!refused && tails.length <= MAX_TAILS + 5) {
      const t = await openTail('service:none', 'admin')
      if (t.status === 429) refused = t
      else { assert.equal(t.status, 200); tails.push(t) }
    }
    assert.ok(refused, 'a tail over the limit is refused')
    assert.ok(tails.length >= MAX_TAILS - 3 && tails.length <= MAX_TAILS, `${tails.length} tails were open`)
  } finally {
    for (const t of tails) t.close()
  }
  await eventually(async () => { const t = await openTail('service:none', 'admin'); t.close(); return t.status === 200 }, 5000, 'a slot after closing')
})
