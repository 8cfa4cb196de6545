import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyRequest } from 'fastify'
import { createKeyRing, encryptValue, generateKey } from '../security/crypto.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import type { AuditEvent } from '../audit/chain.ts'
import { createReader, readerView, WITHHOLDING_READER } from './reader-decryption.ts'

/** The one reader behind JSON answers, the live tail and export: per-role view and its audit. */
const ring = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] })
const token = encryptValue(ring, 'jane@example.com')
const request = (perms: string[]) => ({ principal: { id: 'user:x', permissions: new Set(perms) }, ip: '127.0.0.1', params: {}, query: { q: 'a' } }) as unknown as FastifyRequest

function recordingAudit(): { audit: AuditLog; entries: AuditEvent[] } {
  const entries: AuditEvent[] = []
  return { audit: { append: (e: AuditEvent) => { entries.push(e) } } as unknown as AuditLog, entries }
}

test('a reader with sensitive:decrypt gets the plaintext; finish audits what was decrypted since the last finish, once', () => {
  const { audit, entries } = recordingAudit()
  const view = createReader(ring, audit)(request(['logs:read', 'sensitive:decrypt']))
  assert.deepEqual(view.apply({ attributes: { 'customer.email': token }, list: [token] }), { attributes: { 'customer.email': 'jane@example.com' }, list: ['jane@example.com'] })
  view.finish()
  view.finish()
  assert.equal(entries.length, 1)
  assert.equal(entries[0].action, 'sensitive.decrypt')
  assert.equal(entries[0].rows, 2)
  view.apply({ a: token })
  view.finish() // a live tail finishes every second: each batch of decryptions is audited
  assert.deepEqual(entries.map((e) => e.rows), [2, 1])
  view.audit('tail.close', 3)
  assert.deepEqual(entries.map((e) => e.action), ['sensitive.decrypt', 'sensitive.decrypt', 'tail.close'])
})

test('without sensitive:decrypt, and without a security layer, encrypted values are withheld and nothing is audited', () => {
  const { audit, entries } = recordingAudit()
  const dev = createReader(ring, audit)(request(['logs:read']))
  assert.deepEqual(dev.apply({ e: token, plain: 'x' }), { e: '[encrypted]', plain: 'x' })
  dev.finish()
  assert.equal(entries.length, 0)
  // No reader installed: the streams (tail, export) withhold, as the JSON answers of a developer do.
  assert.equal(readerView(undefined, request(['sensitive:decrypt'])).apply([token])[0], '[encrypted]')
  assert.equal(WITHHOLDING_READER(request(['sensitive:decrypt'])).apply(token), '[encrypted]')
})
