import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SignalCounter } from '../src/telemetry/bounded.ts'
import { LogShipper } from '../src/logging/shipper.ts'

/** A batch sender whose sends never finish (Beacon hanging) until released. */
function stuckSender(): { send(data: string): Promise<boolean>; release(ok: boolean): void; lines: number } {
  const waiting: ((ok: boolean) => void)[] = []
  const s = {
    lines: 0,
    send(data: string) { s.lines += data.split('\n').length - 1; return new Promise<boolean>((r) => waiting.push(r)) },
    release(ok: boolean) { for (const done of waiting.splice(0)) done(ok) },
  }
  return s
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

test('holds at most maxQueueSize lines while the backend hangs, drops the rest and counts them', async () => {
  const counter = new SignalCounter(100)
  const sender = stuckSender()
  const shipper = new LogShipper({ counter, intervalMs: 5, send: (d) => sender.send(d) })
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < 1000; i++) shipper.push(`{"msg":"r${i}"}\n`)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  assert.ok(ms < 500, `pushing never blocks (took ${ms}ms)`)
  assert.equal(counter.pending, 100)
  assert.equal(counter.dropped, 900)
  await tick(30)
  assert.equal(sender.lines, 100, 'the buffered lines were sent')
  sender.release(false)
  await tick(5)
  assert.equal(counter.failed, 100)
  assert.equal(counter.pending, 0)
  for (let i = 0; i < 10; i++) shipper.push(`{"msg":"again${i}"}\n`)
  await tick(30)
  sender.release(true)
  await tick(5)
  const s = counter.snapshot()
  assert.equal(s.exported, 10)
  assert.equal(s.exported + s.failed + s.dropped + s.pending, 1010, 'every line is accounted for')
  assert.equal(counter.dropped, 900, 'room again once the backend answers')
})

test('flush sends what is buffered at once and waits for it', async () => {
  const counter = new SignalCounter(100)
  const sent: string[] = []
  const shipper = new LogShipper({ counter, intervalMs: 60_000, send: async (d) => { sent.push(d); return true } })
  shipper.push('{"msg":"a"}\n')
  shipper.push('{"msg":"b"}\n')
  assert.equal(sent.length, 0)
  await shipper.flush()
  assert.deepEqual(sent, ['{"msg":"a"}\n{"msg":"b"}\n'])
  assert.equal(counter.exported, 2)
})

test('a batch is sent as soon as it holds maxBatchLines lines or maxBatchChars characters', async () => {
  const counter = new SignalCounter(10_000)
  const sent: string[] = []
  const byLines = new LogShipper({ counter, intervalMs: 60_000, send: async (d) => { sent.push(d); return true }, maxBatchLines: 3 })
  for (let i = 0; i < 7; i++) byLines.push(`{"msg":"${i}"}\n`)
  assert.deepEqual(sent.map((b) => b.split('\n').length - 1), [3, 3], 'two full batches sent, one line waits for the timer')
  sent.length = 0
  const byChars = new LogShipper({ counter, intervalMs: 60_000, send: async (d) => { sent.push(d); return true }, maxBatchLines: 1000, maxBatchChars: 100 })
  const line = `{"msg":"${'x'.repeat(40)}"}\n` // 51 characters
  for (let i = 0; i < 5; i++) byChars.push(line)
  assert.deepEqual(sent.map((b) => b.length), [102, 102])
  await byLines.flush()
  await byChars.flush()
  assert.equal(counter.exported, 12)
})
