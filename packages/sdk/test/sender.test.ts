import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { OtlpLogSender } from '../src/logging/sender.ts'
import { LogShipper, workerSender } from '../src/logging/shipper.ts'
import { SignalCounter } from '../src/telemetry/bounded.ts'

interface Received { path: string; type: string; body: string }

/** A receiver that answers 413 to bodies over `maxBytes` (Beacon's `limits.maxBodyBytes`) and keeps the others. */
async function limitedReceiver(maxBytes: number): Promise<{ server: Server; url: string; accepted: string[]; refused: number }> {
  const r = { accepted: [] as string[], refused: 0 }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      if (body.length > maxBytes) { r.refused++; res.statusCode = 413 } else r.accepted.push(body.toString('utf8'))
      res.end('{}')
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return Object.assign(r, { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })
}

/**
 * A local receiver that keeps every request; `statuses` answers the first requests (then 200),
 * `missing` paths answer 404 (a server without that endpoint).
 */
async function receiver(statuses: number[] = [], missing: string[] = []): Promise<{ server: Server; url: string; bodies: string[]; requests: Received[] }> {
  const bodies: string[] = []
  const requests: Received[] = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      bodies.push(body)
      requests.push({ path: req.url ?? '', type: String(req.headers['content-type']), body })
      // A small delay, so several requests are in flight at once.
      setTimeout(() => { res.statusCode = missing.includes(req.url ?? '') ? 404 : statuses.shift() ?? 200; res.end('{}') }, 5)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  return { server, url: `http://127.0.0.1:${port}`, bodies, requests }
}

const line = (batch: number, i: number, extra = '') => `{"level":"info","time":1764460000000,"msg":"batch ${batch} line ${i}${extra}","n":${i}}\n`
const batchOf = (batch: number, lines: number, extra = '') => Array.from({ length: lines }, (_, i) => line(batch, i, extra)).join('')

/** The messages of one OTLP/JSON logs body. */
function messages(body: string): string[] {
  const doc = JSON.parse(body) as { resourceLogs: { scopeLogs: { logRecords: { body: { stringValue: string } }[] }[] }[] }
  return doc.resourceLogs[0].scopeLogs[0].logRecords.map((r) => r.body.stringValue)
}

test('batches sent at once and one after another keep their own bodies (request bodies reuse buffers)', async () => {
  const r = await receiver()
  const sender = new OtlpLogSender({ url: `${r.url}/v1/logs`, headers: {}, resource: { 'service.name': 't' }, scope: { name: 't' }, timeoutMs: 5000 })
  try {
    // Different sizes (and a multi-byte message), in flight together, then again reusing the buffers.
    for (let round = 0; round < 3; round++) {
      const sizes = [300, 5, 120, 40]
      const ok = await Promise.all(sizes.map((n, b) => sender.send(batchOf(round * 10 + b, n, b === 2 ? ' — é ✓' : ''))))
      assert.deepEqual(ok, [true, true, true, true])
    }
    assert.equal(r.bodies.length, 12)
    const seen = new Map<number, string[]>()
    for (const body of r.bodies) {
      const msgs = messages(body) // throws if a body was overwritten by another batch
      const batch = Number(/^batch (\d+) /.exec(msgs[0])![1])
      assert.ok(msgs.every((m) => m.startsWith(`batch ${batch} `)), `body of batch ${batch} holds only its own lines`)
      seen.set(batch, msgs)
    }
    assert.equal(seen.size, 12)
    assert.equal(seen.get(22)!.length, 120)
    assert.equal(seen.get(22)![7], 'batch 22 line 7 — é ✓')
  } finally {
    sender.close()
    r.server.close()
  }
})

