import { randomUUID } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { createServer, isIPv6, type Socket } from 'node:net'
import { hostname } from 'node:os'
import type { Config } from '../../config/schema.ts'
import { createNetworkAllowlist } from '../../auth/networks.ts'
import { nowUnixNano, type Batch, type LogRecord } from '../../pipeline/record.ts'
import { documentToRecord } from '../elastic/ecs.ts'
import { copyRecord, submitUntilAccepted } from '../batcher.ts'
import type { IngestPrincipal, OpenListener, ReceiverDeps, SocketReceiver } from '../receiver.ts'
import { checkPing, eventTimeNano, helo, packr, readMessage, unpackr, type Entry, type Handshake } from './protocol.ts'

/**
 * Fluentd Forward receiver on BEACON_FORWARD_PORT (TCP; UDP on the same number answers heartbeats).
 *
 *   connect ── shared key set? ── HELO → PING (shared key, user) → PONG ──✗──▶ PONG false, closed
 *      │            └ no key: sender in receivers.forward.allowNetworks? ──✗──▶ closed
 *      ▼
 *   MessagePack stream ─▶ readMessage (Message / Forward / PackedForward / CompressedPackedForward)
 *      │  not a Forward message, or over limits.maxBodyBytes ──▶ connection closed, nothing acked
 *      ▼
 *   records (document mapping shared with the Elasticsearch receiver; tag → service)
 *      ▼
 *   ingest.submit (the socket is paused meanwhile) ─▶ durable ─▶ {ack: chunk}
 *                   retry → wait and submit again (sender blocked); gave up → closed without ack
 *
 * The ack is sent only after the write-ahead log holds the batch (unlike Fluentd, which acks on
 * receipt), so a sender with `require_ack_response` never loses acknowledged events.
 * A chunk id names its batch: a sender's resend of an acknowledged chunk is stored once.
 */

export type ForwardConfig = Config['receivers']['forward']

