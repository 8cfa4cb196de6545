import { join, resolve } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/connection.ts'
import { appliedVersions } from '../store/migrations.ts'
import { createArchiveTarget, type ArchiveTarget } from '../archive/target.ts'
import { createArchiveOperations, createArchiveReader, type ArchiveOperations } from '../archive/operations.ts'
import type { ArchiveReader } from '../api/archive-search.ts'
import type { Batch } from '../pipeline/record.ts'
import { RetentionPolicy } from './policy.ts'
import { RetentionEnforcer, type AuditSink } from './enforcer.ts'
import { DiskGuard, createBackfillScreen } from './guards.ts'

/**
 *   createRetention(config, store)
 *     policy (config + admin overrides) ── enforcer (every minute: archive → drop, caps, archive expiry)
 *     disk guard (ingest 503 when the volume is nearly full) ── backfill screen (records older than the retention)
 *     archive: target (folder or S3), operations (list, verify, restore), reader (search in place)
 */
export interface Retention {
  policy: RetentionPolicy
  enforcer: RetentionEnforcer
  guard: DiskGuard
  screen: (batch: Batch) => void
  target: ArchiveTarget | null
  archive: ArchiveOperations | null
  reader: ArchiveReader | null
  start(): void
  stop(): Promise<void>
  /** For /api/health: the disk guard and the archive, with the reason when something is wrong. */
  health(): { ok: boolean; disk: { freeBytes: number; totalBytes: number; ingestRefused: string | null }; archive: ReturnType<RetentionEnforcer['status']>['archive']; hotDays: { logs: number; spans: number } }
}

export async function createRetention(config: Config, store: Store, log: Logger, audit?: AuditSink): Promise<Retention> {
  const rlog = log.child({ feature: 'retention' })
  const policy = new RetentionPolicy(config.retention, store)
  await policy.load()
  const target = createArchiveTarget(config.archive)
  const stagingDir = resolve(join(config.dataDir, 'archive-staging'))
  const schemaVersion = async (): Promise<number> => Math.max(0, ...(await appliedVersions(store)))
  const writer = target ? { store, target, stagingDir, schemaVersion } : null
  const enforcer = new RetentionEnforcer({ store, config, log: rlog, policy, target, writer, audit })
  const guard = new DiskGuard(resolve(config.dataDir), config.retention, rlog)
  const archive = target ? createArchiveOperations(store, target, stagingDir, config.retention.restoreDays) : null
  const reader = target ? createArchiveReader(store, target) : null
  if (target) rlog.info({ target: target.description, keepDays: config.archive.keepDays }, 'archive on')
  return {
    policy, enforcer, guard, target, archive, reader,
    screen: createBackfillScreen(policy),
    start() {
      guard.start()
      enforcer.start()
    },
    async stop() {
      guard.stop()
      await enforcer.stop()
    },
    health() {
      const s = enforcer.status()
      const refused = guard.reason()
      return {
        ok: refused === null && s.archive.healthy,
        disk: { freeBytes: guard.freeBytes, totalBytes: guard.totalBytes, ingestRefused: refused },
        archive: s.archive,
        // The shortest hot retention of any service: older ranges may need the archive (the UI offers it).
        hotDays: { logs: policy.minDays('logs'), spans: policy.minDays('spans') },
      }
    },
  }
}
