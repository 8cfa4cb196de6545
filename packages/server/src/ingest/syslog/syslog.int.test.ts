import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startTestBeacon, type TestBeacon } from '../../testing.ts'
import { makeCertificates } from './test-utils.ts'

/**
 * Real syslog senders into a real Beacon: util-linux `logger` (RFC 5424 octet-counted over TCP,
 * RFC 3164 over UDP), rsyslog's omfwd (TCP) and a TLS client with a client certificate. Only
 * 127.0.0.1 is an allowed network here, so a sender on 127.0.0.2 must be refused.
 */

const dir = mkdtempSync(join(tmpdir(), 'beacon-syslog-'))
const certs = makeCertificates(dir)
const [port, tlsPort] = await Promise.all([freePort(), freePort()])
const tb: TestBeacon = await startTestBeacon({
  env: {
    BEACON_SYSLOG_PORT: String(port), BEACON_SYSLOG_TLS_PORT: String(tlsPort), BEACON_SYSLOG_ALLOW_NETWORKS: '127.0.0.1/32',
    BEACON_TLS_CERT: certs.serverCert, BEACON_TLS_KEY: certs.serverKey, BEACON_SYSLOG_TLS_CA: certs.caCert,
  },
})
const cleanups: (() => Promise<void> | void)[] = [() => tb.stop(), () => rmSync(dir, { recursive: true, force: true })]
after(async () => { for (const c of cleanups.reverse()) await c() })

type Row = { Body: string; ServiceName: string; SeverityText: string; host: string; attrs: Record<string, string> }
async function rowsWith(marker: string, want: number, timeoutMs = 20_000): Promise<Row[]> {
  const deadline = Date.now() + timeoutMs
  let rows: Row[] = []
  while (Date.now() < deadline) {
    await tb.flush()
    rows = await tb.store.query<Row>(
      `SELECT Body, ServiceName, SeverityText, ResourceAttributes['host.name'] AS host, LogAttributes AS attrs
       FROM otel_logs WHERE Body LIKE {m:String} ORDER BY Body`, { m: `%${marker}%` })
    if (rows.length >= want) return rows
    await new Promise((r) => setTimeout(r, 200))
  }
  return rows
}

function logger(args: string[]): void {
  const r = spawnSync('logger', args, { encoding: 'utf8' })
  assert.equal(r.status, 0, `logger ${args.join(' ')}: ${r.stderr}`)
}

test('logger --rfc5424 --octet-count -T: app name → service, structured data → attributes, severity → level', async () => {
  const m = `rfc5424-${Date.now()}`
  logger(['--rfc5424', '--octet-count', '-T', '-n', '127.0.0.1', '-P', String(port), '-t', 'crm-api', '-p', 'local0.err',
    '--sd-id', 'order@32473', '--sd-param', 'id="A-1001"', `${m} payment declined`])
  const [r] = await rowsWith(m, 1)
  assert.ok(r, 'stored')
  assert.equal(r.ServiceName, 'crm-api')
  assert.equal(r.SeverityText, 'ERROR')
  assert.equal(r.attrs['order.id'], 'A-1001')
  assert.equal(r.attrs['syslog.facility'], 'local0')
  assert.equal(r.Body, `${m} payment declined`)
  assert.ok(r.host.length > 0)
})

test('logger --rfc3164 -d (UDP): tag → service, host kept', async () => {
  const m = `rfc3164-${Date.now()}`
  logger(['--rfc3164', '-d', '-n', '127.0.0.1', '-P', String(port), '-t', 'shop-api', '-p', 'user.warning', `${m} slow checkout`])
  const [r] = await rowsWith(m, 1)
  assert.ok(r, 'stored')
  assert.equal(r.ServiceName, 'shop-api')
  assert.equal(r.SeverityText, 'WARN')
  assert.equal(r.Body, `${m} slow checkout`)
})

const hasRsyslog = spawnSync('rsyslogd', ['-v']).status === 0
test('rsyslog omfwd (TCP, octet-counted RFC 5424) keeps the program name as the service', { skip: hasRsyslog ? false : 'apt-get install -y rsyslog', timeout: 90_000 }, async () => {
  const work = join(dir, 'rsyslog')
  mkdirSync(join(work, 'work'), { recursive: true })
  const m = `omfwd-${Date.now()}`
  const logFile = join(work, 'app.log')
  writeFileSync(logFile, [1, 2, 3].map((i) => `${m} invoice ${i}`).join('\n') + '\n')
  const conf = join(work, 'rsyslog.conf')
  writeFileSync(conf, `
global(workDirectory="${work}/work")
module(load="imfile" mode="polling" pollingInterval="1")
input(type="imfile" file="${logFile}" tag="billing:" severity="err" facility="local3" ruleset="fwd" freshStartTail="off")
ruleset(name="fwd") {
  action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" template="RSYSLOG_SyslogProtocol23Format"
         TCP_Framing="octet-counted" action.resumeRetryCount="-1" action.resumeInterval="1")
}
`)
  const proc: ChildProcess = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(work, 'pid')], { stdio: 'ignore' })
  cleanups.push(() => new Promise<void>((resolve) => { if (proc.exitCode !== null) return resolve(); proc.once('exit', () => resolve()); proc.kill('SIGTERM') }))
  const rows = await rowsWith(m, 3, 60_000)
  assert.equal(rows.length, 3, `rsyslogd exit code: ${proc.exitCode}`)
  for (const r of rows) {
    assert.equal(r.ServiceName, 'billing')
    assert.equal(r.SeverityText, 'ERROR')
    assert.equal(r.attrs['syslog.facility'], 'local3')
  }
})

