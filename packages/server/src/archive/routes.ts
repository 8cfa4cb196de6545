import type { FastifyInstance, FastifySchema } from 'fastify'
import type { Retention } from '../retention/index.ts'
import { archiveOff } from '../retention/routes.ts'
import type { Signal } from '../retention/config.ts'

/**
 * POST /api/admin/archive/run       run retention and the archive now (what the schedule does)
 * GET  /api/admin/archive           archived objects (?service=&day=&signal=), from the manifests
 * POST /api/admin/archive/verify    re-read objects, check rows and sha256 against their manifests
 * POST /api/admin/archive/restore   bring a day of a service back into hot search for retention.restoreDays
 * All need `retention:manage` and are audited.
 */
export function registerArchiveRoutes(app: FastifyInstance, r: Retention): void {
  const tags = ['archive']
  const filter = {
    type: 'object', additionalProperties: false,
    properties: {
      service: { type: 'string', minLength: 1, maxLength: 256 },
      day: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
      signal: { type: 'string', enum: ['logs', 'spans'] },
    },
  }
  app.post('/api/admin/archive/run', {
    config: { permission: 'retention:manage', audit: 'archive.run' },
    schema: { description: 'Runs retention now: archives then drops expired and over-cap partitions, deletes archive objects past archive.keepDays', tags } as FastifySchema,
  }, async () => r.enforcer.run('manual'))

  app.get('/api/admin/archive', {
    config: { permission: 'retention:manage', audit: 'archive.list' },
    schema: { description: 'Archived objects and their manifests (rows, bytes, min/max time, schema version, sha256)', tags, querystring: filter },
  }, async (request) => {
    if (!r.archive) throw archiveOff()
    const objects = await r.archive.list(request.query as { service?: string; day?: string; signal?: Signal })
    return { target: r.target?.description, objects: objects.map(({ columns: _columns, ...m }) => m) }
  })

  app.post('/api/admin/archive/verify', {
    config: { permission: 'retention:manage', audit: 'archive.verify' },
    schema: { description: 'Re-reads archived objects and checks their row counts and sha256 against the manifests', tags, body: { ...filter } },
  }, async (request) => {
    if (!r.archive) throw archiveOff()
    return r.archive.verify((request.body ?? {}) as { service?: string; day?: string; signal?: Signal })
  })

  app.post('/api/admin/archive/restore', {
    config: { permission: 'retention:manage', audit: 'archive.restore' },
    schema: {
      description: 'Brings a day of a service back into hot search from the archive; it stays hot for retention.restoreDays whatever the retention says',
      tags, body: { ...filter, required: ['service', 'day'] },
    },
  }, async (request) => {
    if (!r.archive) throw archiveOff()
    const b = request.body as { service: string; day: string; signal?: Signal }
    return r.archive.restore({ ...b, actor: request.principal?.id ?? 'anonymous' })
  })
}
