import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cookieValue, parseAuthorization, sessionCookie } from '../src/auth/credentials.ts'
import { hashPassword, verifyPassword, csrfTokenFor, randomPassword } from '../src/auth/secrets.ts'
import { LoginGuard } from '../src/auth/login-guard.ts'
import { createNetworkAllowlist, isLoopbackHost } from '../src/auth/networks.ts'
import { permissionsOf } from '../src/auth/principal.ts'
import { createServiceBindingStage } from '../src/pipeline/stages/service-binding.ts'
import { DEFAULT_ROLES, configSchema } from '../src/config/schema.ts'
import { loadConfig } from '../src/config/load.ts'
import { GENESIS_HASH, chainEntry, entryHash } from '../src/audit/chain.ts'
import type { Batch, LogRecord } from '../src/pipeline/record.ts'

const b64 = (s: string) => Buffer.from(s).toString('base64')

test('reads the key from Bearer, ApiKey (raw, base64 id:key, base64 key) and Basic headers', () => {
  assert.deepEqual(parseAuthorization('Bearer abc.def'), { scheme: 'bearer', secrets: ['abc.def'] })
  assert.deepEqual(parseAuthorization(`ApiKey ${b64('myid:bk_secret')}`)?.secrets[0], 'bk_secret')
  assert.deepEqual(parseAuthorization(`ApiKey ${b64('bk_only')}`)?.secrets[0], 'bk_only')
  assert.ok(parseAuthorization('ApiKey bk_0123456789ab_rawkey')?.secrets.includes('bk_0123456789ab_rawkey'))
  assert.deepEqual(parseAuthorization(`Basic ${b64('elastic:the:key')}`), { scheme: 'basic', secrets: ['the:key'] })
  assert.equal(parseAuthorization(`Basic ${b64('nocolon')}`), undefined)
  assert.equal(parseAuthorization('Digest x'), undefined)
  assert.equal(parseAuthorization(''), undefined)
  assert.equal(parseAuthorization('Bearer'), undefined)
})

test('parses the session cookie among others and builds a strict HttpOnly cookie', () => {
  assert.equal(cookieValue('a=1; beacon_session=bs_x%2By; b=2', 'beacon_session'), 'bs_x+y')
  assert.equal(cookieValue('a=1', 'beacon_session'), undefined)
  const c = sessionCookie('bs_t', { secure: true, maxAgeSeconds: 60 })
  for (const part of ['HttpOnly', 'SameSite=Strict', 'Secure', 'Path=/', 'Max-Age=60']) assert.ok(c.includes(part), part)
  assert.ok(!sessionCookie('bs_t', { secure: false, maxAgeSeconds: 60 }).includes('Secure'))
})

test('scrypt hashes verify the right password only, and a missing hash never verifies', async () => {
  const h = await hashPassword('correct horse battery')
  assert.match(h, /^scrypt\$16384\$8\$1\$/)
  assert.equal(await verifyPassword('correct horse battery', h), true)
  assert.equal(await verifyPassword('wrong horse battery', h), false)
  assert.equal(await verifyPassword('correct horse battery', undefined), false)
  assert.equal(await verifyPassword('x', 'garbage'), false)
  assert.notEqual(await hashPassword('same'), await hashPassword('same'))
  assert.equal(randomPassword().length, 20)
  assert.notEqual(csrfTokenFor('bs_a'), csrfTokenFor('bs_b'))
})

test('locks a user name after repeated failures, whether or not it exists, and an address after more', () => {
  let now = 1_000_000
  const g = new LoginGuard({ maxFailuresPerUser: 3, maxFailuresPerIp: 5, windowMinutes: 15, lockoutMinutes: 10, attemptsPerMinutePerIp: 100 }, () => now)
  for (let i = 0; i < 3; i++) { assert.equal(g.check('1.1.1.1', 'ghost').ok, true); g.failure('1.1.1.1', 'ghost') }
  const locked = g.check('1.1.1.1', 'GHOST')
  assert.equal(locked.ok, false)
  assert.equal(!locked.ok && locked.reason, 'user-locked')
  assert.equal(g.check('2.2.2.2', 'other').ok, true)
  g.failure('1.1.1.1', 'a'); g.failure('1.1.1.1', 'b')
  const ipLocked = g.check('1.1.1.1', 'fresh')
  assert.equal(!ipLocked.ok && ipLocked.reason, 'ip-locked')
  now += 11 * 60_000
  assert.equal(g.check('1.1.1.1', 'ghost').ok, true)
})

test('limits login attempts per address per minute', () => {
  let now = 0
  const g = new LoginGuard({ maxFailuresPerUser: 100, maxFailuresPerIp: 100, windowMinutes: 15, lockoutMinutes: 10, attemptsPerMinutePerIp: 3 }, () => now)
  for (let i = 0; i < 3; i++) assert.equal(g.check('9.9.9.9', `u${i}`).ok, true)
  const d = g.check('9.9.9.9', 'u4')
  assert.equal(!d.ok && d.reason, 'rate')
  now += 61_000
  assert.equal(g.check('9.9.9.9', 'u5').ok, true)
})

