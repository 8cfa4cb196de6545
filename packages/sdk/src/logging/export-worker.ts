/**
 * The export worker thread: posts batches of pino lines and of span lines to Beacon as they are (or
 * as OTLP/JSON where Beacon's lines endpoints answer 404), so none of that runs on the service's own
 * thread (as pino transports do).
 *
 *   main thread ── { id, data: NDJSON } ──────────────▶ worker: OtlpLogSender.send() ──▶ POST /v1/pino-lines
 *               ── { id, data: span lines, spans } ──▶ worker: OtlpLogSender.sendSpans() ──▶ POST /v1/span-lines
 *               ── { id, bytes, spans? } ─────────────▶ worker: OtlpLogSender.sendBytes() (the same, the batch
 *                                                         already UTF-8 in a transferred buffer: no copy on the way)
 *               ◀── { id, ok } ─────────────
 */
import { parentPort, workerData } from 'node:worker_threads'
import { OtlpLogSender, type SenderConfig } from './sender.ts'

const sender = new OtlpLogSender(workerData as SenderConfig)
parentPort?.on('message', (m: { id: number; data?: string; bytes?: Uint8Array; spans?: boolean }) => {
  const done = m.bytes !== undefined ? sender.sendBytes(m.bytes, m.spans === true)
    : m.spans === true ? sender.sendSpans(m.data ?? '') : sender.send(m.data ?? '')
  void done.then((ok) => parentPort?.postMessage({ id: m.id, ok }))
})
parentPort?.postMessage({ ready: true })
