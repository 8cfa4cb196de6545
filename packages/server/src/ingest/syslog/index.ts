import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, isIPv6, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import type { Config } from '../../config/schema.ts'
import { nowUnixNano } from '../../pipeline/record.ts'
import { createNetworkAllowlist } from '../../auth/networks.ts'
import { RecordBatcher } from '../batcher.ts'
import type { ListenerTls, OpenListener, ReceiverDeps, SocketReceiver } from '../receiver.ts'
import { FrameSplitter } from './framing.ts'
import { parseSyslog } from './parse.ts'

/**
 * Syslog receiver: UDP and TCP on BEACON_SYSLOG_PORT, TLS (RFC 5425) on BEACON_SYSLOG_TLS_PORT.
 *
 *   connection / datagram ── sender allowed? (receivers.syslog.allowNetworks, or a TLS client
 *      │                      certificate signed by BEACON_SYSLOG_TLS_CA) ──✗──▶ closed / dropped
 *      ▼
 *   TCP/TLS: FrameSplitter (octet counting or newline) ── frame over the limit ──▶ connection closed
 *      ▼
 *   parseSyslog (RFC 5424 / 3164) → RecordBatcher → ingest.submit
 *
 * Backpressure: while a connection's batch is being written the socket is paused, so a TCP
 * sender blocks instead of Beacon buffering without bound. UDP has none: when the ingest path is
 * behind, datagrams are dropped and counted (logged once a minute).
 * Syslog has no acknowledgement: a sender cannot know what was stored (use OTLP or Forward for that).
 */

export type SyslogConfig = Config['receivers']['syslog']

const DROP_LOG_INTERVAL_MS = 60_000

export function createSyslogReceiver(deps: ReceiverDeps, config: SyslogConfig, opts: { tls?: ListenerTls } = {}): SocketReceiver {
  const allowNetwork = config.allowNetworks.length > 0 ? createNetworkAllowlist(config.allowNetworks)! : () => false
  const parseOpts = { structuredDataKeys: config.structuredDataKeys, renameAttributes: config.renameAttributes }
  const log = deps.logger
  const refusals = { count: 0, lastLog: -Infinity }
  const refused = (address: string, how: string) => {
    refusals.count++
    const now = Date.now()
    if (now - refusals.lastLog >= DROP_LOG_INTERVAL_MS) {
      log.warn({ address, refused: refusals.count }, `syslog ${how} from ${address} refused: not in receivers.syslog.allowNetworks (BEACON_SYSLOG_ALLOW_NETWORKS)${opts.tls?.ca ? ' and no trusted client certificate' : ''}`)
      refusals.lastLog = now
      refusals.count = 0
    }
  }

  const open = new Map<Socket, RecordBatcher>()

  /** Closes open connections and waits until what they framed is submitted. */
  async function closeConnections(): Promise<void> {
    const batchers = [...open.values()]
    for (const s of open.keys()) s.destroy()
    await Promise.all(batchers.map((b) => b.close()))
  }

  function onConnection(socket: Socket | TLSSocket, transport: 'tcp' | 'tls'): void {
    const address = socket.remoteAddress ?? ''
    const certified = transport === 'tls' && (socket as TLSSocket).authorized
    if (!allowNetwork(address) && !certified) {
      refused(address, `${transport} connection`)
      socket.destroy()
      return
    }
    const frames = new FrameSplitter(config.maxMessageBytes)
    const batcher = new RecordBatcher({
      ingest: deps.ingest, logger: log, source: 'syslog', principal: {},
      onBusy: (busy) => (busy ? socket.pause() : socket.resume()),
    })
    open.set(socket, batcher)
    const peerHost = address.replace(/^::ffff:/, '')
    const accept = (messages: string[]) => {
      const now = nowUnixNano()
      for (const text of messages) batcher.add(withPeer(parseSyslog(text, now, parseOpts), peerHost))
    }
    socket.on('data', (chunk: Buffer) => {
      const r = frames.push(chunk)
      if ('error' in r) {
        log.warn({ address, reason: r.error }, 'syslog connection closed: the stream cannot be framed')
        socket.destroy()
        return
      }
      accept(r.messages)
    })
    socket.on('end', () => { accept(frames.end()); void batcher.drain() })
    socket.on('error', () => { /* reset by the peer: what was framed is submitted */ })
    socket.on('close', () => { open.delete(socket); void batcher.close() })
  }

  return {
    name: 'syslog',
    async start({ host, port }): Promise<OpenListener> {
      if (opts.tls) {
        const server = createTlsServer({
          cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2',
          ...(opts.tls.ca ? { ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false } : {}),
        }, (s) => onConnection(s, 'tls'))
        const bound = await listen(server, host, port)
        return { address: `tls://${hostPort(host, bound)}`, port: bound, close: () => Promise.all([closeServer(server), closeConnections()]).then(() => {}) }
      }
      const tcp = createServer((s) => onConnection(s, 'tcp'))
      const bound = await listen(tcp, host, port)
      const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 })
      const udpBatcher = new RecordBatcher({ ingest: deps.ingest, logger: log, source: 'syslog', principal: {} })
      const drops = { count: 0, lastLog: -Infinity }
      udp.on('message', (msg, rinfo) => {
        if (!allowNetwork(rinfo.address)) return refused(rinfo.address, 'datagram')
        if (msg.length > config.maxMessageBytes || udpBatcher.busy) {
          drops.count++
          if (Date.now() - drops.lastLog >= DROP_LOG_INTERVAL_MS) {
            log.warn({ dropped: drops.count }, 'syslog UDP datagrams dropped (over the size limit, or the ingest path is behind); use TCP for backpressure')
            drops.lastLog = Date.now()
            drops.count = 0
          }
          return
        }
        udpBatcher.add(withPeer(parseSyslog(msg.toString('utf8'), nowUnixNano(), parseOpts), rinfo.address))
      })
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject)
        udp.bind(bound, host, () => { udp.off('error', reject); resolve() })
      })
      return {
        address: `udp+tcp://${hostPort(host, bound)}`,
        port: bound,
        close: async () => {
          await Promise.all([closeServer(tcp), closeConnections(), new Promise<void>((r) => (udp as UdpSocket).close(() => r()))])
          await udpBatcher.close()
        },
      }
    },
  }
}

/** The sender's address, for messages whose HOSTNAME is missing. */
function withPeer<T extends { resource: Record<string, string>; attributes: Record<string, string> }>(r: T, peer: string): T {
  r.attributes['client.address'] = peer
  if (r.resource['host.name'] === undefined) r.resource['host.name'] = peer
  return r
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve((server.address() as { port: number }).port) })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
