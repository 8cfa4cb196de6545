import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { freePort, startTestBeacon, type TestBeacon } from '../../testing.ts'
import { RECEIVERS, forwardExchange, forwardItem, type Endpoints } from './adapters.ts'

/**
 * The receiver contract: one table of cases, run against every receiver (OTLP/HTTP, pino lines, OTLP/gRPC,
 * Elasticsearch bulk, syslog, Fluentd Forward), each through its own client (adapters.ts).
 * The Beacon here keeps at most MAX_PENDING acknowledged bytes out of the store and never flushes
 * on a timer, so a test can fill the backlog; every other test empties it first.
 * Acknowledged = durable (kill -9) is in receivers-kill9.contract.int.test.ts (it needs a child process).
 */

const MAX_BODY = 256 * 1024
const MAX_PENDING = 512 * 1024
const [grpcPort, syslogPort, forwardPort] = await Promise.all([freePort(), freePort(), freePort()])
const FORWARD_KEY = 'contract-shared-key'
const FORWARD_USER = { name: 'contract', password: 'contract-password' }
const tb: TestBeacon = await startTestBeacon({
  env: {
    BEACON_OTLP_GRPC_PORT: String(grpcPort), BEACON_SYSLOG_PORT: String(syslogPort), BEACON_FORWARD_PORT: String(forwardPort),
    BEACON_FORWARD_SHARED_KEY: FORWARD_KEY, BEACON_SYSLOG_ALLOW_NETWORKS: '127.0.0.1/32',
  },
  overrides: {
    'limits.maxBodyBytes': MAX_BODY, 'receivers.syslog.maxMessageBytes': 16 * 1024,
    'ingest.maxPendingBytes': MAX_PENDING, 'ingest.flushIntervalMs': 600_000,
    'receivers.forward.users': { [FORWARD_USER.name]: { password: FORWARD_USER.password, service: 'shop-api' } },
    'receivers.forward.serviceFromTag': 'last',
  },
})
after(() => tb.stop())

