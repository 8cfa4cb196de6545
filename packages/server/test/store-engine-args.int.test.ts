import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config/load.ts'
import { createStore, EMBEDDED_ARGS } from '../src/store/connection.ts'

// Its own process (test file): the engine takes its arguments once, when it starts.
const dataDir = mkdtempSync(join(tmpdir(), 'beacon-engine-args-'))
const config = loadConfig({ env: { BEACON_DATA_DIR: dataDir, BEACON_CHDB_ARGS: '--mark_cache_size=33554432, --background_pool_size=1' }, file: '/dev/null' })
const store = await createStore(config)
after(async () => { await store.close(); rmSync(dataDir, { recursive: true, force: true }) })

const serverSetting = async (name: string): Promise<string> =>
  (await store.query<{ value: string }>(`SELECT value FROM system.server_settings WHERE name = {name:String}`, { name }))[0]?.value

test('the embedded engine starts with Beacon\'s cache caps, an operator\'s BEACON_CHDB_ARGS replacing one and adding another', async () => {
  assert.equal(await serverSetting('mark_cache_size'), '33554432')
  assert.equal(await serverSetting('background_pool_size'), '1')
  for (const arg of EMBEDDED_ARGS.filter((a) => !a.startsWith('--mark_cache_size='))) {
    const [name, value] = arg.slice(2).split('=')
    assert.equal(await serverSetting(name), value, name)
  }
  // The client's connection runs on that engine: a table written through it is there.
  await store.command('CREATE TABLE args_probe (n UInt8) ENGINE = MergeTree ORDER BY n')
  await store.insertTsv('args_probe', ['n'], Buffer.from('7\n'))
  assert.deepEqual(await store.query('SELECT n FROM args_probe'), [{ n: 7 }])
})

test('a setting the engine does not know stops the start (the engine itself would ignore it)', async () => {
  const typo = loadConfig({ env: { BEACON_DATA_DIR: dataDir, BEACON_CHDB_ARGS: '--mark_cache_sise=1,--background_pool_size=1' }, file: '/dev/null' })
  await assert.rejects(createStore(typo), /BEACON_CHDB_ARGS: the embedded engine has no setting mark_cache_sise$/)
  // The first store still works.
  assert.equal(await serverSetting('background_pool_size'), '1')
})
