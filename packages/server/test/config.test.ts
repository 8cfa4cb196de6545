import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENV_OVERRIDES, envHelp, loadConfig } from '../src/config/load.ts'
import { BeaconError, ERRORS } from '../src/errors.ts'

test('defaults match the documented ports and data dir', () => {
  const c = loadConfig({ env: {}, file: '/dev/null' })
  assert.deepEqual(c.ports, { api: 5080, otlp: 4318, elastic: 9200, otlpGrpc: 4317, syslog: 5514, syslogTls: 6514, forward: 24224 })
  assert.equal(c.host, '127.0.0.1')
  assert.equal(c.dataDir, './data')
  assert.equal(c.clickhouse.url, '')
  assert.deepEqual(c.businessKeys.orderId, ['order.id', 'order_id', 'orderId', 'order.number'])
})

test('environment overrides the file, and a port of 0 is accepted (listener off)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
  const file = join(dir, 'beacon.config.yaml')
  writeFileSync(file, 'ports:\n  api: 6000\n  otlp: 7000\nretention:\n  days: 14\n')
  const c = loadConfig({ env: { BEACON_OTLP_PORT: '0', BEACON_ORDER_ID_FIELDS: 'order.ref, orderRef' }, file })
  assert.equal(c.ports.api, 6000)
  assert.equal(c.ports.otlp, 0)
  assert.equal(c.retention.days, 14)
  assert.deepEqual(c.businessKeys.orderId, ['order.ref', 'orderRef'])
})

test('invalid configuration lists every problem at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, 'retention:\n  days: 0\nhost: ""\n')
  try {
    loadConfig({ env: { BEACON_API_PORT: 'eighty', BEACON_ES_PORT: '70000', BEACON_FSYNC: 'maybe' }, file })
    assert.fail('expected an error')
  } catch (err) {
    assert.ok(err instanceof BeaconError)
    assert.equal(err.code, 'config_invalid')
    for (const needle of ['BEACON_API_PORT', 'BEACON_FSYNC', 'ports.elastic', 'retention.days', 'host']) {
      assert.match(err.message, new RegExp(needle.replace('.', '\\.')), `message names ${needle}`)
    }
  }
})

test('a config file that is not YAML is reported with its name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
  const file = join(dir, 'broken.yaml')
  writeFileSync(file, 'ports: [unclosed\n')
  assert.throws(() => loadConfig({ env: {}, file }), /broken\.yaml/)
})

test('__proto__ in the config file does not pollute prototypes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
  const file = join(dir, 'p.yaml')
  writeFileSync(file, '__proto__:\n  polluted: true\n')
  try { loadConfig({ env: {}, file }) } catch { /* rejected is fine too */ }
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('error codes map to distinct, valid HTTP statuses', () => {
  for (const [code, status] of Object.entries(ERRORS)) {
    assert.ok(status >= 400 && status < 600, code)
  }
  assert.equal(new Set(Object.keys(ERRORS)).size, Object.keys(ERRORS).length)
})

test('an unknown key stops the start, naming its path and the nearest known key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
  const file = join(dir, 'typo.yaml')
  writeFileSync(file, 'retension:\n  days: 7\ningest:\n  fsnyc: false\nreceivers:\n  syslog:\n    allowNetwork: ["10.0.0.0/8"]\n')
  assert.throws(() => loadConfig({ env: {}, file }), (err: Error) => {
    assert.match(err.message, /retension: unknown setting \(did you mean retention\?\)/)
    assert.match(err.message, /ingest\.fsnyc: unknown setting \(did you mean ingest\.fsync\?\)/)
    assert.match(err.message, /receivers\.syslog\.allowNetwork: unknown setting \(did you mean receivers\.syslog\.allowNetworks\?\)/)
    return true
  })
})

test('the configuration is frozen after validation', () => {
  const c = loadConfig({ env: {}, file: '/dev/null' })
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.ports) && Object.isFrozen(c.receivers.syslog.allowNetworks))
  assert.throws(() => { (c.ports as { api: number }).api = 1 }, TypeError)
})

test('--help and the README list every BEACON_* variable, each with a description', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
  for (const [name, v] of Object.entries(ENV_OVERRIDES)) {
    assert.ok(v.help && v.help.length > 5, `${name} has a description`)
    assert.match(readme, new RegExp(`\\| \`${name}\` \\|`), `README configuration table lists ${name}`)
    assert.ok(envHelp().includes(name))
  }
})

test('BEACON_CHDB_ARGS: engine arguments as --name=value, replacing Beacon\'s defaults of the same name', async () => {
  const { embeddedArgs, EMBEDDED_ARGS } = await import('../src/store/connection.ts')
  const c = loadConfig({ env: { BEACON_CHDB_ARGS: '--mark_cache_size=1048576,--background_pool_size=1' }, file: '/dev/null' })
  assert.deepEqual(c.clickhouse.embeddedArgs, ['--mark_cache_size=1048576', '--background_pool_size=1'])
  const args = embeddedArgs(c.clickhouse.embeddedArgs)
  assert.equal(args.filter((a) => a.startsWith('--mark_cache_size=')).length, 1, 'one value per name: the engine refuses a repeated option')
  assert.ok(args.includes('--mark_cache_size=1048576') && args.includes('--background_pool_size=1'))
  assert.equal(args.length, EMBEDDED_ARGS.length + 1)
  assert.deepEqual(embeddedArgs([]), [...EMBEDDED_ARGS])
  for (const bad of ['--path=/elsewhere', 'mark_cache_size=1', '--config-file', '-x=1', '--a b=1']) {
    assert.throws(() => loadConfig({ env: { BEACON_CHDB_ARGS: bad }, file: '/dev/null' }), /embeddedArgs|--name=value/, bad)
  }
})

test('BEACON_HEAP_GROWING_PERCENT: 0 (V8 decides) unless set, above 300 refused', () => {
  assert.equal(loadConfig({ env: {}, file: '/dev/null' }).memory.heapGrowingPercent, 0)
  assert.equal(loadConfig({ env: { BEACON_HEAP_GROWING_PERCENT: '0' }, file: '/dev/null' }).memory.heapGrowingPercent, 0)
  assert.equal(loadConfig({ env: { BEACON_HEAP_GROWING_PERCENT: '50' }, file: '/dev/null' }).memory.heapGrowingPercent, 50)
  for (const bad of ['301', '-1', 'half']) {
    assert.throws(() => loadConfig({ env: { BEACON_HEAP_GROWING_PERCENT: bad }, file: '/dev/null' }), /heapGrowingPercent|BEACON_HEAP_GROWING_PERCENT/, bad)
  }
})
