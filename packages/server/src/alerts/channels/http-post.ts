import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP } from 'node:net'

/**
 * Outbound HTTP for channels, with the network guard inside the connection's DNS lookup: the
 * address checked is the address connected to (no second resolution an attacker could rebind).
 * Loopback, private, link-local, CGNAT and unspecified addresses are refused unless they fall in
 * an allowed network (`BEACON_ALERT_ALLOW_NETWORKS`).
 */

const FORBIDDEN = new BlockList()
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) FORBIDDEN.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) FORBIDDEN.addSubnet(net, bits, 'ipv6')

export interface NetworkPolicy {
  /** Whether a resolved address may be connected to. */
  allows(address: string): boolean
}

/** Builds the policy from CIDR strings (`127.0.0.0/8`, `10.1.2.3`, `fd00::/8`). */
export function networkPolicy(allowed: readonly string[]): NetworkPolicy {
  const allow = new BlockList()
  for (const c of allowed) {
    const [addr, bits] = c.split('/')
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) allow.addAddress(addr, family)
    else allow.addSubnet(addr, Number(bits), family)
  }
  return {
    allows(address) {
      let a = address
      let family: 'ipv4' | 'ipv6' = isIP(a) === 6 ? 'ipv6' : 'ipv4'
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)
      if (mapped) { a = mapped[1]; family = 'ipv4' }
      if (allow.check(a, family)) return true
      return !FORBIDDEN.check(a, family)
    },
  }
}

export interface PostResult {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

export class BlockedTargetError extends Error {
  constructor(host: string, address: string) {
    super(`target ${host} resolves to ${address}, a loopback/private/link-local address; allow it with BEACON_ALERT_ALLOW_NETWORKS`)
    this.name = 'BlockedTargetError'
  }
}

/** POSTs `body` to `url`; resolves with the status whatever it is, rejects on network errors and refusals. */
export function httpPost(url: string, body: string, headers: Record<string, string>, policy: NetworkPolicy, timeoutMs = 10_000): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    let u: URL
    try { u = new URL(url) } catch { reject(new Error('not a valid URL')); return }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') { reject(new Error('only http and https URLs')); return }
    const host = u.hostname.replace(/^\[|\]$/g, '')
    const lookup = (hostname: string, options: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return cb(err, '')
        const list = addresses as LookupAddress[]
        const bad = list.find((a) => !policy.allows(a.address))
        if (bad) return cb(new BlockedTargetError(hostname, bad.address), '')
        if ((options as { all?: boolean }).all) return cb(null, list)
        cb(null, list[0].address, list[0].family)
      })
    }
    // A literal IP never goes through lookup; check it here.
    if (isIP(host) && !policy.allows(host)) { reject(new BlockedTargetError(host, host)); return }
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(u, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'beacon-alerts', ...headers },
      lookup: lookup as never,
      timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => { size += c.length; if (size < 64 * 1024) chunks.push(c) })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}
