import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSecretName } from '@beacon/sdk/secret-names'
import { isSecretKey, redact, REDACTED } from '../src/redact/redact.ts'

// The server judges attribute keys with `isSecretName` from this same module; this pins that the
// SDK's own key check (with its cache and card keys) agrees with it on every secret.
test('the SDK and the server share one secret-name list (differential)', () => {
  let seed = 3
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
  const pieces = ['db', 'Db', 'DB', 'password', 'Password', 'PASSWORD', 'pass', 'api', 'key', 'Key', 'jwt', 'mfa', 'Code', 'token', 'count',
    'user', 'name', 'id', 'session', 'secret', 'pin', 'card', '_', '-', '.', 'otp', 'sms', 'пароль', 'x']
  for (let i = 0; i < 20_000; i++) {
    let key = ''
    for (let j = 1 + rand(4); j > 0; j--) key += pieces[rand(pieces.length)]
    if (isSecretName(key)) assert.equal(isSecretKey(key), true, key)
  }
})

test('the SDK removes the names it used to miss', () => {
  for (const key of ['dbPassword', 'DB_PASSWORD', 'db_pass', 'api.key', 'jwt', 'mfaCode', 'otp', 'pw', 'пароль']) {
    const out = redact({ [key]: 'value-1234' }) as Record<string, unknown>
    assert.equal(out[key], REDACTED, key)
  }
})
