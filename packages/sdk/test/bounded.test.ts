import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { LoggerProvider, BatchLogRecordProcessor, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { BoundedLogProcessor, CountingLogExporter, SignalCounter } from '../src/telemetry/bounded.ts'

/** An exporter whose exports never finish (Beacon hanging) until released. */
function stuckExporter(): LogRecordExporter & { release(ok: boolean): void } {
  const waiting: [number, (r: ExportResult) => void][] = []
  return {
    export(logs: ReadableLogRecord[], done: (r: ExportResult) => void) { waiting.push([logs.length, done]) },
    release(ok: boolean) { for (const [, done] of waiting.splice(0)) done({ code: ok ? ExportResultCode.SUCCESS : ExportResultCode.FAILED }) },
    shutdown: async () => {},
    forceFlush: async () => {},
  }
}

test('holds at most maxQueueSize records while the backend hangs, drops the rest and counts them', async () => {
  const counter = new SignalCounter(100)
  const exporter = stuckExporter()
  const lp = new LoggerProvider({ processors: [new BoundedLogProcessor(new BatchLogRecordProcessor({ exporter: new CountingLogExporter(exporter, counter), maxQueueSize: 100, maxExportBatchSize: 50, scheduledDelayMillis: 5 }), counter)] })
  const logger = lp.getLogger('t')
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < 1000; i++) logger.emit({ body: `r${i}` })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  assert.ok(ms < 500, `emitting never blocks (took ${ms}ms)`)
  assert.equal(counter.pending, 100)
  assert.equal(counter.dropped, 900)
  await new Promise((r) => setTimeout(r, 30))
  exporter.release(false)
  assert.ok(counter.failed > 0)
  await new Promise((r) => setTimeout(r, 30))
  exporter.release(true)
  await new Promise((r) => setTimeout(r, 30))
  exporter.release(true)
  const s = counter.snapshot()
  assert.equal(s.exported + s.failed + s.dropped + s.pending, 1000, 'every record is accounted for')
  logger.emit({ body: 'after' })
  assert.equal(counter.dropped, 900, 'room again once the backend answers')
})
