/**
 * Ships the logger's JSON lines to Beacon in batches. The log call only appends the line pino
 * already serialized to an in-memory buffer; the batch is joined and handed to a worker thread (or
 * sent in-process if the worker cannot start), which posts it as it is (sender.ts).
 *
 *   pino line ─▶ push() ──(pending < max)──▶ buffer ──(every exportIntervalMs, maxBatchLines/Bytes, FATAL, flush)──▶ send(batch)
 *                  │ pending ≥ max                                                         │ result
 *                  ▼                                                                       ▼
 *             dropped++                                         pending -= n; exported += n | failed += n
 *
 * `pending` counts lines buffered *and* in flight, so what the SDK holds while Beacon is slow or
 * down is bounded, and every line is counted as exported, failed or dropped.
 */
import { Worker } from 'node:worker_threads'
import { context } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import type { SignalCounter } from '../telemetry/bounded.ts'
import type { LogSink } from '../runtime.ts'
import { MAX_RECORDS_PER_REQUEST, OtlpLogSender, type SenderConfig } from './sender.ts'

/** Sends one batch (NDJSON); resolves true when Beacon accepted it. Never rejects. */
export type BatchSend = (ndjson: string) => Promise<boolean>
/** The same for a batch encoded as UTF-8; the callee may take the buffer over (transfer it). */
export type BytesSend = (ndjson: Buffer) => Promise<boolean>

export interface ShipperOptions {
  counter: SignalCounter
  intervalMs: number
  send: BatchSend
  /**
   * When given, lines are written as UTF-8 into a buffer as they arrive and batches go here instead
   * of `send`: nothing of a buffered line stays on the JavaScript heap, and the batch needs no join,
   * no copy to the worker (the buffer is transferred) and no encoding there.
   */
  sendBytes?: BytesSend
  close?: () => Promise<void> | void
  /** A batch is sent once it holds this many lines (default 512). */
  maxBatchLines?: number
  /** … or this many characters of lines (default: no limit). */
  maxBatchChars?: number
}

/**
 * Log batches: each request costs the export worker about as much as its bytes do (the worker's HTTP
 * code runs a few times a second, never warm), so log lines go in fewer, larger requests, bounded
 * in bytes for the server's body limit (`limits.maxBodyBytes`, 16 MB by default).
 */
export const LOG_BATCH_LINES = 2048
export const LOG_BATCH_CHARS = 1024 * 1024

/**
 * Makes V8 copy a string built by concatenation (pino's lines are ropes of dozens of pieces) into one
 * flat string now: ToNumber flattens its argument first (the old `flatstr` trick; the parse stops at
 * the line's `{`). A buffered line lives until its batch is sent, through one or two young-generation
 * collections; as a rope every piece is copied and promoted with it, flat only the text is (hello
 * world: CPU per request 85 → 69 µs, BENCHMARKS.md session 7). The batch `join` copies it anyway.
 */
function flatten(s: string): void { if (Number(s) === 0) _flattened++ } // a used result: the compiler cannot drop the call
let _flattened = 0

/** The first buffer of a batch in bytes mode; later ones start at the last batch's size. */
const FIRST_BYTES = 64 * 1024

export class LogShipper implements LogSink {
  private buffer: string[] = []
  private chars = 0
  /** Bytes mode: the batch so far, `used` bytes of it, `lines` lines. */
  private bytes: Buffer | undefined
  private used = 0
  private lines = 0
  private nextSize = FIRST_BYTES
  private timer: NodeJS.Timeout | undefined
  private readonly inFlight = new Set<Promise<void>>()
  private readonly maxLines: number
  private readonly maxChars: number

  constructor(private readonly opts: ShipperOptions) {
    this.maxLines = opts.maxBatchLines ?? MAX_RECORDS_PER_REQUEST
    this.maxChars = opts.maxBatchChars ?? Infinity
  }

  /** Called by the logger's destination with each line; never throws, never blocks. */
  push(line: string): void {
    if (!this.opts.counter.admit()) return
    let n: number
    if (this.opts.sendBytes !== undefined) {
      // A UTF-16 code unit is at most 3 UTF-8 bytes: room for that, so write() never truncates.
      if (this.bytes === undefined || this.used + line.length * 3 > this.bytes.length) this.grow(line.length * 3)
      this.used += this.bytes!.write(line, this.used)
      n = ++this.lines
      this.chars = this.used
    } else {
      flatten(line)
      n = this.buffer.push(line)
      this.chars += line.length
    }
    if (n >= this.maxLines || this.chars >= this.maxChars) this.sendNow()
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.sendNow(), this.opts.intervalMs)
      this.timer.unref()
    }
  }

  /** A batch buffer with room for `need` more bytes (its own ArrayBuffer, so it can be transferred). */
  private grow(need: number): void {
    // Doubling what is used (copies stay linear); a huge line alone gets just its room, not twice it.
    const size = Math.max(this.nextSize, 2 * this.used + need)
    const b = Buffer.allocUnsafeSlow(size)
    if (this.bytes !== undefined) this.bytes.copy(b, 0, 0, this.used)
    this.bytes = b
  }

  /** Sends what is buffered now (FATAL records, flush). */
  sendNow(): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    if (this.lines > 0) { this.sendBytesNow(); return }
    if (this.buffer.length === 0) return
    const batch = this.buffer
    this.buffer = []
    this.chars = 0
    this.track(batch.length, () => this.opts.send(batch.join('')))
  }

  private sendBytesNow(): void {
    const batch = this.bytes!.subarray(0, this.used)
    const n = this.lines
    this.nextSize = Math.max(FIRST_BYTES, this.used + (this.used >> 2))
    this.bytes = undefined
    this.used = 0
    this.lines = 0
    this.chars = 0
    this.track(n, () => this.opts.sendBytes!(batch))
  }

  /** Sends one batch of `n` lines and counts how it ended. */
  private track(n: number, send: () => Promise<boolean>): void {
    const counter = this.opts.counter
    let p: Promise<void>
    try {
      p = send().then((ok) => counter.settle(n, ok), () => counter.settle(n, false))
    } catch {
      counter.settle(n, false)
      return
    }
    this.inFlight.add(p)
    void p.finally(() => this.inFlight.delete(p))
  }

  /** Sends what is buffered and resolves when every batch in flight has settled. */
  async flush(): Promise<void> {
    this.sendNow()
    await Promise.allSettled([...this.inFlight])
  }

  async shutdown(): Promise<void> {
    await this.flush()
    await this.opts.close?.()
  }
}

