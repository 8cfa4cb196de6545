import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SMTPServer } from 'smtp-server'
import { startTestBeacon, type TestBeacon } from '../testing.ts'
import { testLog, waitFor } from './test-utils.ts'
import { CHANNELS_TABLE } from './tables.ts'

/**
 * The e-mail channel against a real SMTP server on loopback (the `smtp-server` package): the
 * password in `smtpUrl` is stored encrypted and never shown; a test message and a FATAL arrive
 * with subject, text and HTML with UI links; a refused recipient is a permanent failure, logged.
 */

interface Mail { from: string; to: string[]; data: string; user: string }
let tb: TestBeacon
let smtp: SMTPServer
let port = 0
const mails: Mail[] = []
const PASSWORD = 'smtp-pass-Zq81x'

async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  return tb.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

before(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'beacon' && auth.password === PASSWORD) cb(null, { user: auth.username })
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
    },
    onRcptTo(address, _session, cb) {
      if (address.address.endsWith('@nowhere.example')) cb(Object.assign(new Error('no such mailbox'), { responseCode: 550 }))
      else cb()
    },
    onData(stream, session, cb) {
      let data = ''
      stream.on('data', (c: Buffer) => { data += c.toString('utf8') })
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data, user: String(session.user ?? '') })
        cb()
      })
    },
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()))
  port = (smtp.server.address() as { port: number }).port
  tb = await startTestBeacon({ env: { BEACON_ALERT_ALLOW_NETWORKS: '127.0.0.0/8', BEACON_PUBLIC_URL: 'https://beacon.example.com' }, overrides: { 'alerts.detectors': { ops_jump: false, orders_created: false } } })
})

after(async () => {
  await tb.stop()
  await new Promise<void>((resolve) => smtp.close(() => resolve()))
})

test('an e-mail channel: secret kept, test message and a FATAL delivered over SMTP with links', async () => {
  const c = await post('/api/alerts/channels', { name: 'oncall-mail', type: 'email', smtpUrl: `smtp://beacon:${PASSWORD}@127.0.0.1:${port}`, from: 'beacon@example.com', to: 'oncall@example.com, lead@example.com', default: true })
  assert.equal(c.status, 201, JSON.stringify(c.body))
  const shown = JSON.stringify((await tb.api('/api/alerts/channels')).body)
  assert.ok(!shown.includes(PASSWORD), shown)
  const rows = await tb.store.query<{ spec: string; secret: string }>(`SELECT spec, secret FROM ${CHANNELS_TABLE}`)
  assert.ok(rows.every((r) => !r.spec.includes(PASSWORD) && !r.secret.includes(PASSWORD)))

  const t = await post('/api/alerts/channels/oncall-mail/test', {})
  assert.equal(t.status, 200, JSON.stringify(t.body))
  assert.equal(t.body.ok, true, JSON.stringify(t.body))
  assert.equal(mails.length, 1)
  assert.equal(mails[0].user, 'beacon')
  assert.deepEqual(mails[0].to, ['oncall@example.com', 'lead@example.com'])

  const out = await tb.beacon.ingest.submit({ id: 'mail-fatal', source: 'test', spans: [], rejected: 0, logs: [testLog({ serviceName: 'mes-worker', severityText: 'FATAL', severityNumber: 21, body: 'press <P-7> jammed', traceId: 'ab'.repeat(16) })] })
  assert.equal(out.status, 'ok')
  const mail = await waitFor(() => mails.find((m) => m.data.includes('FATAL')), 5000, 'the FATAL e-mail')
  assert.match(mail.data, /^Subject: \[FIRING\] FATAL: a service or equipment failed/m)
  assert.match(mail.data, /X-Beacon-Status: firing/)
  assert.match(mail.data, /press <P-7> jammed/) // the text part
  assert.match(mail.data, /press &lt;P-7&gt; jammed/) // the HTML part, escaped
  assert.match(mail.data.replace(/=\r?\n/g, ''), /https:\/\/beacon\.example\.com\/traces\/abab/)
})

test('a refused recipient is a permanent failure, logged without the password', async () => {
  const c = await post('/api/alerts/channels', { name: 'bad-mail', type: 'email', smtpUrl: `smtp://beacon:${PASSWORD}@127.0.0.1:${port}`, from: 'beacon@example.com', to: 'ghost@nowhere.example' })
  assert.equal(c.status, 201)
  const t = await post('/api/alerts/channels/bad-mail/test', {})
  assert.equal(t.body.ok, false, JSON.stringify(t.body))
  assert.equal(t.body.status, 550)
  assert.ok(!JSON.stringify(t.body).includes(PASSWORD))
  const bad = await post('/api/alerts/channels', { name: 'x', type: 'email', smtpUrl: 'http://nope', from: 'not an address', to: '' })
  assert.equal(bad.status, 400)
  assert.match(bad.body.message, /smtpUrl/)
  assert.match(bad.body.message, /from/)
  assert.match(bad.body.message, /to:/)
})
