import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkLinks } from './audit-chain.ts'

test('consecutive entries must link by hash; a broken link is reported at its sequence number', () => {
  const ok = [{ seq: 3, hash: 'c', prevHash: 'b' }, { seq: 2, hash: 'b', prevHash: 'a' }, { seq: 1, hash: 'a', prevHash: '0' }]
  assert.deepEqual(checkLinks(ok), { ok: true, checked: 2 })
  const bad = [{ seq: 3, hash: 'c', prevHash: 'x' }, ...ok.slice(1)]
  assert.deepEqual(checkLinks(bad), { ok: false, checked: 2, brokenAtSeq: 3 })
  // Filtered listings skip sequence numbers: those pairs are not compared.
  assert.equal(checkLinks([{ seq: 9, hash: 'z', prevHash: 'y' }, ok[2]]).ok, true)
})