test('a batch retried after a 503 is sent whole again', async () => {
  const r = await receiver([503])
  const sender = new OtlpLogSender({ url: `${r.url}/v1/logs`, headers: {}, resource: { 'service.name': 't' }, scope: { name: 't' }, timeoutMs: 5000 })
  try {
    assert.equal(await sender.send(batchOf(1, 50)), true)
    assert.equal(await sender.send(batchOf(2, 60)), true)
    assert.equal(r.bodies.length, 3)
    assert.equal(r.bodies[0], r.bodies[1])
    assert.equal(messages(r.bodies[1]).length, 50)
    assert.deepEqual(messages(r.bodies[2]).slice(0, 2), ['batch 2 line 0', 'batch 2 line 1'])
  } finally {
    sender.close()
    r.server.close()
  }
})

const linesConfig = (url: string) => ({
  url: `${url}/v1/logs`, linesUrl: `${url}/v1/pino-lines`, headers: { authorization: 'Bearer k' },
  resource: { 'service.name': 't', 'process.pid': 42 }, scope: { name: '@beacon/sdk' }, timeoutMs: 5000,
})

test('a batch of lines is posted as it is, after one resource line, to /v1/pino-lines', async () => {
  const r = await receiver()
  const sender = new OtlpLogSender(linesConfig(r.url))
  try {
    const batch = batchOf(1, 3, ' — é ✓')
    assert.equal(await sender.send(batch), true)
    assert.equal(r.requests.length, 1)
    const [req] = r.requests
    assert.equal(req.path, '/v1/pino-lines')
    assert.equal(req.type, 'application/x-ndjson')
    const [first, ...rest] = req.body.split('\n')
    assert.deepEqual(JSON.parse(first), { resource: { 'service.name': 't', 'process.pid': 42 }, scope: { name: '@beacon/sdk' } })
    assert.equal(rest.join('\n'), batch, 'the lines byte for byte')
  } finally {
    sender.close()
    r.server.close()
  }
})

test('a batch of lines retried after a 503 is sent whole again', async () => {
  const r = await receiver([503])
  const sender = new OtlpLogSender(linesConfig(r.url))
  try {
    assert.equal(await sender.send(batchOf(1, 50)), true)
    assert.equal(r.requests.length, 2)
    assert.equal(r.requests[0].body, r.requests[1].body)
    assert.equal(r.requests[1].body.split('\n').filter((l) => l !== '').length, 51)
  } finally {
    sender.close()
    r.server.close()
  }
})

test('when /v1/pino-lines answers 404 (a collector, an older Beacon), this batch and later ones go to /v1/logs as OTLP/JSON', async () => {
  const r = await receiver([], ['/v1/pino-lines'])
  const sender = new OtlpLogSender(linesConfig(r.url))
  try {
    assert.equal(await sender.send(batchOf(1, 5)), true)
    assert.equal(await sender.send(batchOf(2, 7)), true)
    assert.deepEqual(r.requests.map((q) => q.path), ['/v1/pino-lines', '/v1/logs', '/v1/logs'])
    assert.deepEqual(messages(r.requests[1].body), Array.from({ length: 5 }, (_, i) => `batch 1 line ${i}`))
    assert.equal(messages(r.requests[2].body).length, 7)
  } finally {
    sender.close()
    r.server.close()
  }
})

test('a batch refused with a 400 is not retried and counts as not delivered', async () => {
  const r = await receiver([400])
  const sender = new OtlpLogSender(linesConfig(r.url))
  try {
    assert.equal(await sender.send(batchOf(1, 2)), false)
    assert.equal(r.requests.length, 1)
  } finally {
    sender.close()
    r.server.close()
  }
})

test('a batch refused as too large (413) is split at line ends until each part fits; a line too large alone fails', async () => {
  const r = await limitedReceiver(2000)
  const sender = new OtlpLogSender(linesConfig(r.url))
  try {
    const batch = batchOf(3, 60) // ≈ 4.5 KB
    assert.equal(await sender.send(batch), true)
    assert.ok(r.refused >= 1)
    const lines = r.accepted.flatMap((body) => body.split('\n').slice(1, -1))
    assert.equal(lines.join('\n') + '\n', batch, 'every line once, in order')
    assert.ok(r.accepted.every((body) => body.startsWith('{"resource":')), 'each part has the resource line')
    assert.equal(await sender.send(line(4, 0, 'x'.repeat(3000))), false)
  } finally {
    sender.close()
    r.server.close()
  }
})

