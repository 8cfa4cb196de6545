import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { Client as EsClient } from '@elastic/elasticsearch'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { sdkLogs } from '../otlp/test-utils.ts'
import { packr, unpackr } from '../forward/protocol.ts'

/**
 * One adapter per receiver for the receiver contract suite (hono's `common.case` pattern): each
 * speaks its protocol through its own real client and reports the answer in common terms, so one
 * table of cases holds every receiver to the same promises.
 */

/** What a receiver answered, in the contract's terms. */
export type Answer =
  | { kind: 'ok'; detail?: string }
  /** Credentials missing or wrong, or a sender not allowed. */
  | { kind: 'refused'; detail: string }
  /** The protocol's "your input is wrong, do not retry". */
  | { kind: 'invalid'; detail: string }
  | { kind: 'too-large'; detail: string }
  /** The protocol's backpressure: retry later (429/RESOURCE_EXHAUSTED/no ack yet/blocked sender). */
  | { kind: 'backpressure'; detail: string }

export type Credential = 'valid' | 'none' | 'wrong' | 'bound'

export interface Send { marker: string; service: string; n: number; credential?: Credential; padBytes?: number }

export interface Endpoints {
  otlpHttp: string
  otlpGrpc: string
  elastic: string
  syslog: number
  forward: number
  /** A key allowed to write any service; undefined with auth off. */
  ingestKey?: string
  /** A key (or Forward user) bound to shop-api. */
  boundKey?: string
  forwardSharedKey: string
  forwardUser: { name: string; password: string }
}

export interface ReceiverAdapter {
  name: string
  /** Sends `n` log lines carrying `marker` as attribute `run` (syslog: in the body). */
  send(e: Endpoints, s: Send): Promise<Answer>
  /** Bytes that are not the protocol's format. */
  malformed(e: Endpoints): Promise<Answer>
  /** Why a case does not apply to this protocol (else undefined). */
  notApplicable?: Partial<Record<'bound' | 'replay' | 'ack', string>>
  /** Sends exactly the same batch twice (where the protocol can identify a batch). */
  replay?(e: Endpoints, s: Send): Promise<Answer[]>
}

const pad = (n?: number) => (n ? 'x'.repeat(n) : '')
function keyFor(e: Endpoints, c: Credential = 'valid'): string | undefined {
  return c === 'valid' ? e.ingestKey : c === 'bound' ? e.boundKey : c === 'wrong' ? 'bk_wrong-key-000000000000' : undefined
}

async function otlpBody(s: Send): Promise<Buffer> {
  const records = await sdkLogs(Array.from({ length: s.n }, (_, i) => ({ body: `${s.marker} ${i} ${pad(s.padBytes)}`, attributes: { run: s.marker } })), s.service)
  return Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!)
}

const otlpHttp: ReceiverAdapter = {
  name: 'OTLP/HTTP',
  async send(e, s) {
    return otlpHttpPost(e, await otlpBody(s), keyFor(e, s.credential))
  },
  malformed: (e) => otlpHttpPost(e, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), e.ingestKey),
  async replay(e, s) {
    const body = await otlpBody(s)
    return [await otlpHttpPost(e, body, e.ingestKey), await otlpHttpPost(e, body, e.ingestKey)]
  },
}

