import { randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Store } from '../store/connection.ts'
import { BeaconError } from '../errors.ts'
import { insertableColumns } from '../retention/repartition.ts'
import { listPartitions } from '../retention/partitions.ts'
import { RESTORED_TABLE, SIGNAL_TABLE } from '../retention/tables.ts'
import { SIGNALS, type Signal } from '../retention/config.ts'
import { manifestKey, parseKey, type ArchiveTarget, type Manifest } from './target.ts'
import { catalogue, syncCatalogue } from './maintenance.ts'
import { fileSha256 } from './writer.ts'

/** `beacon archive list | verify | restore` and `/api/admin/archive/...`. */
export interface ArchiveOperations {
  list(filter: { service?: string; day?: string; signal?: Signal }): Promise<Manifest[]>
  verify(filter: { service?: string; day?: string; signal?: Signal }): Promise<VerifyResult>
  restore(req: { service: string; day: string; signal?: Signal; actor: string }): Promise<RestoreResult>
}

export interface VerifyResult {
  ok: boolean
  checked: number
  objects: { key: string; ok: boolean; rows: number; problems: string[] }[]
  /** Parquet objects in the archive without a manifest (an interrupted run; rewritten by the next). */
  withoutManifest: string[]
}

export interface RestoreResult { service: string; day: string; restored: { signal: Signal; objects: number; rows: number }[]; hotUntil: string }

const quote = (c: string): string => `\`${c.replace(/`/g, '``')}\``

export function createArchiveOperations(store: Store, target: ArchiveTarget, stagingDir: string, restoreDays: number): ArchiveOperations {
  const select = (all: Manifest[], f: { service?: string; day?: string; signal?: Signal }): Manifest[] =>
    all.filter((m) => (!f.service || m.service === f.service) && (!f.day || m.day === f.day) && (!f.signal || m.signal === f.signal))

  async function withLocal<T>(key: string, fn: (path: string) => Promise<T>): Promise<T> {
    await mkdir(stagingDir, { recursive: true })
    const path = join(stagingDir, `${randomUUID()}.parquet`)
    try {
      await target.getFile(key, path)
      return await fn(path)
    } finally {
      await rm(path, { force: true })
    }
  }

  return {
    async list(f) {
      return select(await syncCatalogue(store, target), f)
    },

    async verify(f) {
      const keys = await target.list('')
      const manifests = new Set(keys.filter((k) => k.endsWith('.manifest.json')))
      const withoutManifest = keys.filter((k) => k.endsWith('.parquet') && !manifests.has(manifestKey(k)) && parseKey(k))
      const out: VerifyResult['objects'] = []
      for (const m of select(await syncCatalogue(store, target), f)) {
        const problems: string[] = []
        let rows = 0
        try {
          await withLocal(m.key, async (path) => {
            const sha = await fileSha256(path)
            if (sha !== m.sha256) problems.push(`sha256 ${sha} differs from the manifest's ${m.sha256}`)
            const [r] = await store.query<{ n: string }>(`SELECT count() AS n FROM file({path:String}, 'Parquet')`, { path })
            rows = Number(r.n)
            if (rows !== m.rows) problems.push(`${rows} rows, the manifest says ${m.rows}`)
          })
        } catch (err) {
          problems.push(`cannot read the object: ${(err as Error).message}`)
        }
        out.push({ key: m.key, ok: problems.length === 0, rows, problems })
      }
      return { ok: out.every((o) => o.ok), checked: out.length, objects: out, withoutManifest }
    },

    async restore(req) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(req.day)) throw new BeaconError('bad_request', `day must be YYYY-MM-DD, not ${JSON.stringify(req.day.slice(0, 32))}`)
      const signals = req.signal ? [req.signal] : [...SIGNALS]
      const objects = select(await syncCatalogue(store, target), { service: req.service, day: req.day }).filter((m) => signals.includes(m.signal))
      if (objects.length === 0) throw new BeaconError('not_found', `the archive has nothing for service ${req.service} on ${req.day}; see beacon archive list`)
      const hot = await listPartitions(store)
      const untilMs = Date.now() + restoreDays * 86_400_000
      const restored: RestoreResult['restored'] = []
      for (const signal of signals) {
        const mine = objects.filter((m) => m.signal === signal)
        if (mine.length === 0) continue
        const table = SIGNAL_TABLE[signal]
        const already = hot.find((p) => p.signal === signal && p.service === req.service && p.day === req.day)
        if (already) {
          // Already hot (restored before, or never left): extend the hold, insert nothing (no duplicates).
          // Rows stay those of an earlier restore (0 if it never left): only restored rows may leave unarchived.
          const [prev] = await store.query<{ Rows: string }>(`SELECT Rows FROM ${RESTORED_TABLE} FINAL WHERE Signal = {s:String} AND Service = {svc:String} AND Day = {d:Date}`,
            { s: signal, svc: req.service, d: req.day })
          await hold(store, signal, req.service, req.day, untilMs, Number(prev?.Rows ?? 0))
          restored.push({ signal, objects: 0, rows: 0 })
          continue
        }
        const columns = new Set(await insertableColumns(store, table))
        let rows = 0
        for (const m of mine) {
          rows += await withLocal(m.key, async (path) => {
            const sha = await fileSha256(path)
            if (sha !== m.sha256) throw new BeaconError('store_error', `archived object ${m.key} does not match its manifest (sha256); run beacon archive verify`)
            const inFile = await store.query<{ name: string }>(`DESCRIBE TABLE file({path:String}, 'Parquet')`, { path })
            const cols = inFile.map((c) => c.name).filter((c) => columns.has(c)).map(quote).join(', ')
            await store.command(`INSERT INTO ${table} (${cols}) SELECT ${cols} FROM file({path:String}, 'Parquet')
SETTINGS insert_deduplicate = 0, insert_deduplication_token = ''`, { path })
            return m.rows
          })
        }
        await hold(store, signal, req.service, req.day, untilMs, rows)
        restored.push({ signal, objects: mine.length, rows })
      }
      return { service: req.service, day: req.day, restored, hotUntil: new Date(untilMs).toISOString() }
    },
  }
}

async function hold(store: Store, signal: Signal, service: string, day: string, untilMs: number, rows: number): Promise<void> {
  await store.command(`INSERT INTO ${RESTORED_TABLE} (Signal, Service, Day, Until, Rows)
SETTINGS insert_deduplicate = 0, insert_deduplication_token = ''
VALUES ({s:String}, {svc:String}, {d:Date}, toDateTime({u:UInt32}), {r:UInt64})`, { s: signal, svc: service, d: day, u: Math.floor(untilMs / 1000), r: rows })
}

/** The reader `/api/search?scope=archive|all` uses (see api/archive-search.ts). */
export function createArchiveReader(store: Store, target: ArchiveTarget): import('../api/archive-search.ts').ArchiveReader {
  return {
    async objects(t, fromDay, toDay, services) {
      const signal: Signal = t === 'logs' ? 'logs' : 'spans'
      const all = await catalogue(store, { signal, fromDay, toDay })
      return all.filter((m) => !services || services.includes(m.service)).map((m) => ({ key: m.key, service: m.service, day: m.day }))
    },
    async hotDays() {
      return new Set((await listPartitions(store)).map((p) => `${p.signal}|${p.service}|${p.day}`))
    },
    tableFunction(keys) {
      return target.tableFunction(keys.length === 1 ? keys[0] : `{${keys.join(',')}}`)
    },
  }
}
