import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import {
  blindIndex, createKeyRing, decryptValue, DecryptError, encryptValue, generateKey, isEncrypted, normalizeForIndex, parseKeySpec, tokenKeyId,
} from './crypto.ts'
import { loadKeyRing } from './key-file.ts'
import { BeaconError } from '../errors.ts'

const k1 = generateKey()
const k2 = generateKey()
const idx = generateKey()
const ringV1 = createKeyRing({ keys: [{ id: 'k1', key: k1 }], indexKey: idx })
const ringV2 = createKeyRing({ keys: [{ id: 'k2', key: k2 }, { id: 'k1', key: k1 }], indexKey: idx })

function decryptError(fn: () => unknown): DecryptError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof DecryptError, `expected DecryptError, got ${String(err)}`)
    return err
  }
  assert.fail('expected a DecryptError')
}

function configProblems(fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof BeaconError, String(err))
    assert.equal(err.code, 'config_invalid')
    return err.details?.problems as string[]
  }
  assert.fail('expected config_invalid')
}

describe('tokens', () => {
  test('round trip, with a self-describing token and a fresh nonce each time', () => {
    for (const plain of ['john.doe@example.com', '', 'Ünïcödé ☃ +7 912 345-67-89', 'x'.repeat(10_000)]) {
      const token = encryptValue(ringV1, plain)
      assert.match(token, /^enc:v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22,}$/)
      assert.ok(isEncrypted(token))
      assert.equal(tokenKeyId(token), 'k1')
      assert.equal(decryptValue(ringV1, token), plain)
    }
    assert.notEqual(encryptValue(ringV1, 'same'), encryptValue(ringV1, 'same'))
    assert.equal(isEncrypted('john@example.com'), false)
    assert.equal(isEncrypted('enc:v1:k1:short:x'), false)
  })

  test('a token does not decrypt under a different key with the same id', () => {
    const other = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] })
    assert.equal(decryptError(() => decryptValue(other, encryptValue(ringV1, 'secret'))).code, 'auth_failed')
  })

  test('tampered ciphertext, nonce or key id is rejected', () => {
    const token = encryptValue(ringV2, 'john.doe@example.com')
    const [, , keyId, nonce, body] = token.split(':')
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
    assert.equal(decryptError(() => decryptValue(ringV2, `enc:v1:${keyId}:${nonce}:${flip(body, 3)}`)).code, 'auth_failed')
    assert.equal(decryptError(() => decryptValue(ringV2, `enc:v1:${keyId}:${flip(nonce, 0)}:${body}`)).code, 'auth_failed')
    assert.equal(decryptError(() => decryptValue(ringV2, `enc:v1:k1:${nonce}:${body}`)).code, 'auth_failed') // key id is authenticated
    assert.equal(decryptError(() => decryptValue(ringV2, `enc:v1:${keyId}:${nonce}:${body.slice(0, -4)}`)).code, 'auth_failed')
    assert.equal(decryptError(() => decryptValue(ringV2, 'enc:v1:k2:nonsense')).code, 'malformed_token')
  })

  test('an unknown key id is a typed error naming the id', () => {
    const err = decryptError(() => decryptValue(ringV1, encryptValue(ringV2, 'x')))
    assert.equal(err.code, 'unknown_key')
    assert.equal(err.keyId, 'k2')
  })

  test('rotation: new writes use the newest key, old tokens still decrypt', () => {
    const old = encryptValue(ringV1, 'before rotation')
    assert.equal(ringV2.activeKeyId, 'k2')
    assert.equal(tokenKeyId(encryptValue(ringV2, 'after rotation')), 'k2')
    assert.equal(decryptValue(ringV2, old), 'before rotation')
    const pinned = createKeyRing({ keys: [{ id: 'k2', key: k2 }, { id: 'k1', key: k1 }], active: 'k1' })
    assert.equal(tokenKeyId(encryptValue(pinned, 'x')), 'k1')
  })

  test('a key ring never shows key material', () => {
    const shown = `${inspect(ringV2, { depth: 5, showHidden: true })} ${JSON.stringify(ringV2)}`
    for (const key of [k1, k2, idx]) assert.ok(!shown.includes(key))
    assert.deepEqual([...ringV2.keyIds], ['k2', 'k1'])
  })
})