async function otlpHttpPost(e: Endpoints, body: Buffer, key: string | undefined): Promise<Answer> {
  const res = await fetch(`${e.otlpHttp}/v1/logs`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/x-protobuf', ...(key ? { authorization: `Bearer ${key}` } : {}) } })
  const detail = `${res.status} ${Buffer.from(await res.arrayBuffer()).toString('latin1').replace(/[^\x20-\x7e]/g, '')}`
  if (res.status === 200) return { kind: 'ok', detail }
  if (res.status === 401 || res.status === 403) return { kind: 'refused', detail }
  if (res.status === 413) return { kind: 'too-large', detail }
  if (res.status === 429 || res.status === 503) return { kind: 'backpressure', detail: `${detail} retry-after=${res.headers.get('retry-after')}` }
  return { kind: 'invalid', detail }
}

function grpcCall(e: Endpoints, body: Buffer, key: string | undefined): Promise<Answer> {
  const client = new grpc.Client(e.otlpGrpc, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 })
  const md = new grpc.Metadata()
  if (key) md.set('authorization', `Bearer ${key}`)
  const id = (b: Buffer) => b
  return new Promise((resolve) => {
    client.makeUnaryRequest('/opentelemetry.proto.collector.logs.v1.LogsService/Export', id, id, body, md, (err, response) => {
      client.close()
      if (!err) return resolve({ kind: 'ok', detail: response?.toString('latin1') })
      const detail = `${grpc.status[err.code]}: ${err.details}`
      if (err.code === grpc.status.UNAUTHENTICATED || err.code === grpc.status.PERMISSION_DENIED) return resolve({ kind: 'refused', detail })
      if (err.code === grpc.status.INVALID_ARGUMENT) return resolve({ kind: 'invalid', detail })
      const retryInfo = err.metadata?.get('grpc-status-details-bin')[0]
      const hasRetryInfo = Buffer.isBuffer(retryInfo) && retryInfo.includes('google.rpc.RetryInfo')
      if (err.code === grpc.status.RESOURCE_EXHAUSTED && !hasRetryInfo) return resolve({ kind: 'too-large', detail })
      if (err.code === grpc.status.RESOURCE_EXHAUSTED || err.code === grpc.status.UNAVAILABLE) return resolve({ kind: 'backpressure', detail: `${detail} (RetryInfo: ${hasRetryInfo})` })
      resolve({ kind: 'invalid', detail })
    })
  })
}

const otlpGrpc: ReceiverAdapter = {
  name: 'OTLP/gRPC',
  async send(e, s) { return grpcCall(e, await otlpBody(s), keyFor(e, s.credential)) },
  malformed: (e) => grpcCall(e, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), e.ingestKey),
  async replay(e, s) {
    const body = await otlpBody(s)
    return [await grpcCall(e, body, e.ingestKey), await grpcCall(e, body, e.ingestKey)]
  },
}

/** pino lines as the SDK sends them: a resource line, then one JSON line per record. */
function pinoBody(s: Send): string {
  const now = Date.now()
  const lines = Array.from({ length: s.n }, (_, i) => JSON.stringify({ level: 'info', time: now + i, msg: `${s.marker} ${i} ${pad(s.padBytes)}`, run: s.marker }))
  return `${JSON.stringify({ resource: { 'service.name': s.service } })}\n${lines.join('\n')}\n`
}

