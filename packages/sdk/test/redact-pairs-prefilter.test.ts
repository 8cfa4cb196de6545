import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isSecretKey, mayHaveSecretPair, redactPairs, redactString, REDACTED } from '../src/redact/redact.ts'
import { SECRET_COMPOUNDS, SECRET_PARTS, SECRET_SEGMENTS, SECRET_WORDS } from '../src/redact/secret-names.ts'

// The prefilter may say yes too often; it must never say no where `redactPairs` would change the text.

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const NAMES = [...SECRET_PARTS, ...SECRET_WORDS, ...SECRET_SEGMENTS, ...SECRET_COMPOUNDS]
const ORDINARY = ['order', 'id', 'shipping', 'design', 'decide', 'inside', 'side', 'author', 'key', 'code', 'note', 'sku', 'qty',
  'user', 'name', 'price', 'spin', 'sigma', 'acid', 'tokens', 'tokenCount', 'maxTokens', 'session', 'api', 'db', 'x', 'v2', 'ÉTÉ', 'été']
const SEPS = ['', '', '', '_', '-', '.', '__', '-_']

/** A key made of 1–3 words, each a secret name, an ordinary word or a fragment of one, in a random case and with random separators. */
function key(r: () => number, secretShare = 0.5): string {
  const n = 1 + Math.floor(r() * 3)
  let out = ''
  for (let i = 0; i < n; i++) {
    const pool = r() < secretShare ? NAMES : ORDINARY
    let w = pool[Math.floor(r() * pool.length)]
    if (r() < 0.25) {
      // split a word with a separator or a camel hump (`pass_word`, `passWord`, `p-i-n`)
      const at = 1 + Math.floor(r() * Math.max(1, w.length - 1))
      w = w.slice(0, at) + SEPS[Math.floor(r() * SEPS.length)] + (r() < 0.5 ? w.slice(at, at + 1).toUpperCase() + w.slice(at + 1) : w.slice(at))
    }
    const c = r()
    if (c < 0.2) w = w.toUpperCase()
    else if (c < 0.5) w = w.slice(0, 1).toUpperCase() + w.slice(1)
    if (r() < 0.03) w = w.replace(/i/, 'İ').replace(/k/, '\u212a')
    out += (i > 0 ? SEPS[Math.floor(r() * SEPS.length)] : '') + w
  }
  return out.replace(/^[^\p{L}_]+/u, '') || 'k'
}

function value(r: () => number, share: number): string {
  const c = r()
  if (c < 0.5) return ['hunter2', 'ORD-17', 'dock 4', '42', 'ok', 'Bearer abcdef123'][Math.floor(r() * 6)]
  if (c < 0.8) return `${key(r, share)}=${['s3cr3t', 'x', '1'][Math.floor(r() * 3)]}` // a pair inside a value
  return `${key(r, share)}: v`
}

/** A JSON or text body; in half of them a secret name is rare (1 key in 50), so many have none. */
function body(r: () => number): string {
  const share = r() < 0.5 ? 0.5 : 0.02
  const n = 1 + Math.floor(r() * 12)
  if (r() < 0.5) {
    const o: Record<string, string | number> = {}
    for (let i = 0; i < n; i++) o[key(r, share)] = r() < 0.2 ? Math.floor(r() * 1000) : value(r, share)
    return JSON.stringify(r() < 0.3 ? { data: o, list: [o] } : o)
  }
  const parts: string[] = []
  for (let i = 0; i < n; i++) {
    const sep = [' ', '&', ', ', '; ', '\n'][Math.floor(r() * 5)]
    parts.push(`${key(r, share)}${['=', ': ', ' = ', '="', ":'"][Math.floor(r() * 5)]}${value(r, share)}${sep}`)
    if (r() < 0.3) parts.push('the order was shipped inside the design window ')
  }
  return parts.join('')
}

test('prefilter: never says no to a key the secret-name list calls a secret', () => {
  const r = rng(1)
  let secrets = 0
  for (let i = 0; i < 200_000; i++) {
    const k = key(r)
    if (!isSecretKey(k)) continue
    secrets++
    for (const s of [`${k}=x1`, `{"${k}":"x1"}`, `note: ${k}: x1`, `a.${k}=x1`]) {
      assert.ok(mayHaveSecretPair(s), `missed ${JSON.stringify(s)}`)
    }
  }
  assert.ok(secrets > 20_000, `only ${secrets} secret keys generated`)
})

test('prefilter: redactPairs changes nothing where it says no, over generated JSON and text bodies', () => {
  const r = rng(2)
  let skipped = 0
  let changed = 0
  for (let i = 0; i < 60_000; i++) {
    const s = body(r)
    const out = redactPairs(s)
    if (out !== s) changed++
    if (!mayHaveSecretPair(s)) {
      skipped++
      assert.equal(out, s, `prefilter said no but redactPairs changed ${JSON.stringify(s)}`)
    }
  }
  // both sides exercised: many bodies with secrets, and many the prefilter lets through
  assert.ok(changed > 10_000 && skipped > 2_000, `changed ${changed}, skipped ${skipped}`)
})

test('prefilter: common words that only look like secret words are let through; names of secrets are not', () => {
  for (const s of [
    '{"orderId":"ORD-1","shipping":"express","design":"v2","inside":true,"decided":"yes","sku":"BOLT-M8","qty":100}',
    'order=ORD-1 status=shipped side=left key=k1 code=200',
    '{"spinner":"on","acid":"x","consider":"it","keyboard":"us","pinned":true,"sigma":1}',
  ]) assert.equal(mayHaveSecretPair(s), false, s)
  for (const s of [
    'pin=1234', 'dbPin=1', 'card_PIN: 1', 'x-sig=abc', 'sid=1', 'S_ID=1', 'sId=1', 'a.sid.0=1', 'pass_word=1', 'p-a-s-s-w-o-r-d=1',
    'api.key=1', 'API-KEY=1', 'Api_Key=1', 'smsCode=1', 'security.code=1', 'sessionId=1', 'x_auth=1', 'OTP=1', 'cvv2=1',
    'CONTRASEÑA=1', 'ПАРОЛЬ=1', 'hasło=1', 'LÖSENORD=1', '{"contraseña":"x"}', 'clİent_pin=1', 'api\u212aey=1', 'cid=1', 'CID=1',
  ]) {
    assert.ok(isSecretKey(s.replace(/^\{"|"?[=:].*$/g, '')), `${s}: a secret name`)
    assert.equal(mayHaveSecretPair(s), true, s)
  }
})

test('redactString with the prefilter: named cases keep their output', () => {
  assert.equal(redactString('paid: password=hunter2'), `paid: password=${REDACTED}`)
  assert.equal(redactString('{"note":"pass_word=hunter2","user":"ann"}'), `{"note":"pass_word=${REDACTED}","user":"ann"}`)
  assert.equal(redactString('shipping: express, dbPin=1234 done'), `shipping: express, dbPin=${REDACTED} done`)
  assert.equal(redactString('order=ORD-1 shipping=express inside=true'), 'order=ORD-1 shipping=express inside=true')
  assert.equal(redactString('Authorization: Bearer abcdefgh123'), `Authorization: Bearer ${REDACTED}`)
})
