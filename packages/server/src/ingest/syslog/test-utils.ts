import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TestCertificates { caCert: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string }

/** A throw-away CA, a server certificate for localhost/127.0.0.1 and a client certificate (openssl). */
export function makeCertificates(dir: string): TestCertificates {
  const f = (name: string) => join(dir, name)
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' })
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=beacon-test-ca')
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  for (const [name, ext] of [['server', f('server.ext')], ['client', undefined]] as const) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name === 'server' ? 'localhost' : 'syslog-client'}`)
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', ...(ext ? ['-extfile', ext] : []))
  }
  return { caCert: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') }
}