async function pinoPost(e: Endpoints, body: string, key: string | undefined): Promise<Answer> {
  const res = await fetch(`${e.otlpHttp}/v1/pino-lines`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', ...(key ? { authorization: `Bearer ${key}` } : {}) } })
  const detail = `${res.status} ${await res.text()}`
  if (res.status === 200) return { kind: 'ok', detail }
  if (res.status === 401 || res.status === 403) return { kind: 'refused', detail }
  if (res.status === 413) return { kind: 'too-large', detail }
  if (res.status === 429 || res.status === 503) return { kind: 'backpressure', detail: `${detail} retry-after=${res.headers.get('retry-after')}` }
  return { kind: 'invalid', detail }
}

const pinoLines: ReceiverAdapter = {
  name: 'pino lines',
  send: (e, s) => pinoPost(e, pinoBody(s), keyFor(e, s.credential)),
  malformed: (e) => pinoPost(e, 'level=info msg=not-json\n', e.ingestKey),
  async replay(e, s) {
    const body = pinoBody(s)
    return [await pinoPost(e, body, e.ingestKey), await pinoPost(e, body, e.ingestKey)]
  },
}

function bulkLines(s: Send): string {
  return Array.from({ length: s.n }, (_, i) => `{"create":{"_index":"logs-${s.service}-default"}}\n${JSON.stringify({ '@timestamp': new Date().toISOString(), message: `${s.marker} ${i} ${pad(s.padBytes)}`, run: s.marker, 'service.name': s.service })}\n`).join('')
}

async function esBulk(e: Endpoints, body: string, key: string | undefined): Promise<Answer> {
  // The official client for what a shipper sends; it reports HTTP errors as exceptions.
  const client = new EsClient({ node: e.elastic, ...(key ? { auth: { apiKey: key } } : {}), maxRetries: 0 })
  try {
    const res = await client.transport.request({ method: 'POST', path: '/_bulk', bulkBody: body }, { meta: true })
    const items = (res.body as { items: Record<string, { status: number; error?: { type: string; reason: string } }>[] }).items
    const statuses = items.map((it) => Object.values(it)[0])
    const detail = statuses.map((x) => `${x.status}${x.error ? ` ${x.error.type}: ${x.error.reason}` : ''}`).slice(0, 3).join('; ')
    if (statuses.some((x) => x.status === 429)) return { kind: 'backpressure', detail }
    if (statuses.every((x) => x.status < 300)) return { kind: 'ok', detail }
    return { kind: 'invalid', detail }
  } catch (err) {
    const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode ?? 0
    const detail = `${status} ${(err as Error).message}`
    if (status === 401 || status === 403) return { kind: 'refused', detail }
    if (status === 413) return { kind: 'too-large', detail }
    if (status === 429 || status === 503) return { kind: 'backpressure', detail }
    return { kind: 'invalid', detail }
  } finally {
    await client.close()
  }
}

const elastic: ReceiverAdapter = {
  name: 'Elasticsearch bulk',
  send: (e, s) => esBulk(e, bulkLines(s), keyFor(e, s.credential)),
  malformed: (e) => esBulk(e, '{"create":{}}\n{not json\n', e.ingestKey),
  async replay(e, s) {
    const body = bulkLines(s)
    return [await esBulk(e, body, e.ingestKey), await esBulk(e, body, e.ingestKey)]
  },
}

/** Writes `data` on a TCP connection from `localAddress`; then waits briefly to see whether Beacon closes it. */
function tcpSend(port: number, data: Buffer | string, localAddress = '127.0.0.1'): Promise<{ closedByPeer: boolean }> {
  return new Promise((resolve) => {
    let closedByUs = false
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => s.write(data, () => {
      setTimeout(() => { closedByUs = true; s.end() }, 500)
    }))
    s.resume()
    s.on('error', () => {})
    s.on('close', () => resolve({ closedByPeer: !closedByUs }))
  })
}

const syslog: ReceiverAdapter = {
  name: 'syslog',
  notApplicable: {
    bound: 'syslog carries no credentials: senders are trusted by network or TLS client certificate, not bound to a service',
    replay: 'syslog messages carry no batch identity',
    ack: 'syslog has no acknowledgement (RFC 5424/6587)',
  },
  async send(e, s) {
    if (s.credential === 'none' || s.credential === 'wrong') {
      // "No credentials" for syslog: a sender outside the allowed networks.
      await tcpSend(e.syslog, `<14>1 - - ${s.service} - - - ${s.marker} refused\n`, '127.0.0.2')
      return { kind: 'refused', detail: 'connection from 127.0.0.2 closed' }
    }
    if (s.n <= 5 && !s.padBytes) {
      for (let i = 0; i < s.n; i++) {
        const r = spawnSync('logger', ['--rfc5424', '--octet-count', '-T', '-n', '127.0.0.1', '-P', String(e.syslog), '-t', s.service, `${s.marker} ${i}`], { encoding: 'utf8' })
        if (r.status !== 0) return { kind: 'invalid', detail: r.stderr }
      }
      return { kind: 'ok' }
    }
    const lines = Array.from({ length: s.n }, (_, i) => {
      const msg = `<14>1 - - ${s.service} - - - ${s.marker} ${i} ${pad(s.padBytes)}`
      return `${Buffer.byteLength(msg)} ${msg}`
    }).join('')
    const r = await tcpSend(e.syslog, lines)
    return r.closedByPeer ? { kind: 'too-large', detail: 'connection closed by Beacon' } : { kind: 'ok' }
  },
  async malformed(e) {
    const r = await tcpSend(e.syslog, '99999999999 not a frame')
    return r.closedByPeer ? { kind: 'invalid', detail: 'unframeable stream: connection closed' } : { kind: 'ok', detail: 'accepted' }
  },
}