export function createForwardReceiver(deps: ReceiverDeps, config: ForwardConfig): SocketReceiver {
  const log = deps.logger
  const allowNetwork = config.allowNetworks.length > 0 ? createNetworkAllowlist(config.allowNetworks)! : () => false
  const users = Object.keys(config.users).length > 0 ? config.users : undefined
  const serverHostname = `beacon-${hostname()}`
  const open = new Set<Socket>()
  let stopping = false

  function serviceOf(tag: string): string {
    if (config.serviceFromTag === 'tag') return tag
    const parts = tag.split('.')
    return (config.serviceFromTag === 'first' ? parts[0] : parts[parts.length - 1]) ?? tag
  }

  function toRecords(tag: string, entries: Entry[], observed: string): { logs: LogRecord[]; rejected: number } {
    const logs: LogRecord[] = []
    let rejected = 0
    const ctx = { limits: deps.limits, observedTimeUnixNano: observed }
    for (const entry of entries) {
      const doc = Array.isArray(entry) ? entry[1] : undefined
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || doc instanceof Uint8Array) { rejected++; continue }
      const r = documentToRecord(doc as Record<string, unknown>, '', ctx)
      r.timeUnixNano = eventTimeNano(entry[0]) ?? r.timeUnixNano
      if (r.serviceName === '') r.serviceName = serviceOf(tag)
      r.attributes['fluent.tag'] = tag
      r.scopeName = 'fluentd-forward'
      logs.push(r)
    }
    return { logs, rejected }
  }

  function onConnection(socket: Socket): void {
    const address = socket.remoteAddress ?? ''
    if (!config.sharedKey && !allowNetwork(address)) {
      log.warn({ address }, 'Forward connection refused: no shared key is configured and the sender is not in receivers.forward.allowNetworks')
      socket.destroy()
      return
    }
    open.add(socket)
    socket.on('error', () => { /* reset by the peer: nothing unacknowledged is lost for it */ })
    let hs: Handshake | undefined
    let principal: IngestPrincipal = {}
    if (config.sharedKey) {
      hs = helo(users !== undefined)
      socket.write(hs.helo)
    }
    let pending: Buffer | undefined
    let queue: Promise<void> = Promise.resolve()
    let queued = 0
    let closed = false
    // Events already received are still stored when the sender hangs up (it may not wait for acks).
    socket.on('close', () => open.delete(socket))
    const close = (reason: string) => {
      if (closed) return
      closed = true
      log.warn({ address, reason }, 'Forward connection closed')
      socket.destroy()
    }

    const handle = async (item: unknown): Promise<void> => {
      if (closed) return
      if (hs) {
        const ping = checkPing(item, hs, config.sharedKey, serverHostname, users && ((u) => config.users[u]?.password))
        socket.write(ping.pong)
        if (!ping.ok) {
          closed = true
          log.warn({ address, reason: ping.reason }, 'Forward handshake refused')
          return void socket.end()
        }
        hs = undefined
        const service = users ? config.users[ping.username]?.service : ''
        principal = { keyId: ping.username ? `forward:${ping.username}` : 'forward', ...(service ? { service } : {}) }
        return
      }
      const msg = readMessage(item, deps.limits.maxDecompressedBytes)
      if ('error' in msg) return close(msg.error)
      const { logs, rejected } = toRecords(msg.tag, msg.entries, nowUnixNano())
      if (rejected > 0) log.warn({ address, tag: msg.tag, rejected }, 'Forward events that are not maps were dropped')
      let ok = true
      if (logs.length > 0) {
        // A chunk id names the batch (a resend is stored once); without one, every message is new.
        const id = msg.chunk ? `forward:${msg.chunk}` : randomUUID()
        const make = (): Batch => ({ id, source: 'forward', logs: logs.map(copyRecord), spans: [], principal, rejected: 0 })
        const outcome = await submitUntilAccepted(deps.ingest, make, { logger: log, source: 'forward', gaveUp: () => closed || stopping })
        ok = outcome !== undefined
        if (outcome?.status === 'ok' && outcome.rejected > 0) log.warn({ address, tag: msg.tag, rejected: outcome.rejected, reason: outcome.message }, 'Forward events rejected')
      }
      if (!ok) return close('the ingest path kept refusing the events; not acknowledged, the sender will resend')
      if (msg.chunk && !socket.destroyed) socket.write(packr.pack({ ack: msg.chunk }))
    }

    socket.on('data', (chunk: Buffer) => {
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk
      pending = undefined
      const items: unknown[] = []
      let tooLarge = 0
      try {
        unpackr.unpackMultiple(buf, (value: unknown, start = 0, end = 0) => {
          if (end - start > deps.limits.maxBodyBytes) tooLarge = end - start
          items.push(value)
        })
      } catch (err) {
        const e = err as Error & { incomplete?: boolean; lastPosition?: number }
        if (!e.incomplete) return close(`not MessagePack: ${e.message}`)
        buf = buf.subarray(e.lastPosition ?? 0)
        if (buf.length > deps.limits.maxBodyBytes) return close(`a message over ${deps.limits.maxBodyBytes} bytes (limits.maxBodyBytes)`)
        pending = Buffer.from(buf)
      }
      if (tooLarge > 0) return close(`a ${tooLarge}-byte message is over ${deps.limits.maxBodyBytes} bytes (limits.maxBodyBytes)`)
      for (const item of items) {
        queued++
        if (queued === 1) socket.pause()
        queue = queue.then(() => handle(item)).catch((err: Error) => close(`internal error: ${err.message}`)).finally(() => {
          queued--
          if (queued === 0 && !closed) socket.resume()
        })
      }
    })
  }

  return {
    name: 'forward',
    async start({ host, port }): Promise<OpenListener> {
      const tcp = createServer(onConnection)
      const bound = await new Promise<number>((resolve, reject) => {
        tcp.once('error', reject)
        tcp.listen(port, host, () => { tcp.off('error', reject); resolve((tcp.address() as { port: number }).port) })
      })
      // Heartbeat (Fluentd `heartbeat_type udp`): any datagram is answered with one byte.
      const udp = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
      udp.on('message', (_msg, rinfo) => udp.send(Buffer.from([0]), rinfo.port, rinfo.address))
      await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(bound, host, () => { udp.off('error', reject); resolve() }) })
      return {
        address: `tcp://${host.includes(':') ? `[${host}]` : host}:${bound}`,
        port: bound,
        close: async () => {
          stopping = true
          for (const s of open) s.destroy()
          await Promise.all([new Promise<void>((r) => tcp.close(() => r())), new Promise<void>((r) => udp.close(() => r()))])
        },
      }
    },
  }
}