test('roles grant the union of their permissions; unknown roles grant nothing', () => {
  const p = permissionsOf(['developer', 'auditor', 'nope'], { roles: DEFAULT_ROLES })
  assert.deepEqual([...p].sort(), ['alerts:read', 'audit:read', 'logs:read', 'traces:read'])
  // an admin manages alert rules and channels (alerts:read comes with that), but reads no data or audit
  assert.deepEqual([...permissionsOf(['admin'], { roles: DEFAULT_ROLES })].filter((x) => x.endsWith(':read') && x !== 'alerts:read'), [])
  assert.deepEqual([...permissionsOf(['constructor', '__proto__'], { roles: DEFAULT_ROLES })], [])
})

test('security configuration: defaults, environment, and refusals', () => {
  const c = configSchema.parse({})
  assert.equal(c.security.auth, true)
  assert.deepEqual(c.security.roles.analyst, ['aggregates:read', 'alerts:read'])
  const off = loadConfig({ env: { BEACON_AUTH: 'off', BEACON_TLS_CERT: '/c.pem', BEACON_TLS_KEY: '/k.pem' }, file: '/dev/null' })
  assert.equal(off.security.auth, false)
  assert.equal(off.security.tls.cert, '/c.pem')
  assert.throws(() => loadConfig({ env: { BEACON_TLS_CERT: '/c.pem' }, file: '/dev/null' }), /tls/)
  assert.throws(() => loadConfig({ env: {}, file: '/dev/null', overrides: { 'security.allowedNetworks': ['10.0.0.0/33'] } }), /CIDR/)
  assert.throws(() => loadConfig({ env: {}, file: '/dev/null', overrides: { 'security.roles': { x: ['logs:write'] } } }), /roles/)
})

test('network allowlist matches CIDRs, single addresses and IPv4-mapped IPv6', () => {
  const allow = createNetworkAllowlist(['10.0.0.0/8', '192.168.1.7', 'fd00::/8'])!
  assert.equal(allow('10.20.30.40'), true)
  assert.equal(allow('::ffff:10.1.2.3'), true)
  assert.equal(allow('192.168.1.7'), true)
  assert.equal(allow('192.168.1.8'), false)
  assert.equal(allow('fd12::1'), true)
  assert.equal(allow('not an ip'), false)
  assert.equal(createNetworkAllowlist([]), undefined)
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('localhost') && isLoopbackHost('[::1]'))
  assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('10.0.0.1') && !isLoopbackHost('::'))
})

function log(service: string): LogRecord {
  return {
    timeUnixNano: '1', observedTimeUnixNano: '1', severityText: 'INFO', severityNumber: 9, serviceName: service, body: 'b',
    traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: { 'service.name': service }, attributes: {},
  }
}

test('a service-bound ingest key writes only as its service: unnamed records take it, others are rejected', () => {
  const stage = createServiceBindingStage()
  const batch: Batch = { id: 'x', source: 'otlp', logs: [log('shop-api'), log('unknown_service:node'), log('crm-api')], spans: [], principal: { keyId: 'k', service: 'shop-api' }, rejected: 0 }
  stage.process(batch)
  assert.deepEqual(batch.logs.map((l) => l.serviceName), ['shop-api', 'shop-api'])
  assert.equal(batch.logs[1].resource['service.name'], 'shop-api')
  assert.equal(batch.rejected, 1)
  assert.match(batch.rejectionMessage ?? '', /only write service shop-api/)
  const free: Batch = { id: 'y', source: 'otlp', logs: [log('crm-api')], spans: [], principal: { keyId: 'k' }, rejected: 0 }
  stage.process(free)
  assert.equal(free.logs.length, 1)
})

test('audit entries chain: each hash covers the previous hash and the canonical entry', () => {
  const e1 = chainEntry({ seq: 0, hash: GENESIS_HASH }, { actor: 'user:a', action: 'search', target: '{"q":"x"}', client: '127.0.0.1', result: 'allowed', rows: 3 }, 1000)
  const e2 = chainEntry(e1, { actor: 'user:a', action: 'auth.logout', target: '', client: '127.0.0.1', result: 'allowed' }, 2000)
  assert.equal(e1.seq, 1)
  assert.equal(e2.prevHash, e1.hash)
  const { prevHash: _p, hash: _h, ...body } = e2
  assert.equal(entryHash(e1.hash, body), e2.hash)
  assert.notEqual(entryHash(e1.hash, { ...body, rows: 1 }), e2.hash)
  // A lone surrogate is stored as U+FFFD, so the entry is hashed in that form.
  const e3 = chainEntry(e2, { actor: 'x', action: 'search', target: 'bad \ud800 text', client: '', result: 'allowed' }, 3000)
  assert.equal(e3.target, 'bad \ufffd text')
})

test('BEACON_AUTH=off is refused unless the listeners bind to loopback', async () => {
  const { securityExtensions } = await import('../src/security-wiring.ts')
  const { createLogger } = await import('../src/logger.ts')
  const log = createLogger('silent')
  const open = loadConfig({ env: { BEACON_AUTH: 'off', BEACON_HOST: '0.0.0.0' }, file: '/dev/null' })
  await assert.rejects(securityExtensions(open, log), /BEACON_AUTH=off is refused/)
  const local = loadConfig({ env: { BEACON_AUTH: 'off', BEACON_HOST: '127.0.0.1' }, file: '/dev/null' })
  await securityExtensions(local, log)
  const tls = loadConfig({ env: { BEACON_TLS_CERT: '/nonexistent.pem', BEACON_TLS_KEY: '/nonexistent.key' }, file: '/dev/null' })
  await assert.rejects(securityExtensions(tls, log), /cannot read the certificate/)
})