const spanConfig = (url: string) => ({
  url: `${url}/v1/logs`, tracesUrl: `${url}/v1/traces`, spanLinesUrl: `${url}/v1/span-lines`, headers: { authorization: 'Bearer k' },
  resource: { 'service.name': 't', 'process.pid': 42 }, scope: { name: '@beacon/sdk' }, timeoutMs: 5000,
})
const spanLine = (batch: number, i: number, extra = '') =>
  `{"t":"0af7651916cd43dd8448eb211c80319c","s":"${(0x1000 + batch * 1000 + i).toString(16).padStart(16, '0')}","n":"span ${batch} ${i}${extra}","k":1,"b":[1764460000,${i}],"e":[1764460000,${i + 500}],"c":0,"a":{"n":${i},"tags":["a","b"]},"o":"test-scope","f":1}\n`
const spanBatch = (batch: number, n: number) => Array.from({ length: n }, (_, i) => spanLine(batch, i)).join('')

test('a batch of span lines is posted as it is, after one resource line, to /v1/span-lines', async () => {
  const r = await receiver()
  const sender = new OtlpLogSender(spanConfig(r.url))
  try {
    const batch = spanBatch(1, 3)
    assert.equal(await sender.sendSpans(batch), true)
    assert.equal(r.requests.length, 1)
    const [req] = r.requests
    assert.equal(req.path, '/v1/span-lines')
    assert.equal(req.type, 'application/x-ndjson')
    const [first, ...rest] = req.body.split('\n')
    assert.deepEqual(JSON.parse(first), { resource: { 'service.name': 't', 'process.pid': 42 } })
    assert.equal(rest.join('\n'), batch, 'the lines byte for byte')
  } finally {
    sender.close()
    r.server.close()
  }
})

test('when /v1/span-lines answers 404, this batch and later ones go to /v1/traces as OTLP/JSON (logs keep their own endpoint)', async () => {
  const r = await receiver([], ['/v1/span-lines'])
  const sender = new OtlpLogSender({ ...spanConfig(r.url), linesUrl: `${r.url}/v1/pino-lines` })
  try {
    assert.equal(await sender.sendSpans(spanBatch(1, 5)), true)
    assert.equal(await sender.sendSpans(spanBatch(2, 7)), true)
    assert.equal(await sender.send(batchOf(1, 2)), true)
    assert.deepEqual(r.requests.map((q) => q.path), ['/v1/span-lines', '/v1/traces', '/v1/traces', '/v1/pino-lines'])
    const spans = (body: string) => (JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { name: string; attributes: unknown[] }[] }[] }[] }).resourceSpans[0].scopeSpans[0].spans
    assert.deepEqual(spans(r.requests[1].body).map((s) => s.name), Array.from({ length: 5 }, (_, i) => `span 1 ${i}`))
    assert.deepEqual(spans(r.requests[1].body)[2].attributes, [
      { key: 'n', value: { intValue: 2 } },
      { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
    ])
    assert.equal(spans(r.requests[2].body).length, 7)
  } finally {
    sender.close()
    r.server.close()
  }
})

test('a span batch refused as too large (413) is split at line ends, each part with the resource line', async () => {
  const r = await limitedReceiver(2000)
  const sender = new OtlpLogSender(spanConfig(r.url))
  try {
    const batch = spanBatch(3, 30) // ≈ 6 KB
    assert.equal(await sender.sendSpans(batch), true)
    assert.ok(r.refused >= 1)
    const lines = r.accepted.flatMap((body) => body.split('\n').slice(1, -1))
    assert.equal(lines.join('\n') + '\n', batch, 'every line once, in order')
    assert.ok(r.accepted.every((body) => body.startsWith('{"resource":')), 'each part has the resource line')
  } finally {
    sender.close()
    r.server.close()
  }
})

// ── batches already UTF-8 (the shipper's bytes mode; the worker gets the buffer transferred) ──────