const bound = await tb.api<{ secret: string }>('/api/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'ingest', name: 'contract-bound', service: 'shop-api' }) })
assert.equal(bound.status, 201, JSON.stringify(bound.body))

const e: Endpoints = {
  otlpHttp: tb.otlpUrl, otlpGrpc: `127.0.0.1:${grpcPort}`, elastic: tb.esUrl, syslog: syslogPort, forward: forwardPort,
  ingestKey: tb.ingestKey, boundKey: bound.body.secret, forwardSharedKey: FORWARD_KEY, forwardUser: FORWARD_USER,
}

async function stored(marker: string, service?: string, want = 1, waitMs = 5000): Promise<number> {
  const deadline = Date.now() + waitMs
  for (;;) {
    await tb.flush()
    const rows = await tb.store.query<{ n: string }>(
      `SELECT count() AS n FROM otel_logs WHERE (LogAttributes['run'] = {m:String} OR position(Body, {m:String}) = 1)${service ? ' AND ServiceName = {s:String}' : ''}`,
      { m: marker, s: service ?? '' })
    const n = Number(rows[0].n)
    if (n >= want || Date.now() > deadline) return n
    await new Promise((r) => setTimeout(r, 200))
  }
}

let seq = 0
const marker = (name: string, what: string) => `c${++seq}-${name.replace(/\W/g, '')}-${what}-${Date.now()}`

for (const r of RECEIVERS) {
  describe(`receiver contract: ${r.name}`, () => {
    test('valid credentials: the batch is stored', async () => {
      const m = marker(r.name, 'ok')
      const a = await r.send(e, { marker: m, service: 'shop-api', n: 3 })
      assert.equal(a.kind, 'ok', JSON.stringify(a))
      assert.equal(await stored(m, 'shop-api', 3), 3)
    })

    test('no credentials and wrong credentials are refused; nothing is stored', async () => {
      for (const credential of ['none', 'wrong'] as const) {
        const m = marker(r.name, credential)
        const a = await r.send(e, { marker: m, service: 'shop-api', n: 2, credential })
        assert.equal(a.kind, 'refused', `${credential}: ${JSON.stringify(a)}`)
        assert.equal(await stored(m, undefined, 1, 300), 0, credential)
      }
    })

    test('a credential bound to one service cannot write another', { skip: r.notApplicable?.bound }, async () => {
      const m = marker(r.name, 'bound')
      // Forward: the handshake user is the bound credential.
      await r.send(e, { marker: m, service: 'crm-api', n: 2, credential: 'bound' })
      await r.send(e, { marker: `${m}-own`, service: 'shop-api', n: 1, credential: 'bound' })
      assert.equal(await stored(`${m}-own`, 'shop-api', 1), 1, 'its own service is written')
      assert.equal(await stored(m, 'crm-api', 1, 300), 0, 'nothing stored as the other service')
    })

    test('malformed input is answered the protocol\'s way and the receiver keeps serving', async () => {
      const a = await r.malformed(e)
      assert.equal(a.kind, 'invalid', JSON.stringify(a))
      const m = marker(r.name, 'after-bad')
      assert.equal((await r.send(e, { marker: m, service: 'shop-api', n: 1 })).kind, 'ok')
      assert.equal(await stored(m, undefined, 1), 1)
    })

    test('oversize input is refused', async () => {
      const m = marker(r.name, 'big')
      const a = await r.send(e, { marker: m, service: 'shop-api', n: 1, padBytes: MAX_BODY + 1024 })
      assert.ok(a.kind === 'too-large' || a.kind === 'invalid', JSON.stringify(a))
      assert.equal(await stored(m, undefined, 1, 300), 0)
    })

    test('overload is answered with the protocol\'s backpressure, never a crash', async () => {
      await tb.flush()
      const answers: string[] = []
      if (r.name === 'syslog') {
        // Syslog's backpressure is TCP's: the sender is blocked while the backlog is full, and
        // every line it wrote is stored once the backlog drains (nothing dropped).
        const m = marker(r.name, 'load')
        const sending = r.send(e, { marker: m, service: 'shop-api', n: 400, padBytes: 4000 })
        let n = 0
        for (let i = 0; i < 40 && n < 400; i++) { await new Promise((res) => setTimeout(res, 250)); n = await stored(m, undefined, 400, 0) }
        assert.equal((await sending).kind, 'ok')
        assert.equal(await stored(m, undefined, 400, 10_000), 400)
        return
      }
      if (r.name === 'Fluentd Forward') {
        // Fill the backlog, then a chunk is not acknowledged until the store catches up.
        while ((await r.send(e, { marker: marker(r.name, 'fill'), service: 'shop-api', n: 50, padBytes: 4000 })).kind === 'ok') {
          if (tb.beacon.writer.status().backlogBytes > MAX_PENDING) break
        }
        const m = marker(r.name, 'late')
        const pendingAck = forwardExchange(e, forwardItem({ marker: m, service: 'shop-api', n: 1 }), { ackWaitMs: 15_000 })
        await new Promise((res) => setTimeout(res, 1000))
        assert.equal(await stored(m, undefined, 1, 0).catch(() => 0), 0)
        await tb.flush()
        assert.equal((await pendingAck).kind, 'ok', 'acknowledged once the backlog drained')
        return
      }
      for (let i = 0; i < 40; i++) {
        const a = await r.send(e, { marker: marker(r.name, 'load'), service: 'shop-api', n: 50, padBytes: 4000 })
        answers.push(a.kind)
        if (a.kind === 'backpressure') break
        assert.equal(a.kind, 'ok', JSON.stringify(a))
      }
      assert.equal(answers.at(-1), 'backpressure', answers.join(','))
      await tb.flush()
      const m = marker(r.name, 'after-load')
      assert.equal((await r.send(e, { marker: m, service: 'shop-api', n: 1 })).kind, 'ok')
    })

    test('a replayed batch is stored once', { skip: r.notApplicable?.replay }, async () => {
      await tb.flush()
      const m = marker(r.name, 'replay')
      const answers = await r.replay!(e, { marker: m, service: 'shop-api', n: 4 })
      assert.deepEqual(answers.map((a) => a.kind), ['ok', 'ok'], JSON.stringify(answers))
      assert.equal(await stored(m, undefined, 8, 1000), 4)
    })
  })
}
