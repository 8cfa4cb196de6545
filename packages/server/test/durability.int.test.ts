import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestBeacon } from '../src/testing.ts'
import { otlpLogsJson, spawnBeacon } from './test-utils.ts'

/**
 * A 2xx means the data is safe: requests stream into a real `beacon start` process, it is killed
 * with SIGKILL mid-stream, and after a restart every acknowledged record is in the store, once.
 */
test('kill -9 loses no acknowledged record and stores none twice', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'beacon-kill9-'))
  try {
    const child = await spawnBeacon(dataDir)
    await child.ready
    const acked: string[] = []
    let sent = 0
    let stop = false
    const sender = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const prefix = `k9-w${w}-b${i}`
        sent++
        try {
          const res = await fetch(`${child.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpLogsJson('kill9', prefix, 50) })
          if (res.status === 200) acked.push(prefix)
        } catch { return /* connection died with the process */ }
      }
    }
    const senders = [0, 1, 2, 3].map(sender)
    // Let acknowledgements accumulate (some inserted into ClickHouse, some only in the WAL), then kill.
    while (acked.length < 60) await new Promise((r) => setTimeout(r, 20))
    const exited = new Promise((r) => child.proc.once('exit', r))
    child.proc.kill('SIGKILL')
    stop = true
    await Promise.all(senders)
    await exited
    assert.ok(acked.length >= 60)

    const tb = await startTestBeacon({ dataDir, env: { BEACON_AUTH: 'off' } })
    try {
      await tb.flush()
      const all = await tb.store.query<{ p: string; n: string }>(
        `SELECT arrayStringConcat(arraySlice(splitByChar('-', Body), 1, 3), '-') AS p, count() AS n FROM otel_logs WHERE ServiceName = 'kill9' GROUP BY p`)
      const byPrefix = new Map(all.map((r) => [r.p, Number(r.n)]))
      const missing = acked.filter((p) => byPrefix.get(p) !== 50)
      assert.deepEqual(missing, [], `every acknowledged batch is stored whole (${acked.length} acked of ${sent} sent)`)
      for (const [p, n] of byPrefix) assert.equal(n, 50, `batch ${p} stored once, not ${n / 50} times`)
    } finally {
      await tb.stop({ keepData: true })
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})
