import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { EventTime, FluentClient } from '@fluent-org/logger'
import { freePort, startTestBeacon, type TestBeacon } from '../../testing.ts'
import { packr } from './protocol.ts'

/**
 * Real Forward senders into a real Beacon: @fluent-org/logger in every event mode (with acks) and
 * the handshake, Debian's python3-fluent-logger (Message mode, no handshake). This Beacon has a
 * shared key with one user bound to a service, so a sender without the handshake is refused
 * (python's sender against a key-less Beacon: forward-open.int.test.ts).
 */

const SHARED_KEY = 'forward-shared-secret'
const port = await freePort()
const tb: TestBeacon = await startTestBeacon({
  env: { BEACON_FORWARD_PORT: String(port), BEACON_FORWARD_SHARED_KEY: SHARED_KEY },
  overrides: { 'receivers.forward.users': { 'fluent-bit-shop': { password: 'shop-password-1', service: 'shop-api' } }, 'receivers.forward.serviceFromTag': 'last' },
})
after(() => tb.stop())

const USER = { username: 'fluent-bit-shop', password: 'shop-password-1' }

function client(mode: 'Message' | 'Forward' | 'PackedForward' | 'CompressedPackedForward', security: Record<string, string> = {}) {
  return new FluentClient('app', {
    eventMode: mode,
    socket: { host: '127.0.0.1', port, disableReconnect: false, timeout: -1 },
    ack: { ackTimeout: 10_000 },
    security: { clientHostname: 'test-client', sharedKey: SHARED_KEY, ...USER, ...security },
    milliseconds: true,
  } as never)
}

async function rows(marker: string, want: number, timeoutMs = 15_000): Promise<Record<string, any>[]> {
  const deadline = Date.now() + timeoutMs
  let r: Record<string, any>[]
  for (;;) {
    await tb.flush()
    r = await tb.store.query(`SELECT ServiceName, Body, SeverityText, LogAttributes AS attrs, toString(toUnixTimestamp64Nano(Timestamp)) AS ns
      FROM otel_logs WHERE LogAttributes['run'] = {m:String} ORDER BY Body`, { m: marker })
    if (r.length >= want || Date.now() > deadline) return r
    await new Promise((res) => setTimeout(res, 200))
  }
}

for (const mode of ['Message', 'Forward', 'PackedForward', 'CompressedPackedForward'] as const) {
  test(`@fluent-org/logger ${mode}: acknowledged events are stored, EventTime kept, user bound to shop-api`, async () => {
    const run = `${mode}-${Date.now()}`
    const c = client(mode)
    const seconds = Math.floor(Date.now() / 1000) - 60
    const t = new EventTime(seconds, 123_456_789)
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.emit('shop-api', { message: `order ${i} paid`, level: i === 0 ? 'error' : 'info', run, 'order.id': `A-${i}` }, t)))
    await c.disconnect()
    // Acknowledged means in the write-ahead log: visible without waiting for a timer.
    const r = await rows(run, 20, 1)
    assert.equal(r.length, 20)
    assert.ok(r.every((x) => x.ServiceName === 'shop-api'))
    assert.equal(String(r[0].ns), `${seconds}123456789`)
    assert.equal(r.find((x) => x.Body === 'order 0 paid')!.SeverityText, 'ERROR')
    assert.equal(r[0].attrs['fluent.tag'], 'app.shop-api')
  })
}

test('a user bound to shop-api cannot write another service', async () => {
  const run = `bound-${Date.now()}`
  const c = client('PackedForward')
  await c.emit('crm-api', { message: 'not mine', run })
  await c.emit('shop-api', { message: 'mine', run, 'service.name': 'mes-api' })
  await c.emit('shop-api', { message: 'mine too', run })
  await c.disconnect()
  const r = await rows(run, 1)
  assert.deepEqual(r.map((x) => `${x.ServiceName} ${x.Body}`), ['shop-api mine too'])
})

test('a wrong shared key or password gets PONG false and nothing is stored', async () => {
  const run = `wrong-${Date.now()}`
  for (const security of [{ sharedKey: 'guess' }, { password: 'wrong-password' }] as Record<string, string>[]) {
    const c = client('Message', security)
    // The client never gets an ack: its emit fails or stays pending (it would retry the handshake).
    const sent = c.emit('shop-api', { message: 'intruder', run }).then(() => 'acknowledged', () => 'failed')
    assert.notEqual(await Promise.race([sent, new Promise((r) => setTimeout(() => r('pending'), 2000))]), 'acknowledged')
    void c.disconnect().catch(() => {})
  }
  assert.equal((await rows(run, 1, 1000)).length, 0)
})

test('garbage instead of MessagePack closes the connection; the receiver keeps serving', async () => {
  await new Promise<void>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(Buffer.from([0xc1, 0xc1, 0xc1])))
    s.resume() // read the HELO and PONG, then the close
    s.on('close', () => resolve())
    s.on('error', () => {})
  })
  const run = `after-${Date.now()}`
  const c = client('Message')
  await c.emit('shop-api', { message: 'still here', run })
  await c.disconnect()
  assert.equal((await rows(run, 1)).length, 1)
})

test('UDP heartbeat is answered', async () => {
  const s = createSocket('udp4')
  const reply = new Promise<Buffer>((resolve) => s.once('message', (m) => resolve(m)))
  s.send(Buffer.from([0]), port, '127.0.0.1')
  assert.deepEqual(await reply, Buffer.from([0]))
  s.close()
})

test('a resent chunk (same chunk id) is stored once', async () => {
  const run = `chunk-${Date.now()}`
  const entries = Buffer.concat([0, 1, 2].map((i) => packr.pack([Math.floor(Date.now() / 1000), { message: `c${i}`, run }])))
  const item = packr.pack(['app.shop-api', entries, { chunk: 'Y2h1bmstMQ==', size: 3 }])
  for (let attempt = 0; attempt < 2; attempt++) {
    await new Promise<void>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port })
      let stage = 0
      s.on('data', (d) => {
        if (stage === 0) {
          // HELO → PING with the shared key and user, computed as Fluentd does.
          const helo = (packr.unpack(d) as [string, { nonce: Buffer; auth: Buffer }])[1]
          s.write(packr.pack(ping(helo.nonce, helo.auth)))
          stage = 1
        } else if (stage === 1) { s.write(item); stage = 2 } else { assert.deepEqual(packr.unpack(d), { ack: 'Y2h1bmstMQ==' }); s.end(); resolve() }
      })
      s.on('error', reject)
    })
  }
  assert.equal((await rows(run, 3)).length, 3)
})

function ping(nonce: Buffer, authSalt: Buffer): unknown[] {
  const sha = (...p: (string | Buffer)[]) => { const h = createHash('sha512'); for (const x of p) h.update(x); return h.digest('hex') }
  return ['PING', 'raw-client', 'salt', sha('salt', 'raw-client', nonce, SHARED_KEY), USER.username, sha(authSalt, USER.username, USER.password)]
}

test('python3-fluent-logger (Debian) is refused without the handshake', { skip: spawnSync('/usr/bin/python3', ['-c', 'import fluent.sender']).status === 0 ? false : 'apt-get install -y python3-fluent-logger' }, async () => {
  const run = `py-refused-${Date.now()}`
  const r = spawnSync('/usr/bin/python3', ['-c', `
from fluent import sender
s = sender.FluentSender('app', host='127.0.0.1', port=${port}, timeout=2)
s.emit('shop-api', {'message': 'no handshake', 'run': '${run}'})
s.close()
`], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.equal((await rows(run, 1, 1500)).length, 0)
})