describe('blind index', () => {
  test('equal for equal values (after normalization), different otherwise', () => {
    assert.equal(blindIndex(ringV1, 'john@example.com'), blindIndex(ringV1, ' John@Example.COM '))
    assert.equal(blindIndex(ringV1, '+7 912 345-67-89'), blindIndex(ringV1, '+79123456789'))
    assert.notEqual(blindIndex(ringV1, 'john@example.com'), blindIndex(ringV1, 'jane@example.com'))
    assert.match(blindIndex(ringV1, 'x'), /^[0-9a-f]{32}$/)
    assert.equal(normalizeForIndex('  A  b '), 'a b')
  })

  test('stable across data-key rotation, different under another index key', () => {
    assert.equal(blindIndex(ringV1, 'john@example.com'), blindIndex(ringV2, 'john@example.com'))
    const otherIndex = createKeyRing({ keys: [{ id: 'k1', key: k1 }], indexKey: generateKey() })
    assert.notEqual(blindIndex(otherIndex, 'john@example.com'), blindIndex(ringV1, 'john@example.com'))
  })

  test('without an index key the oldest data key is the root, and naming it explicitly keeps the index', () => {
    const implicit = createKeyRing({ keys: [{ id: 'k1', key: k1 }] })
    const rotated = createKeyRing({ keys: [{ id: 'k2', key: k2 }, { id: 'k1', key: k1 }] })
    const retired = createKeyRing({ keys: [{ id: 'k2', key: k2 }], indexKey: k1 })
    assert.equal(implicit.indexKeySource, 'data-key:k1')
    assert.equal(blindIndex(implicit, 'v'), blindIndex(rotated, 'v'))
    assert.equal(blindIndex(implicit, 'v'), blindIndex(retired, 'v'))
    // the index key is derived (HKDF), never the data key itself
    assert.notEqual(blindIndex(implicit, 'v'), blindIndex(ringV1, 'v'))
  })
})

describe('key sources', () => {
  test('parses lines, comma lists and JSON in both shapes', () => {
    const lines = parseKeySpec(`# newest first\nk2:${k2}\nk1:${k1}\nindex:${idx}\nactive:k1\n`)
    assert.deepEqual(lines, { keys: [{ id: 'k2', key: k2 }, { id: 'k1', key: k1 }], indexKey: idx, active: 'k1' })
    assert.deepEqual(parseKeySpec(`k2:${k2},k1:${k1}`).keys.map((k) => k.id), ['k2', 'k1'])
    assert.deepEqual(parseKeySpec(JSON.stringify({ active: 'k2', keys: { k2, k1 }, indexKey: idx })), { keys: [{ id: 'k2', key: k2 }, { id: 'k1', key: k1 }], active: 'k2', indexKey: idx })
    assert.deepEqual(parseKeySpec(JSON.stringify({ keys: [{ id: 'k1', key: k1 }] })).keys, [{ id: 'k1', key: k1 }])
  })

  test('lists every problem and never echoes key material', () => {
    const problems = configProblems(() => createKeyRing({
      keys: [{ id: '1bad', key: k1 }, { id: 'short', key: 'c2hvcnQ=' }, { id: 'dup', key: k2 }, { id: 'dup', key: k2 }, { id: 'index', key: generateKey() }, { id: 'nob64', key: 'not base64!' }],
      active: 'missing',
      indexKey: 'also bad!',
    }))
    const text = problems.join('\n')
    assert.match(text, /key 1 \("1bad"\): key id must be/)
    assert.match(text, /key 2 \("short"\): must decode to 32 bytes, got 5/)
    assert.match(text, /key 4 \("dup"\): duplicate key id/)
    assert.match(text, /key 5 \("index"\): key id "index" is reserved/)
    assert.match(text, /key 6 \("nob64"\): not base64/)
    assert.match(text, /active key "missing" is not among the keys/)
    assert.match(text, /index key: not base64/)
    assert.ok(!text.includes(k1) && !text.includes(k2))
    assert.deepEqual(configProblems(() => createKeyRing({ keys: [] })), ['no data keys'])
    assert.match(configProblems(() => parseKeySpec('k1\nk2:xyz'))[0], /entry 1: expected keyId:base64key/)
  })

  test('loads from the environment or a key file, not both, and refuses an open key file', () => {
    assert.equal(loadKeyRing({ env: {} }), undefined)
    const fromEnv = loadKeyRing({ env: { BEACON_ENCRYPTION_KEYS: `k2:${k2},k1:${k1}`, BEACON_BLIND_INDEX_KEY: idx } })
    assert.equal(fromEnv?.activeKeyId, 'k2')
    assert.equal(blindIndex(fromEnv!, 'v'), blindIndex(ringV1, 'v'))
    assert.equal(loadKeyRing({ env: { BEACON_ENCRYPTION_KEYS: `k2:${k2},k1:${k1}`, BEACON_ENCRYPTION_ACTIVE_KEY: 'k1' } })?.activeKeyId, 'k1')

    const dir = mkdtempSync(join(tmpdir(), 'beacon-keys-'))
    const file = join(dir, 'keys.json')
    writeFileSync(file, JSON.stringify({ keys: { k1 } }), { mode: 0o600 })
    assert.deepEqual(loadKeyRing({ file, env: {} })?.keyIds, ['k1'])
    assert.deepEqual(loadKeyRing({ env: { BEACON_ENCRYPTION_KEY_FILE: file } })?.keyIds, ['k1'])
    configProblems(() => loadKeyRing({ file, env: { BEACON_ENCRYPTION_KEYS: `k1:${k1}` } }))
    if (process.platform !== 'win32') {
      chmodSync(file, 0o644)
      assert.deepEqual(configProblems(() => loadKeyRing({ file, env: {} })), ['key file permissions too open'])
    }
    assert.deepEqual(configProblems(() => loadKeyRing({ file: join(dir, 'missing'), env: {} })), ['key file cannot be read'])
  })
})