/** A TLS connection from `localAddress` (127.0.0.2 is outside the allowed networks). */
function tlsFrom(localAddress: string, withCert: boolean, onSecure: (s: ReturnType<typeof tlsConnect>) => void) {
  const socket = connect({ host: '127.0.0.1', port: tlsPort, localAddress })
  const s = tlsConnect({
    socket, ca: readFileSync(certs.caCert), servername: 'localhost',
    ...(withCert ? { cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } : {}),
  }, () => onSecure(s))
  return s
}

/**
 * syslog-ng: from PATH, or unpacked into /opt/syslog-ng (.ci/run does that, because Debian's
 * syslog-ng-core conflicts with rsyslog as the system logger).
 */
function syslogNg(): { bin: string; args: string[]; env: NodeJS.ProcessEnv } | undefined {
  if (spawnSync('syslog-ng', ['--version']).status === 0) return { bin: 'syslog-ng', args: [], env: process.env }
  const root = '/opt/syslog-ng/usr'
  const env = { ...process.env, LD_LIBRARY_PATH: `${root}/lib/syslog-ng` }
  if (spawnSync(`${root}/sbin/syslog-ng`, ['--version'], { env }).status === 0) return { bin: `${root}/sbin/syslog-ng`, args: [`--module-path=${root}/lib/syslog-ng/3.38`], env }
  return undefined
}
const sng = syslogNg()

test('syslog-ng syslog() destination (RFC 5424 over TCP) delivers with the program as the service', { skip: sng ? false : 'syslog-ng not found (see .ci/run)', timeout: 60_000 }, async () => {
  const work = join(dir, 'syslog-ng')
  mkdirSync(work, { recursive: true })
  const m = `sng-${Date.now()}`
  const logFile = join(work, 'in.log')
  writeFileSync(logFile, [1, 2].map((i) => `${m} shipment ${i}`).join('\n') + '\n')
  const conf = join(work, 'syslog-ng.conf')
  writeFileSync(conf, `@version: 3.38
source s_file { file("${logFile}" follow-freq(1) program-override("mes-worker") flags(no-parse)); };
destination d_beacon { syslog("127.0.0.1" transport("tcp") port(${port})); };
log { source(s_file); destination(d_beacon); };
`)
  const proc = spawn(sng!.bin, [...sng!.args, '-F', '-f', conf, '-R', join(work, 'persist'), '-p', join(work, 'pid'), '-c', join(work, 'ctl')], { env: sng!.env, stdio: 'ignore' })
  cleanups.push(() => new Promise<void>((resolve) => { if (proc.exitCode !== null) return resolve(); proc.once('exit', () => resolve()); proc.kill('SIGTERM') }))
  const rows = await rowsWith(m, 2, 40_000)
  assert.deepEqual(rows.map((r) => `${r.ServiceName} ${r.Body}`), [`mes-worker ${m} shipment 1`, `mes-worker ${m} shipment 2`])
})

test('TLS: a client certificate signed by the configured CA is accepted from any address; without one, from an allowed address', async () => {
  const m = `tls-${Date.now()}`
  for (const [from, withCert, n] of [['127.0.0.2', true, 1], ['127.0.0.1', false, 2]] as const) {
    await new Promise<void>((resolve, reject) => {
      const s = tlsFrom(from, withCert, () => { s.end(`<14>1 - host-${n} mes-worker - - - ${m} ${n}\n`, () => resolve()) })
      s.on('error', reject)
    })
  }
  const rows = await rowsWith(m, 2)
  assert.deepEqual(rows.map((r) => `${r.ServiceName} ${r.host}`), ['mes-worker host-1', 'mes-worker host-2'])
})

test('a sender outside the allowed networks is refused (TCP closed, nothing stored) and the receiver keeps serving', async () => {
  const m = `refused-${Date.now()}`
  await new Promise<void>((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }, () => s.write(`<14>1 - - intruder - - - ${m}\n`))
    s.on('close', () => resolve())
    s.on('error', () => {})
  })
  // The TLS listener without a client certificate from that address: refused as well.
  await new Promise<void>((resolve) => {
    const s = tlsFrom('127.0.0.2', false, () => s.write(`<14>1 - - intruder - - - ${m}\n`))
    s.on('close', () => resolve())
    s.on('error', () => {})
  })
  logger(['--rfc5424', '--octet-count', '-T', '-n', '127.0.0.1', '-P', String(port), '-t', 'after', `${m}-ok`])
  const rows = await rowsWith(m, 1)
  assert.deepEqual(rows.map((r) => r.ServiceName), ['after'])
})

test('an unframeable stream closes that connection only; a line without a PRI is kept as text', async () => {
  const m = `frames-${Date.now()}`
  await new Promise<void>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(`99999999 ${m}-lost`))
    s.on('close', () => resolve())
    s.on('error', () => {})
  })
  await new Promise<void>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.end(`${m} no pri at all\n`))
    s.on('close', () => resolve())
  })
  const rows = await rowsWith(m, 1)
  assert.deepEqual(rows.map((r) => [r.Body, r.ServiceName]), [[`${m} no pri at all`, 'unknown_service']])
})
