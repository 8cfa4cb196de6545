import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serviceFromIndex } from './service-name.ts'

const cases: [index: string, service: string, shipper: boolean][] = [
  ['logs-shop-default', 'shop', false],
  ['logs-shop-api-default', 'shop-api', false],
  ['logs-nginx.access-prod', 'nginx.access', false],
  ['.ds-logs-shop-api-default-2026.11.22-000001', 'shop-api', false],
  ['crm-api-2026.11.22', 'crm-api', false],
  ['crm-api-2026-11-22', 'crm-api', false],
  ['crm-api-2026.11', 'crm-api', false],
  ['crm-api-20261122', 'crm-api', false],
  ['payments', 'payments', false],
  ['filebeat-8.17.0-2026.11.22', 'filebeat', true],
  ['filebeat-8.17.0', 'filebeat', true],
  ['.ds-filebeat-8.17.0-2026.11.22-000001', 'filebeat', true],
  ['logstash-2026.11.22', 'logstash', true],
  ['fluentd-2026.11.22', 'fluentd', true],
  ['logs-generic-default', '', false],
  ['logs', '', true],
  ['logs-2026.11.22', '', true],
  ['', '', false],
  ['filebeat-*', '', false],
]

for (const [index, service, shipper] of cases) {
  test(`index ${JSON.stringify(index)} → service ${JSON.stringify(service)}${shipper ? ' (shipper index)' : ''}`, () => {
    assert.deepEqual(serviceFromIndex(index), { service, shipper })
  })
}
