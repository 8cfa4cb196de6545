import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WireError, WireReader, cachedKey, i64ToDecimal, u64ToDecimal } from './wire.ts'
import { pb } from './test-utils.ts'

const split = (v: bigint): [number, number] => [Number(BigInt.asUintN(64, v) >> 32n), Number(BigInt.asUintN(32, v))]

test('u64ToDecimal is exact over the whole uint64 range', () => {
  const samples = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 1_700_000_000_123_456_789n,
    999_999_999_999_999_999n, 1_000_000_000_000_000_000n, 2n ** 63n, 2n ** 64n - 1n]
  let x = 0x9e3779b97f4a7c15n
  for (let i = 0; i < 2000; i++) {
    x = BigInt.asUintN(64, x * 6364136223846793005n + 1442695040888963407n)
    samples.push(x, x >> BigInt(i % 64))
  }
  for (const v of samples) assert.equal(u64ToDecimal(...split(v)), v.toString(), `value ${v}`)
})

test('i64ToDecimal reads two\'s complement', () => {
  for (const v of [0n, -1n, -2n, 42n, -42n, -(2n ** 63n), 2n ** 63n - 1n, -1_700_000_000_123_456_789n]) {
    assert.equal(i64ToDecimal(...split(v)), v.toString())
  }
})

test('varint64 reads 10-byte negative int64 varints', () => {
  const buf = pb.varint(-5n)
  assert.equal(buf.length, 10)
  const r = new WireReader(buf)
  r.varint64(buf.length)
  assert.equal(i64ToDecimal(r.hi, r.lo), '-5')
  assert.equal(r.pos, 10)
})

test('a truncated varint is an error naming the byte offset', () => {
  const r = new WireReader(Buffer.from([0x08, 0x96]))
  r.pos = 1
  assert.throws(() => r.varint32(2), (err: unknown) => err instanceof WireError && err.offset === 1 && /byte 1: truncated varint/.test(err.message))
})

test('a length past the enclosing message is an error', () => {
  const r = new WireReader(Buffer.from([0x0a, 0x05, 0x61]))
  r.pos = 1
  assert.throws(() => r.string(3), /invalid protobuf at byte 1: length 5 exceeds the 1 bytes left/)
})

test('strings with invalid UTF-8 decode with replacement characters', () => {
  const bytes = Buffer.concat([Buffer.from([0x0a, 4]), Buffer.from([0x61, 0xff, 0xc3, 0x62])])
  const rr = new WireReader(bytes)
  rr.pos = 1
  assert.equal(rr.string(bytes.length), 'a\ufffd\ufffdb')
})

test('cachedKey returns the same string for the same bytes and the right one after a collision', () => {
  const a = Buffer.from('xxhttp.routexx')
  const k1 = cachedKey(a, 2, 12)
  const k2 = cachedKey(Buffer.from('http.route'), 0, 10)
  assert.equal(k1, 'http.route')
  assert.equal(k2, 'http.route')
  // Many distinct keys: every answer is still the key's own text.
  for (let i = 0; i < 20_000; i++) {
    const s = `k.${i}`
    assert.equal(cachedKey(Buffer.from(s), 0, s.length), s)
  }
  assert.equal(cachedKey(Buffer.from([0x6b, 0xff]), 0, 2), 'k\ufffd')
})
