/**
 * The export worker thread: posts batches of pino lines to Beacon as they are, and turns batches of
 * span lines into OTLP/JSON, so none of that runs on the service's own thread (as pino transports do).
 *
 *   main thread ── { id, data: NDJSON } ──────────────▶ worker: OtlpLogSender.send() ──▶ POST /v1/pino-lines
 *               ── { id, data: span lines, spans } ──▶ worker: OtlpLogSender.sendSpans() ──▶ POST /v1/traces
 *               ◀── { id, ok } ─────────────
 */
import { parentPort, workerData } from 'node:worker_threads'
import { OtlpLogSender, type SenderConfig } from './sender.ts'

const sender = new OtlpLogSender(workerData as SenderConfig)
parentPort?.on('message', (m: { id: number; data: string; spans?: boolean }) => {
  void (m.spans === true ? sender.sendSpans(m.data) : sender.send(m.data)).then((ok) => parentPort?.postMessage({ id: m.id, ok }))
})
parentPort?.postMessage({ ready: true })
