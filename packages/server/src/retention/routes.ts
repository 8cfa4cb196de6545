import type { FastifyInstance, FastifySchema } from 'fastify'
import type { Store } from '../store/connection.ts'
import { BeaconError } from '../errors.ts'
import { listPartitions } from './partitions.ts'
import { catalogue } from '../archive/maintenance.ts'
import { SIGNALS, type Signal } from './config.ts'
import type { Retention } from './index.ts'
import type { Config } from '../config/schema.ts'

/**
 * GET  /api/admin/retention                      effective retention and caps, overrides
 * PUT  /api/admin/retention/services/:service     override days per signal and the cap ('*' = every service)
 * DELETE /api/admin/retention/services/:service   back to the configuration
 * GET  /api/admin/storage                         per service and signal: rows, bytes, days, cap usage, archive
 * All need `retention:manage`; changes are audited and applied to stored data at once.
 */
export function registerRetentionRoutes(app: FastifyInstance, store: Store, config: Config, r: Retention): void {
  const tags = ['retention']
  app.get('/api/admin/retention', {
    config: { permission: 'retention:manage', audit: 'retention.read' },
    schema: { description: 'Hot retention (days per signal) and size caps: configuration defaults, per-service overrides, effective values per stored service', tags } as FastifySchema,
  }, async () => {
    await r.policy.load()
    const services = [...new Set((await listPartitions(store)).map((p) => p.service).concat(Object.keys(config.retention.services)))].sort()
    return {
      defaults: { logsDays: r.policy.daysFor('logs', '\0'), spansDays: r.policy.daysFor('spans', '\0'), capBytes: r.policy.capFor('\0'), capWarnPercent: config.retention.capWarnPercent },
      configured: config.retention.services,
      overrides: r.policy.list().map((o) => ({ ...o, service: o.service || '*' })),
      effective: services.map((s) => ({ service: s, logsDays: r.policy.daysFor('logs', s), spansDays: r.policy.daysFor('spans', s), capBytes: r.policy.capFor(s) })),
      checkIntervalSeconds: config.retention.checkIntervalSeconds,
      restoreDays: config.retention.restoreDays,
    }
  })

  const daysSchema = { type: ['integer', 'null'], minimum: 1, maximum: 3650 }
  app.put('/api/admin/retention/services/:service', {
    config: { permission: 'retention:manage', audit: 'retention.update' },
    schema: {
      description: 'Overrides a service\'s hot retention (days per signal) and size cap (bytes, 0 = none); `*` for every service. Null keeps the configured value. Applied to stored data at once.',
      tags,
      params: { type: 'object', properties: { service: { type: 'string', minLength: 1, maxLength: 256 } }, required: ['service'] },
      body: { type: 'object', additionalProperties: false, properties: { logsDays: daysSchema, spansDays: daysSchema, capBytes: { type: ['integer', 'null'], minimum: 0 } } },
    },
  }, async (request) => {
    const { service } = request.params as { service: string }
    const body = (request.body ?? {}) as { logsDays?: number | null; spansDays?: number | null; capBytes?: number | null }
    await r.policy.set({ service: service === '*' ? '' : service, logsDays: body.logsDays ?? null, spansDays: body.spansDays ?? null, capBytes: body.capBytes ?? null, updatedBy: request.principal?.id ?? 'anonymous' })
    const run = await r.enforcer.run('manual')
    return { service, logsDays: r.policy.daysFor('logs', service), spansDays: r.policy.daysFor('spans', service), capBytes: r.policy.capFor(service), applied: run }
  })

  app.delete('/api/admin/retention/services/:service', {
    config: { permission: 'retention:manage', audit: 'retention.update' },
    schema: { description: 'Removes a service\'s override (back to the configuration)', tags, params: { type: 'object', properties: { service: { type: 'string', minLength: 1 } }, required: ['service'] } },
  }, async (request) => {
    const { service } = request.params as { service: string }
    await r.policy.set({ service: service === '*' ? '' : service, logsDays: null, spansDays: null, capBytes: null, updatedBy: request.principal?.id ?? 'anonymous' })
    return { service, logsDays: r.policy.daysFor('logs', service), spansDays: r.policy.daysFor('spans', service), capBytes: r.policy.capFor(service) }
  })

  app.get('/api/admin/storage', {
    config: { permission: 'retention:manage', audit: 'storage.read' },
    schema: { description: 'Per service and signal: rows, bytes on disk, compression, days kept, oldest hot day, retention, cap usage, archive objects and bytes; the last archive run and its result; disk space', tags } as FastifySchema,
  }, async () => storageReport(store, config, r))
}

