import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startTestBeacon } from '../../testing.ts'
import { spawnBeacon } from '../../../test/test-utils.ts'
import { RECEIVERS, type Endpoints } from './adapters.ts'

/**
 * The receiver contract's last promise: acknowledged = durable. Every receiver that acknowledges
 * (all but syslog, which has no acknowledgement) delivers a batch into a real `beacon start`
 * process; right after the last acknowledgement the process is killed with SIGKILL, before its
 * store writer's timer fires. After a restart on the same data every acknowledged record is there, once.
 */

test('kill -9 right after the acknowledgement loses nothing, on every acknowledging receiver', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'beacon-contract-kill9-'))
  try {
    const [grpc, forward] = await Promise.all([freePort(), freePort()])
    const child = await spawnBeacon(dataDir, { BEACON_OTLP_GRPC_PORT: String(grpc), BEACON_FORWARD_PORT: String(forward), BEACON_FLUSH_INTERVAL_MS: '600000' })
    await child.ready
    const e: Endpoints = {
      otlpHttp: child.otlpUrl, otlpGrpc: `127.0.0.1:${grpc}`, elastic: child.esUrl, syslog: 0, forward,
      forwardSharedKey: '', forwardUser: { name: '', password: '' },
    }
    const acked: string[] = []
    for (const r of RECEIVERS.filter((x) => !x.notApplicable?.ack)) {
      const marker = `kill9-${r.name.replace(/\W/g, '')}-${Date.now()}`
      const a = await r.send(e, { marker, service: 'shop-api', n: 25 })
      assert.equal(a.kind, 'ok', `${r.name}: ${JSON.stringify(a)}`)
      acked.push(marker)
    }
    const exited = new Promise((resolve) => child.proc.once('exit', resolve))
    child.proc.kill('SIGKILL')
    await exited

    const tb = await startTestBeacon({ dataDir, env: { BEACON_AUTH: 'off' } })
    try {
      await tb.flush()
      for (const m of acked) {
        const rows = await tb.store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE LogAttributes['run'] = {m:String} OR position(Body, {m:String}) = 1`, { m })
        assert.equal(Number(rows[0].n), 25, `${m}: every acknowledged record, once`)
      }
    } finally {
      await tb.stop({ keepData: true })
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})
