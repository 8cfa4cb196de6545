import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WriteAheadLog, readCheckpoint, writeCheckpoint } from '../src/wal/wal.ts'
import { encodeEntry, decodeEntry } from '../src/wal/entry.ts'

test('concurrent appends share one write and come back in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-'))
  const wal = await WriteAheadLog.open({ dir, fsync: true })
  const entries = await Promise.all(Array.from({ length: 50 }, (_, i) => wal.append(Buffer.from(`entry-${i}`))))
  for (let i = 1; i < entries.length; i++) assert.deepEqual(entries[i].position, entries[i - 1].end, 'contiguous')
  const read: string[] = []
  for await (const e of wal.read({ segment: 0, offset: 0 })) read.push(e.payload.toString())
  assert.deepEqual(read, Array.from({ length: 50 }, (_, i) => `entry-${i}`))
  await wal.close()
})

test('a torn frame at the tail (crash mid-write) is ignored on recovery, earlier frames kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-'))
  const wal = await WriteAheadLog.open({ dir, fsync: false })
  await wal.append(Buffer.from('kept-1'))
  await wal.append(Buffer.from('kept-2'))
  await wal.close()
  const seg = readdirSync(dir).find((n) => n.endsWith('.wal'))!
  const torn = Buffer.alloc(12)
  torn.writeUInt32LE(1000, 0) // claims 1000 bytes, only 4 follow
  appendFileSync(join(dir, seg), torn)
  const reopened = await WriteAheadLog.open({ dir, fsync: false })
  const read: string[] = []
  for await (const e of reopened.read({ segment: 0, offset: 0 })) read.push(e.payload.toString())
  assert.deepEqual(read, ['kept-1', 'kept-2'])
  await reopened.append(Buffer.from('after-restart'))
  const again: string[] = []
  for await (const e of reopened.read({ segment: 0, offset: 0 })) again.push(e.payload.toString())
  assert.deepEqual(again, ['kept-1', 'kept-2', 'after-restart'], 'new writes go to a fresh segment, readable after the torn one')
  await reopened.close()
})

test('a corrupted frame (CRC mismatch) ends the segment', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-'))
  const wal = await WriteAheadLog.open({ dir, fsync: false })
  await wal.append(Buffer.from('good'))
  await wal.close()
  const seg = readdirSync(dir).find((n) => n.endsWith('.wal'))!
  const bad = Buffer.alloc(8 + 3)
  bad.writeUInt32LE(3, 0)
  bad.writeUInt32LE(12345, 4)
  bad.write('bad', 8)
  appendFileSync(join(dir, seg), bad)
  const reopened = await WriteAheadLog.open({ dir, fsync: false })
  const read: string[] = []
  for await (const e of reopened.read({ segment: 0, offset: 0 })) read.push(e.payload.toString())
  assert.deepEqual(read, ['good'])
  await reopened.close()
})

test('checkpoint survives a rewrite and defaults to the start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-'))
  assert.deepEqual(await readCheckpoint(dir), { done: { segment: 0, offset: 0 } })
  await writeCheckpoint(dir, { done: { segment: 3, offset: 99 }, inflight: { from: { segment: 3, offset: 99 }, to: { segment: 4, offset: 10 } } }, true)
  assert.deepEqual((await readCheckpoint(dir)).inflight?.to, { segment: 4, offset: 10 })
})

test('an entry keeps its batch id and both TSV parts', () => {
  const e = decodeEntry(encodeEntry('batch-1', 2, 1, 'a\tb\nc\td\n', 'span\n'))
  assert.equal(e.meta.id, 'batch-1')
  assert.equal(e.meta.logs, 2)
  assert.equal(e.logs.toString(), 'a\tb\nc\td\n')
  assert.equal(e.spans.toString(), 'span\n')
})

test('readBack: the payloads of given entries across segments, not past them (a torn tail in an earlier segment); a changed byte fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-'))
  const first = await WriteAheadLog.open({ dir, fsync: false })
  const before = [await first.append(Buffer.from('one')), await first.append(Buffer.from('two'))]
  await first.close()
  const seg = readdirSync(dir).find((n) => n.endsWith('.wal'))!
  appendFileSync(join(dir, seg), Buffer.from([9, 9, 9, 9, 9])) // a torn frame after the acknowledged ones
  const second = await WriteAheadLog.open({ dir, fsync: false })
  const later = await second.append(Buffer.from('three'))
  assert.deepEqual((await second.readBack([...before, later])).map(String), ['one', 'two', 'three'])
  assert.deepEqual((await second.readBack([before[1]])).map(String), ['two'])
  const bytes = readFileSync(join(dir, seg))
  bytes[before[1].position.offset + 9] ^= 1
  writeFileSync(join(dir, seg), bytes)
  await assert.rejects(second.readBack(before), /not intact/)
  await second.close()
})
