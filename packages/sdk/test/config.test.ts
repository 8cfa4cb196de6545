import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveConfig } from '../src/config.ts'

test('options win over BEACON_* which win over OTEL_*', () => {
  const env = { BEACON_SERVICE: 'from-beacon', OTEL_SERVICE_NAME: 'from-otel', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/', BEACON_API_KEY: 'k1' }
  assert.equal(resolveConfig({}, env).config.service, 'from-beacon')
  assert.equal(resolveConfig({ service: 'opt' }, env).config.service, 'opt')
  assert.equal(resolveConfig({}, { OTEL_SERVICE_NAME: 'from-otel' }).config.service, 'from-otel')
  assert.equal(resolveConfig({}, env).config.endpoint, 'http://otel:4318')
  assert.equal(resolveConfig({}, env).config.apiKey, 'k1')
})

test('lists every bad setting and falls back to defaults instead of throwing', () => {
  const { config, problems } = resolveConfig({}, { BEACON_ENDPOINT: 'ftp://x', BEACON_LOG_LEVEL: 'loud', BEACON_MAX_QUEUE: '-3', BEACON_STDOUT: 'maybe' })
  assert.equal(problems.length, 4)
  assert.equal(config.endpoint, 'http://127.0.0.1:4318')
  assert.equal(config.logLevel, 'info')
  assert.equal(config.maxQueueSize, 10_000)
  assert.equal(config.stdout, true)
})