/** A Forward connection: handshake (shared key, user), one message, the ack (or none). */
export function forwardExchange(e: Endpoints, item: unknown, opts: { sharedKey?: string; password?: string; ackWaitMs?: number } = {}): Promise<Answer> {
  const sharedKey = opts.sharedKey ?? e.forwardSharedKey
  const password = opts.password ?? e.forwardUser.password
  const chunk = Array.isArray(item) ? (item[2] as { chunk?: string } | undefined)?.chunk : undefined
  return new Promise((resolve) => {
    // Without a shared key there is no HELO: the sender writes at once.
    const s = connect({ host: '127.0.0.1', port: e.forward }, () => { if (!sharedKey) s.write(packr.pack(item)) })
    let buf = Buffer.alloc(0)
    let done = false
    const finish = (a: Answer) => { if (!done) { done = true; clearTimeout(timer); s.destroy(); resolve(a) } }
    const timer = setTimeout(() => finish({ kind: 'backpressure', detail: `no ack within ${opts.ackWaitMs ?? 10_000} ms` }), opts.ackWaitMs ?? 10_000)
    s.on('error', () => {})
    s.on('close', () => finish({ kind: 'invalid', detail: 'connection closed without an ack' }))
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      let msgs: unknown[]
      try { msgs = unpackr.unpackMultiple(buf) as unknown[]; buf = Buffer.alloc(0) } catch { return }
      for (const m of msgs) {
        if (Array.isArray(m) && m[0] === 'HELO') {
          const { nonce, auth } = m[1] as { nonce: Buffer; auth: Buffer }
          const sha = (...p: (string | Buffer)[]) => { const h = createHash('sha512'); for (const x of p) h.update(x); return h.digest('hex') }
          s.write(packr.pack(['PING', 'contract-client', 'salt', sha('salt', 'contract-client', nonce, sharedKey), e.forwardUser.name, sha(auth, e.forwardUser.name, password)]))
        } else if (Array.isArray(m) && m[0] === 'PONG') {
          if (!m[1]) return finish({ kind: 'refused', detail: `PONG: ${m[2]}` })
          s.write(packr.pack(item))
          if (!chunk) setTimeout(() => finish({ kind: 'ok', detail: 'sent without chunk' }), 300)
        } else if (m && typeof m === 'object' && 'ack' in (m as object)) {
          finish((m as { ack: string }).ack === chunk ? { kind: 'ok', detail: 'ack' } : { kind: 'invalid', detail: 'wrong ack' })
        }
      }
    })
  })
}

let chunks = 0
export function forwardItem(s: Send, chunk = `chunk-${process.pid}-${++chunks}-${Date.now()}`): unknown[] {
  const entries = Buffer.concat(Array.from({ length: s.n }, (_, i) => packr.pack([Math.floor(Date.now() / 1000), { message: `${s.marker} ${i} ${pad(s.padBytes)}`, run: s.marker }])))
  return [`app.${s.service}`, entries, { chunk, size: s.n }]
}

const forward: ReceiverAdapter = {
  name: 'Fluentd Forward',
  send(e, s) {
    const opts = s.credential === 'none' || s.credential === 'wrong' ? { sharedKey: 'wrong-shared-key' } : {}
    return forwardExchange(e, forwardItem(s), opts)
  },
  malformed: (e) => forwardExchange(e, 'not a Forward message', {}),
  async replay(e, s) {
    const item = forwardItem(s)
    return [await forwardExchange(e, item), await forwardExchange(e, item)]
  },
}

/** Every receiver the contract holds. */
export const RECEIVERS: ReceiverAdapter[] = [otlpHttp, pinoLines, otlpGrpc, elastic, syslog, forward]
