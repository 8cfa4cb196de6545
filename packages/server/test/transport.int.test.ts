import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { connect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestBeacon, type TestBeacon } from '../src/testing.ts'

/** TLS on every listener (1.2+), and the API's client-network allowlist. */
const dir = mkdtempSync(join(tmpdir(), 'beacon-tls-'))
const dataDir = join(dir, 'data')
const cert = join(dir, 'cert.pem')
const key = join(dir, 'key.pem')
let tb: TestBeacon | undefined

function httpsGet(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: readFileSync(cert) }, (res) => {
      let text = ''
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

before(() => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' })
})
after(async () => {
  await tb?.stop().catch(() => {})
  rmSync(dir, { recursive: true, force: true })
})

test('with a certificate every listener speaks HTTPS only, TLS 1.2 or newer, with Secure cookies and HSTS', async () => {
  tb = await startTestBeacon({ dataDir, env: { BEACON_TLS_CERT: cert, BEACON_TLS_KEY: key }, overrides: { 'security.adminPassword': 'the admin password' } })
  for (const url of [tb.apiUrl, tb.otlpUrl, tb.esUrl]) assert.match(url, /^https:\/\//)
  const health = await httpsGet(`${tb.apiUrl}/api/health`)
  assert.equal(health.status, 200)
  assert.match(String(health.headers['strict-transport-security']), /max-age=/)
  const login = await httpsGet(`${tb.apiUrl}/api/auth/login`, { 'content-type': 'application/json' }, 'POST', JSON.stringify({ username: 'admin', password: 'the admin password' }))
  assert.equal(login.status, 200)
  assert.match(String(login.headers['set-cookie']), /; Secure/)
  const ingest = await httpsGet(`${tb.otlpUrl}/v1/logs`, { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }, 'POST', '{"resourceLogs":[]}')
  assert.equal(ingest.status, 200)
  const es = await httpsGet(`${tb.esUrl}/`, { authorization: `Bearer ${tb.ingestKey}` })
  assert.equal(es.status, 200)

  const port = Number(new URL(tb.apiUrl).port)
  const old = await new Promise<string>((resolve) => {
    const s = connect({ host: '127.0.0.1', port, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ca: readFileSync(cert) }, () => { s.end(); resolve('connected') })
    s.on('error', (err) => resolve(err.message))
  })
  assert.notEqual(old, 'connected', 'TLS 1.1 is refused')
  await assert.rejects(fetch(tb.apiUrl.replace('https:', 'http:') + '/api/health').then(async (r) => { if (r.status < 400) throw new Error('plain HTTP answered'); throw new Error('refused') }))
  await tb.stop({ keepData: true })
  tb = undefined
})

test('clients outside security.allowedNetworks get 403 from the API, even on public routes', async () => {
  tb = await startTestBeacon({ dataDir, overrides: { 'security.allowedNetworks': ['10.0.0.0/8'] } })
  const r = await fetch(`${tb.apiUrl}/api/health`)
  assert.equal(r.status, 403)
  assert.equal((await tb.api('/api/services')).status, 403)
  // Ingest listeners are not limited by the API allowlist.
  const ingest = await fetch(`${tb.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.ingestKey}` }, body: '{"resourceLogs":[]}' })
  assert.equal(ingest.status, 200)
  await tb.stop({ keepData: true })
  tb = await startTestBeacon({ dataDir, overrides: { 'security.allowedNetworks': ['127.0.0.0/8', '::1'] } })
  assert.equal((await fetch(`${tb.apiUrl}/api/health`)).status, 200)
})