interface Row {
  service: string; signal: Signal; rows: number; bytes: number; uncompressedBytes: number; compression: number | null
  daysKept: number; oldestHotDay: string | null; newestHotDay: string | null; retentionDays: number
  archiveObjects: number; archiveBytes: number; archiveRows: number; oldestArchivedDay: string | null
}

export async function storageReport(store: Store, config: Config, r: Retention): Promise<Record<string, unknown>> {
  await r.policy.load()
  const parts = await listPartitions(store)
  const archived = r.target ? await catalogue(store) : []
  const rows = new Map<string, Row & { days: Set<string> }>()
  const get = (service: string, signal: Signal) => {
    const k = `${service}|${signal}`
    let x = rows.get(k)
    if (!x) {
      x = { service, signal, rows: 0, bytes: 0, uncompressedBytes: 0, compression: null, daysKept: 0, oldestHotDay: null, newestHotDay: null,
        retentionDays: r.policy.daysFor(signal, service), archiveObjects: 0, archiveBytes: 0, archiveRows: 0, oldestArchivedDay: null, days: new Set() }
      rows.set(k, x)
    }
    return x
  }
  for (const p of parts) {
    const x = get(p.service, p.signal)
    x.rows += p.rows
    x.bytes += p.bytes
    x.uncompressedBytes += p.uncompressedBytes
    x.days.add(p.day)
    if (!x.oldestHotDay || p.day < x.oldestHotDay) x.oldestHotDay = p.day
    if (!x.newestHotDay || p.day > x.newestHotDay) x.newestHotDay = p.day
  }
  for (const m of archived) {
    const x = get(m.service, m.signal)
    x.archiveObjects++
    x.archiveBytes += m.bytes
    x.archiveRows += m.rows
    if (!x.oldestArchivedDay || m.day < x.oldestArchivedDay) x.oldestArchivedDay = m.day
  }
  const status = r.enforcer.status()
  const caps = new Map(status.caps.map((c) => [c.service, c]))
  const perService = [...new Set([...rows.values()].map((x) => x.service))].sort().map((service) => {
    const bytes = SIGNALS.reduce((n, s) => n + (rows.get(`${service}|${s}`)?.bytes ?? 0), 0)
    const cap = r.policy.capFor(service)
    const percent = cap > 0 ? Math.round((bytes / cap) * 1000) / 10 : 0
    return { service, bytes, capBytes: cap, capPercent: percent, capWarning: caps.get(service)?.warning ?? (cap > 0 && percent >= config.retention.capWarnPercent) }
  })
  return {
    services: perService,
    signals: [...rows.values()].map(({ days, ...x }) => ({ ...x, daysKept: days.size, compression: x.bytes > 0 ? Math.round((x.uncompressedBytes / x.bytes) * 10) / 10 : null }))
      .sort((a, b) => a.service.localeCompare(b.service) || a.signal.localeCompare(b.signal)),
    archive: { ...status.archive, keepDays: config.archive.keepDays, objects: archived.length, bytes: archived.reduce((n, m) => n + m.bytes, 0) },
    lastRun: status.lastRun,
    disk: r.health().disk,
  }
}

/** The archive routes' error when it is off. */
export function archiveOff(): BeaconError {
  return new BeaconError('bad_request', 'the archive is off: set BEACON_ARCHIVE_URL (s3://bucket/prefix or file:///path), see docs/retention.md')
}
