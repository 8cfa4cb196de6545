import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { freePort, startTestBeacon, type TestBeacon } from '../../testing.ts'
import { packr } from './protocol.ts'

/**
 * Forward without a shared key: senders are accepted from the allowed networks only (here
 * 127.0.0.1). Debian's python3-fluent-logger (Message mode, no handshake) is the peer.
 */

const port = await freePort()
const tb: TestBeacon = await startTestBeacon({ env: { BEACON_FORWARD_PORT: String(port) }, overrides: { 'receivers.forward.allowNetworks': ['127.0.0.1/32'] } })
after(() => tb.stop())

async function count(run: string): Promise<number> {
  await tb.flush()
  const r = await tb.store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE LogAttributes['run'] = {r:String} AND ServiceName = 'app.billing'`, { r: run })
  return Number(r[0].n)
}

const hasPython = spawnSync('/usr/bin/python3', ['-c', 'import fluent.sender']).status === 0
test('python3-fluent-logger delivers events; the tag names the service', { skip: hasPython ? false : 'apt-get install -y python3-fluent-logger' }, async () => {
  const run = `py-${Date.now()}`
  const r = spawnSync('/usr/bin/python3', ['-c', `
from fluent import sender
s = sender.FluentSender('app', host='127.0.0.1', port=${port}, nanosecond_precision=True)
for i in range(10):
    assert s.emit('billing', {'message': 'invoice %d' % i, 'run': '${run}', 'level': 'warn'}), s.last_error
s.close()
`], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  let n = 0
  for (let i = 0; i < 50 && n < 10; i++) { n = await count(run); if (n < 10) await new Promise((res) => setTimeout(res, 200)) }
  assert.equal(n, 10)
})

test('a sender outside the allowed networks is refused', async () => {
  const run = `outside-${Date.now()}`
  await new Promise<void>((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }, () => s.write(packr.pack(['app.billing', Math.floor(Date.now() / 1000), { message: 'x', run }])))
    s.resume()
    s.on('close', () => resolve())
    s.on('error', () => {})
  })
  assert.equal(await count(run), 0)
})
