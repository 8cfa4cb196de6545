import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config/load.ts'
import { createStore, type Store } from '../src/store/connection.ts'
import { createReadStore, POINT_LOOKUP_SETTINGS } from '../src/api/read-limits.ts'

// The read store and an id lookup's own settings (POINT_LOOKUP_SETTINGS), on the embedded engine.
const dataDir = mkdtempSync(join(tmpdir(), 'beacon-read-store-'))
const config = loadConfig({ env: { BEACON_DATA_DIR: dataDir }, file: '/dev/null' })
const engine = await createStore(config)
after(async () => { await engine.close(); rmSync(dataDir, { recursive: true, force: true }) })

const LOOKUP = `SELECT number AS n FROM numbers(10) WHERE n = {id:UInt32} ${POINT_LOOKUP_SETTINGS}`

/** The engine as seen through a recorder; `knows` = false plays a server older than the setting. */
function recorded(knows: boolean): { store: Store; sent: string[] } {
  const sent: string[] = []
  const store: Store = {
    ...engine,
    async query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
      sent.push(sql)
      if (!knows && sql.includes('system.settings')) return [{ n: '0' }] as T[]
      if (!knows && sql.includes('use_skip_indexes_on_data_read')) throw new Error("Code: 115. DB::Exception: Unknown setting 'use_skip_indexes_on_data_read'")
      return engine.query<T>(sql, params)
    },
  }
  return { store, sent }
}

const limits = { maxExecutionSeconds: 20, maxMemoryBytes: 2 ** 31, maxResultBytes: 2 ** 27, concurrentQueries: 2, queuedQueries: 32, perUserRequests: 4 }

test('an id lookup keeps its own setting and gets the read limits added to the same SETTINGS clause', async () => {
  const { store, sent } = recorded(true)
  const rows = await createReadStore(store, limits).query<{ n: string }>(LOOKUP, { id: 7 })
  assert.deepEqual(rows.map((r) => Number(r.n)), [7])
  const lookup = sent.find((s) => s.includes('numbers(10)')) ?? ''
  assert.match(lookup, /SETTINGS use_skip_indexes_on_data_read = 0, max_execution_time = 20,/)
})

test('an engine without the setting runs the id lookup without it, with the limits', async () => {
  const { store, sent } = recorded(false)
  const read = createReadStore(store, limits)
  for (const id of [3, 4]) {
    const rows = await read.query<{ n: string }>(LOOKUP, { id })
    assert.deepEqual(rows.map((r) => Number(r.n)), [id])
  }
  const lookups = sent.filter((s) => s.includes('numbers(10)'))
  assert.equal(lookups.length, 2)
  for (const s of lookups) {
    assert.doesNotMatch(s, /use_skip_indexes_on_data_read/)
    assert.match(s, /SETTINGS max_execution_time = 20,/)
  }
  assert.equal(sent.filter((s) => s.includes('system.settings')).length, 1, 'the engine is asked once')
})