/** Log and span batch senders (see sender.ts), and how to stop them. */
export interface Senders<C = Promise<void> | void> {
  send: BatchSend; sendSpans: BatchSend
  /** Batches already UTF-8 (LogShipper's `sendBytes`): the worker takes the buffer over. */
  sendBytes: BytesSend; sendSpanBytes: BytesSend
  close: () => C
}

/** A batch sender running in this thread (tracing suppressed, so exports make no spans). */
export function inlineSender(config: SenderConfig): Senders<void> {
  const sender = new OtlpLogSender(config)
  return {
    send: (data) => context.with(suppressTracing(context.active()), () => sender.send(data)),
    sendSpans: (data) => context.with(suppressTracing(context.active()), () => sender.sendSpans(data)),
    sendBytes: (data) => context.with(suppressTracing(context.active()), () => sender.sendBytes(data, false)),
    sendSpanBytes: (data) => context.with(suppressTracing(context.active()), () => sender.sendBytes(data, true)),
    close: () => sender.close(),
  }
}

/**
 * A batch sender in a worker thread. If the worker cannot start or dies, batches in flight count
 * as failed and later ones are sent in-process.
 */
export function workerSender(config: SenderConfig): Senders<Promise<void>> {
  let fallback: Senders<void> | undefined
  const waiting = new Map<number, (ok: boolean) => void>()
  let nextId = 1
  let worker: Worker | undefined

  const giveUp = (why: string): void => {
    if (fallback !== undefined) return
    process.stderr.write(`[beacon] log export worker unavailable (${why}); exporting logs from the main thread\n`)
    fallback = inlineSender(config)
    worker = undefined
    for (const done of waiting.values()) done(false)
    waiting.clear()
  }

  try {
    const entry = new URL('./export-worker.ts', import.meta.url).href
    // Under tsx (no build step) a worker does not inherit the TypeScript loader: load it explicitly.
    const tsx = entry.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : undefined
    const code = tsx === undefined
      ? `import(${JSON.stringify(entry)})`
      : `import(${JSON.stringify(tsx)}).then((t) => t.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`
    // No preload in the worker: `--import @beacon/sdk/register` must not start a second SDK there.
    const execArgv = process.execArgv.filter((a, i, all) => !/beacon\/sdk|register\.ts/.test(a) && !(a === '--import' && /beacon\/sdk|register\.ts/.test(all[i + 1] ?? '')))
    worker = new Worker(code, { eval: true, workerData: config, execArgv })
    worker.unref()
    worker.on('message', (m: { id?: number; ok?: boolean }) => {
      if (m.id === undefined) return
      const done = waiting.get(m.id)
      waiting.delete(m.id)
      if (waiting.size === 0) worker?.unref()
      done?.(m.ok === true)
    })
    worker.on('error', (err) => giveUp(err.message))
    worker.on('exit', (code) => { if (worker !== undefined) giveUp(`exited with code ${code}`) })
  } catch (err) {
    giveUp((err as Error).message)
  }

  const post = (data: string | Buffer, spans: boolean): Promise<boolean> => {
    if (fallback !== undefined || worker === undefined) {
      const f = fallback ?? (fallback = inlineSender(config))
      if (typeof data !== 'string') return spans ? f.sendSpanBytes(data) : f.sendBytes(data)
      return spans ? f.sendSpans(data) : f.send(data)
    }
    const id = nextId++
    const w = worker
    return new Promise<boolean>((resolve) => {
      // Keep the process alive while a batch is in the worker (a crash handler waits for it).
      if (waiting.size === 0) w.ref()
      waiting.set(id, resolve)
      try {
        if (typeof data !== 'string') {
          // The buffer is the shipper's alone (allocUnsafeSlow: its own ArrayBuffer): moved, not copied.
          w.postMessage({ id, bytes: data, spans }, [data.buffer as ArrayBuffer])
        } else w.postMessage(spans ? { id, data, spans } : { id, data })
      } catch {
        waiting.delete(id)
        resolve(false)
      }
    })
  }
  return {
    send: (data) => post(data, false),
    sendSpans: (data) => post(data, true),
    sendBytes: (data) => post(data, false),
    sendSpanBytes: (data) => post(data, true),
    async close() {
      const w = worker
      worker = undefined
      fallback?.close()
      if (w !== undefined) await w.terminate().catch(() => {})
    },
  }
}
