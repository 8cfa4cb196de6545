import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'
import { otlpLogsJson } from './test-utils.ts'

/**
 * Bounded reads (issue 12): large records answered with values cut and the whole value on demand,
 * per-query store limits, per-user concurrency, time ranges clamped, slow clients cut off, OTLP
 * refused before its body is read.
 */
const BIG_BODY = 'start ' + 'x'.repeat(200 * 1024) + ' needleatend'
const BIG_ATTR = 'y'.repeat(15 * 1024)

async function send(tb: TestBeacon, body: string): Promise<void> {
  const r = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }, body })
  assert.equal(r.status, 200, await r.text())
}

describe('large records and limits', () => {
  let tb: TestBeacon
  before(async () => {
    tb = await startTestBeacon({ overrides: { 'limits.maxBodyBytes': 16 * 2 ** 20, 'security.reads.perUserRequests': 1, 'security.timeouts.headersMs': 1500, 'security.timeouts.requestMs': 3000 } })
    const attrs = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`a${i}`, BIG_ATTR]))
    await send(tb, otlpLogsJson('big-svc', 'p', 1, () => attrs).replace('"p-0"', JSON.stringify(BIG_BODY)))
    await tb.flush()
  })
  after(async () => { await tb?.stop() })

  test('a search over large records answers with values cut; the full value on demand', async () => {
    const r = await tb.api('/api/search?q=needleatend&from=now-1h')
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300))
    assert.equal(r.body.events.length, 1, 'a word past the cut still matches (the WHERE sees the whole column)')
    const e = r.body.events[0]
    assert.ok(e.body.length <= 16_384 && e.body.startsWith('start'), String(e.body.length))
    assert.ok(Object.values(e.attributes as Record<string, string>).every((v) => v.length <= 2048))
    const full = await tb.api(`/api/records/full?timeUnixNano=${e.timeUnixNano}&service=big-svc`)
    assert.equal(full.status, 200)
    assert.equal(full.body.events[0].body, BIG_BODY)
    assert.equal(full.body.events[0].attributes.a199, BIG_ATTR)
  })

  test('time ranges beyond what the store holds are clamped and said so; histograms stay small', async () => {
    for (const [from, to] of [['2000-01-01', '2299-12-31'], ['1850-01-01', 'now'], ['0001-01-01', '9999-12-31']]) {
      const r = await tb.api(`/api/search?q=needleatend&from=${from}&to=${to}`)
      assert.equal(r.status, 200, `${from}..${to}: ${JSON.stringify(r.body).slice(0, 300)}`)
      assert.match(r.body.rangeClamped, /clamped/)
      assert.equal(r.body.events.length, 1, `${from}..${to}`)
      assert.ok(r.body.histogram.buckets.length <= 100, String(r.body.histogram.buckets.length))
    }
  })

  test('one user past its concurrent read limit gets 429, others are not affected', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => tb.api('/api/search?q=needleatend&from=now-1h')))
    const statuses = answers.map((a) => a.status)
    assert.ok(statuses.includes(429), statuses.join(','))
    assert.ok(statuses.includes(200), statuses.join(','))
    assert.ok(answers.every((a) => a.status !== 500))
  })

  test('a client trickling its headers is cut off (slowloris)', async () => {
    const port = Number(new URL(tb.apiUrl).port)
    const started = Date.now()
    const closed = await new Promise<number>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write('GET /api/health HTTP/1.1\r\nHost: x\r\n')
        const iv = setInterval(() => { if (!s.destroyed) s.write('X') }, 300)
        s.on('close', () => { clearInterval(iv); resolve(Date.now() - started) })
        s.on('error', () => {})
      })
      setTimeout(() => { s.destroy(); resolve(-1) }, 15_000)
    })
    assert.ok(closed > 0 && closed < 6000, `closed after ${closed} ms`)
  })

  test('OTLP refuses a sender without a key before reading its body', async () => {
    const port = Number(new URL(tb.otlpUrl).port)
    const answer = await new Promise<string>((resolve) => {
      let got = ''
      const s = connect(port, '127.0.0.1', () => {
        // announces 10 MB and sends none of it: the answer must not wait for the body
        s.write('POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n')
      })
      s.on('data', (d) => { got += d.toString(); if (got.includes('\r\n\r\n')) { s.destroy(); resolve(got) } })
      s.on('error', () => resolve(got))
      setTimeout(() => { s.destroy(); resolve(got) }, 2500)
    })
    assert.match(answer, /^HTTP\/1.1 401/)
  })
})

describe('per-query store limits', () => {
  let tb: TestBeacon
  before(async () => {
    tb = await startTestBeacon({ overrides: { 'security.reads.maxResultBytes': 10_000 } })
    await send(tb, otlpLogsJson('svc', 'q', 1, () => ({ big: 'z'.repeat(2000), 'order.id': 'ORD-LIMIT-1' })).replace('"q-0"', JSON.stringify('w ' + 'v'.repeat(16_000))))
    await tb.flush()
  })
  after(async () => { await tb?.stop() })

  test('a result larger than max_result_bytes is a 400 saying what to do, and the process keeps going', async () => {
    const r = await tb.api('/api/search?q=&from=now-1h')
    assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 300))
    assert.match(r.body.message, /lower the limit or narrow the query/)
    assert.equal((await tb.api('/api/health')).status, 200)
  })

  test('a statement with its own settings (an exact order id) is bounded too', async () => {
    const r = await tb.api('/api/search?q=order.id:ORD-LIMIT-1&from=now-1h')
    assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 300))
    assert.match(r.body.message, /lower the limit or narrow the query/)
    const timeline = await tb.api('/api/orders/ORD-LIMIT-1/timeline')
    assert.equal(timeline.status, 400, JSON.stringify(timeline.body).slice(0, 300))
  })
})
