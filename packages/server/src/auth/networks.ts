import { BlockList, isIP } from 'node:net'

/** Client-address allowlist from CIDR strings (`10.0.0.0/8`, `::1`, `192.168.1.7`); empty allows all. */
export function createNetworkAllowlist(cidrs: readonly string[]): ((ip: string) => boolean) | undefined {
  if (cidrs.length === 0) return undefined
  const list = new BlockList()
  for (const c of cidrs) {
    const [addr, bits] = c.split('/')
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(addr, family)
    else list.addSubnet(addr, Number(bits), family)
  }
  return (ip: string) => {
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
    const addr = v4 ? v4[1] : ip
    const family = isIP(addr)
    if (family === 0) return false
    return list.check(addr, family === 6 ? 'ipv6' : 'ipv4')
  }
}

/** Whether a listener host is loopback-only (the condition for BEACON_AUTH=off). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}
