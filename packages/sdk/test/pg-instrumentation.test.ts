/**
 * The SDK's pg instrumentation skips the per-query and per-checkout metric records while nothing can
 * collect them (the API's no-op MeterProvider), and records them as upstream does once a
 * MeterProvider is given.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { metrics } from '@opentelemetry/api'
import { hrTime } from '@opentelemetry/core'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { LeanPgInstrumentation } from '../src/db/pg-instrumentation.ts'

interface Internals {
  recordOperationDuration(attributes: Record<string, unknown>, startTime: [number, number]): void
  _setPoolConnectEventListeners(pool: unknown): void
}

function fakePool(): EventEmitter {
  return Object.assign(new EventEmitter(), { totalCount: 2, waitingCount: 0, idleCount: 1, options: { host: '127.0.0.1', port: 5432, database: 'crm', max: 10 } })
}
const queryAttributes = { 'db.system.name': 'postgresql', 'db.namespace': 'crm', 'server.port': 5432, 'server.address': '127.0.0.1', 'db.operation.name': 'SELECT' }

test('no MeterProvider: no pool listeners, no duration records', () => {
  const instrumentation = new LeanPgInstrumentation({ enabled: false })
  // what registerInstrumentations() does without a meterProvider option: the API's global (no-op) provider
  instrumentation.setMeterProvider(metrics.getMeterProvider())
  const pg = instrumentation as unknown as Internals
  const pool = fakePool()
  pg._setPoolConnectEventListeners(pool)
  assert.equal(pool.listenerCount('acquire'), 0)
  assert.doesNotThrow(() => pg.recordOperationDuration({ ...queryAttributes }, hrTime()))
})

test('with a MeterProvider: the operation duration and the connection counters are recorded', async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })
  const provider = new MeterProvider({ readers: [reader] })
  const instrumentation = new LeanPgInstrumentation({ enabled: false })
  instrumentation.setMeterProvider(provider)
  const pg = instrumentation as unknown as Internals
  const pool = fakePool()
  pg._setPoolConnectEventListeners(pool)
  assert.equal(pool.listenerCount('acquire'), 1)
  pool.emit('acquire')
  pg.recordOperationDuration({ ...queryAttributes }, hrTime())
  await reader.forceFlush()
  const names = exporter.getMetrics().flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics.map((x) => x.descriptor.name)))
  assert.ok(names.includes('db.client.operation.duration'), names.join(', '))
  assert.ok(names.includes('db.client.connection.count'), names.join(', '))
  await provider.shutdown()
})