test('a UTF-8 batch is posted byte for byte like its text: lines, spans, the 413 split and the 404 fallback', async () => {
  const r = await receiver([], ['/v1/span-lines'])
  const big = await limitedReceiver(2000)
  const sender = new OtlpLogSender({ ...spanConfig(r.url), linesUrl: `${r.url}/v1/pino-lines` })
  const splitting = new OtlpLogSender(linesConfig(big.url))
  try {
    const batch = batchOf(1, 3, ' — é ✓ 😀')
    // A view into a larger buffer, as the shipper hands over.
    const store = Buffer.alloc(Buffer.byteLength(batch) + 20, 'x')
    const view = store.subarray(7, 7 + store.write(batch, 7))
    assert.equal(await sender.sendBytes(view), true)
    assert.equal(r.requests[0]!.path, '/v1/pino-lines')
    assert.equal(r.requests[0]!.body.split('\n').slice(1).join('\n'), batch)
    assert.equal(await sender.sendBytes(Buffer.from(spanBatch(1, 4)), true), true) // 404 → OTLP/JSON on /v1/traces
    assert.deepEqual(r.requests.slice(1).map((q) => q.path), ['/v1/span-lines', '/v1/traces'])
    assert.equal(JSON.parse(r.requests[2]!.body).resourceSpans[0].scopeSpans[0].spans.length, 4)
    const long = batchOf(3, 60, ' é')
    assert.equal(await splitting.sendBytes(Buffer.from(long)), true)
    assert.ok(big.refused >= 1)
    assert.equal(big.accepted.flatMap((body) => body.split('\n').slice(1, -1)).join('\n') + '\n', long, 'every line once, in order')
  } finally {
    sender.close()
    splitting.close()
    r.server.close()
    big.server.close()
  }
})

test('the shipper in bytes mode, through the export worker: every line arrives once, in order, counted; batches by lines and by bytes', async () => {
  const r = await receiver()
  const counter = new SignalCounter(10_000)
  const senders = workerSender(linesConfig(r.url))
  const shipper = new LogShipper({ counter, intervalMs: 10_000, send: senders.send, sendBytes: senders.sendBytes, maxBatchLines: 100, maxBatchChars: 20_000 })
  try {
    const sent: string[] = []
    for (let i = 0; i < 250; i++) {
      // Lines of every size up to ≈ 3 KB (past the first 64 KB buffer's growth), some non-ASCII.
      const l = line(9, i, i % 7 === 0 ? ' ✓'.repeat(i * 5) : '')
      sent.push(l)
      shipper.push(l)
    }
    await shipper.flush()
    assert.equal(counter.exported, 250)
    assert.equal(counter.pending, 0)
    const got = r.requests.map((q) => q.body.split('\n').slice(1).join('\n'))
    assert.ok(r.requests.length >= 3, `${r.requests.length} batches`)
    assert.ok(r.requests.every((q) => Buffer.byteLength(q.body) < 20_000 + 4000), 'a batch stops at maxBatchChars')
    assert.equal(got.join(''), sent.join(''), 'every line once, in order, byte for byte')
  } finally {
    await shipper.shutdown()
    await senders.close()
    r.server.close()
  }
})

test('the shipper in bytes mode: a line larger than the first buffer (non-ASCII, 3 bytes a character) arrives whole, in its own batch', async () => {
  const batches: string[] = []
  const counter = new SignalCounter(100)
  const shipper = new LogShipper({
    counter, intervalMs: 10_000, maxBatchChars: 1024 * 1024,
    send: async () => false, // text mode is not used when sendBytes is given
    sendBytes: async (b) => { batches.push(b.toString('utf8')); return true },
  })
  const small = line(1, 0)
  const huge = line(1, 1, '✓'.repeat(400_000)) // ≈ 1.2 MB of UTF-8: past the batch limit alone
  shipper.push(small)
  shipper.push(huge)
  shipper.push(small)
  await shipper.flush()
  assert.deepEqual(batches, [small + huge, small])
  assert.equal(counter.exported, 3)
})
