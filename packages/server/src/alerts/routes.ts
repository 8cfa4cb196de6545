import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify'
import { z } from 'zod'
import { BeaconError } from '../errors.ts'
import { intParam, qs } from '../api/deps.ts'
import { parseRange } from '../api/time-range.ts'
import type { AlertEngine } from './engine.ts'
import { validateRule, type Rule } from './rule.ts'
import { channelInputSchema, channelParts } from './config.ts'
import { maskSecret } from './channels/types.ts'
import type { ChannelConfig, Notification } from './channels/index.ts'
import { silenceInputSchema } from './silences.ts'
import { incidentView } from './incidents.ts'
import { specOf } from './service.ts'
import { previewRule } from './preview.ts'
import { DELIVERIES_TABLE } from './tables.ts'
import { chTime } from '../api/time-range.ts'
import { errors, ok } from '../api/openapi-schemas.ts'

/**
 * /api/alerts — alerts (pending, firing), rules (+ preview), channels (+ test, deliveries),
 * silences, incidents (+ ack, MTTA/MTTR). Reads need `alerts:read`, changes `alerts:manage`
 * and are audited (`config.audit`).
 */

const TAGS = ['alerts']
/** Route documentation for the OpenAPI document: description, tags, answers (200/201 any object) and errors. */
const doc = (description: string, extra: FastifySchema = {}): FastifySchema => ({
  description, tags: TAGS, ...extra,
  response: { ...ok(description), 201: { description: 'created', type: 'object', additionalProperties: true }, ...errors(400, 404) },
}) as FastifySchema
const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const
const anyBody = { type: 'object' } as const

function who(request: FastifyRequest): string {
  return request.principal?.id ?? 'anonymous'
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body ?? {})
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    throw new BeaconError('bad_request', `Invalid ${what}: ${problems.join('; ')}`, { problems })
  }
  return r.data
}

/** A channel as the API shows it: settings, and secrets masked. */
export function channelView(c: ChannelConfig): Record<string, unknown> {
  const secrets: Record<string, string> = {}
  for (const [k, v] of Object.entries(c.secrets)) secrets[k] = maskSecret(v)
  return { id: c.id, name: c.name, type: c.type, default: c.isDefault, settings: c.settings, secrets }
}

function ruleView(engine: AlertEngine, r: Rule): Record<string, unknown> {
  const status = engine.status.get(r.id)
  return { ...r, status: { active: engine.runtimes.has(r.id), warmingUpGroups: status?.warmingUp ?? 0, bands: status?.bands ?? {} } }
}

export function registerAlertRoutes(app: FastifyInstance, engine: AlertEngine): void {
  const defs = engine.defs
  const read = { permission: 'alerts:read' as const }
  const manage = (audit: string) => ({ permission: 'alerts:manage' as const, audit })

  app.get('/api/alerts', { config: read, schema: doc('Pending and firing alerts') }, async () => {
    const alerts = [...engine.states.all.values()].filter((s) => s.state !== 'resolved').map((s) => {
      const rule = defs.rules.get(s.ruleId)
      const incident = s.incidentId ? engine.incidents.open.get(s.incidentId) : undefined
      return {
        ruleId: s.ruleId, rule: rule?.name ?? s.ruleId, severity: rule?.severity, state: s.state, labels: s.labels, value: s.value,
        since: new Date(s.since).toISOString(), firedAt: s.firedAt ? new Date(s.firedAt).toISOString() : null,
        flapping: engine.states.flapping(s, Date.now()), incidentId: s.incidentId || null,
        acknowledged: incident?.ackedAt != null, links: incident?.links ?? {},
      }
    })
    return { alerts, evaluation: { ...engine.stats, deliveryQueue: engine.delivery.pending } }
  })

  // Rules
  app.get('/api/alerts/rules', { config: read, schema: doc('Alert rules (built-in detectors, config, API)') }, async () => ({
    rules: [...defs.rules.values()].map((r) => ruleView(engine, r)),
  }))
  app.get<{ Params: { id: string } }>('/api/alerts/rules/:id', { config: read, schema: doc('One alert rule', { params: idParams }) }, async (request) => {
    const r = defs.rules.get(request.params.id)
    if (!r) throw new BeaconError('not_found', `no alert rule ${request.params.id}`)
    return ruleView(engine, r)
  })
  const checkChannels = (refs: string[]): void => {
    const { unknown } = defs.resolveChannels(refs)
    if (unknown.length) throw new BeaconError('bad_request', `unknown channel(s): ${unknown.join(', ')}; create them first (POST /api/alerts/channels)`, { field: 'channels' })
  }
  app.post('/api/alerts/rules', { config: manage('alerts.rule.create'), schema: doc('Create an alert rule', { body: anyBody }) }, async (request, reply) => {
    const { spec } = validateRule(request.body)
    checkChannels(spec.channels)
    const rule = await defs.putRule({ ...spec, builtin: '', source: 'api' }, who(request))
    await engine.prepare(rule)
    return reply.status(201).send(ruleView(engine, rule))
  })
  app.put<{ Params: { id: string } }>('/api/alerts/rules/:id', { config: manage('alerts.rule.update'), schema: doc('Replace or patch an alert rule (fields given are changed)', { params: idParams, body: anyBody }) }, async (request) => {
    const current = defs.rules.get(request.params.id)
    if (!current) throw new BeaconError('not_found', `no alert rule ${request.params.id}`)
    const { spec } = validateRule({ ...specOf(current), ...(request.body as object) })
    checkChannels(spec.channels)
    const rule = await defs.putRule({ ...current, ...spec }, who(request))
    await engine.prepare(rule)
    return ruleView(engine, rule)
  })
  app.delete<{ Params: { id: string } }>('/api/alerts/rules/:id', { config: manage('alerts.rule.delete'), schema: doc('Delete an alert rule', { params: idParams }) }, async (request) => {
    if (!(await defs.deleteRule(request.params.id, who(request)))) throw new BeaconError('not_found', `no alert rule ${request.params.id}`)
    engine.drop(request.params.id)
    return { deleted: request.params.id }
  })
  app.post('/api/alerts/rules/preview', {
    config: { permission: 'alerts:read', audit: 'alerts.rule.preview' },
    schema: doc('How often a rule not yet saved (the body: a rule as for POST /api/alerts/rules) would have fired over the last 24 h (range=24h) or 7 d (range=7d); 400 with the position of a query problem', { body: anyBody, querystring: { type: 'object', properties: { range: { type: 'string', enum: ['24h', '7d'] } } } }),
  }, async (request) => {
    const { spec } = validateRule({ name: 'draft', ...(request.body as object) })
    return previewRule(engine, { ...spec, id: 'draft', builtin: '', source: 'api', updatedAt: new Date().toISOString() }, qs(request.query, 'range') === '7d' ? 7 * 86_400 : 86_400)
  })
  app.post<{ Params: { id: string } }>('/api/alerts/rules/:id/preview', {
    config: { permission: 'alerts:read', audit: 'alerts.rule.preview' },
    schema: doc('How often the rule would have fired over the last 24 h (range=24h) or 7 d (range=7d)', { params: idParams, querystring: { type: 'object', properties: { range: { type: 'string', enum: ['24h', '7d'] } } } }),
  }, async (request) => {
    const r = defs.rules.get(request.params.id)
    if (!r) throw new BeaconError('not_found', `no alert rule ${request.params.id}`)
    return previewRule(engine, r, qs(request.query, 'range') === '7d' ? 7 * 86_400 : 86_400)
  })

  // Channels
  app.get('/api/alerts/channels', { config: read, schema: doc('Notification channels (secrets masked)') }, async () => ({
    channels: [...defs.channels.values()].map(channelView),
  }))
  app.post('/api/alerts/channels', { config: manage('alerts.channel.create'), schema: doc('Create a channel: slack {url}, telegram {botToken, chatId, apiBaseUrl}, webhook {url, signingSecret}, email {smtpUrl, from, to}', { body: anyBody }) }, async (request, reply) => {
    const input = parseBody(channelInputSchema, request.body, 'channel')
    const { settings, secrets, problems } = channelParts(input)
    if (problems.length) throw new BeaconError('bad_request', `Invalid channel: ${problems.join('; ')}`, { problems })
    if ([...defs.channels.values()].some((c) => c.name === input.name)) throw new BeaconError('bad_request', `a channel named ${JSON.stringify(input.name)} exists`)
    const c = await defs.putChannel({ name: input.name, type: input.type, isDefault: input.default, settings, secrets }, who(request))
    return reply.status(201).send(channelView(c))
  })
  app.delete<{ Params: { id: string } }>('/api/alerts/channels/:id', { config: manage('alerts.channel.delete'), schema: doc('Delete a channel', { params: idParams }) }, async (request) => {
    if (!(await defs.deleteChannel(request.params.id, who(request)))) throw new BeaconError('not_found', `no channel ${request.params.id}`)
    return { deleted: request.params.id }
  })
  app.post<{ Params: { id: string } }>('/api/alerts/channels/:id/test', { config: manage('alerts.channel.test'), schema: doc('Send a test message now; answers with the outcome', { params: idParams }) }, async (request) => {
    const c = defs.channels.get(request.params.id) ?? [...defs.channels.values()].find((x) => x.name === request.params.id)
    if (!c) throw new BeaconError('not_found', `no channel ${request.params.id}`)
    const now = new Date().toISOString()
    const n: Notification = {
      status: 'test', rule: { id: 'test', name: `Test from Beacon to ${c.name}`, severity: 'info', condition: 'a test message' },
      alerts: [{ labels: {}, value: 0, startsAt: now, links: { search: engine.notifier.searchUrl('', Date.now() - 900_000, Date.now()) } }],
      incidentIds: [], sentAt: now,
    }
    const out = await engine.delivery.enqueue(n, c)
    return out.ok ? { ok: true, status: out.status } : { ok: false, status: out.status, error: out.error }
  })
  app.get('/api/alerts/deliveries', { config: read, schema: doc('Delivery log (newest first): ?incident=&channel=&limit=') }, async (request) => {
    await engine.persist()
    const rows = await engine.store.query(
      `SELECT at, incident_id, rule_id, channel_id, channel_name, status, attempt, http_status, error, alerts FROM ${DELIVERIES_TABLE}
       WHERE ({inc:String} = '' OR incident_id = {inc:String}) AND ({ch:String} = '' OR channel_id = {ch:String}) AND at >= {from:DateTime64(3)}
       ORDER BY at DESC LIMIT {limit:UInt32}`,
      { inc: qs(request.query, 'incident'), ch: qs(request.query, 'channel'), from: chTime(Date.now() - 30 * 86_400_000), limit: intParam(request.query, 'limit', 100, 1, 1000) })
    return { deliveries: rows }
  })

  // Silences
  app.get('/api/alerts/silences', { config: read, schema: doc('Silences and maintenance windows') }, async () => ({ silences: [...defs.silences.values()] }))
  app.post('/api/alerts/silences', { config: manage('alerts.silence.create'), schema: doc('Create a silence {matchers, startsAt, endsAt} or a maintenance window {matchers, recurring: {days, start, minutes}}', { body: anyBody }) }, async (request, reply) => {
    const input = parseBody(silenceInputSchema, request.body, 'silence')
    const s = await defs.putSilence({ ...input, createdBy: who(request), createdAt: new Date().toISOString() }, who(request))
    return reply.status(201).send(s)
  })
  app.delete<{ Params: { id: string } }>('/api/alerts/silences/:id', { config: manage('alerts.silence.delete'), schema: doc('End a silence', { params: idParams }) }, async (request) => {
    if (!(await defs.deleteSilence(request.params.id, who(request)))) throw new BeaconError('not_found', `no silence ${request.params.id}`)
    return { deleted: request.params.id }
  })

  // Incidents
  app.get('/api/alerts/incidents', { config: read, schema: doc('Incidents opened in a range: ?from=&to=&status=open|resolved&service=&limit=') }, async (request) => {
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'), 'now-7d')
    const list = await engine.incidents.list({ ...range, status: qs(request.query, 'status'), service: qs(request.query, 'service'), limit: intParam(request.query, 'limit', 100, 1, 1000) })
    return { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), incidents: list.map(incidentView) }
  })
  app.get('/api/alerts/incidents/stats', { config: read, schema: doc('MTTA and MTTR per service over incidents opened in a range (?from=&to=, default 30 days)') }, async (request) => {
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'), 'now-30d')
    return { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), services: await engine.incidents.stats(range.fromMs, range.toMs) }
  })
  app.post<{ Params: { id: string } }>('/api/alerts/incidents/:id/ack', { config: manage('alerts.incident.ack'), schema: doc('Acknowledge an incident {note}: no more re-notifications', { params: idParams }) }, async (request) => {
    const note = parseBody(z.object({ note: z.string().max(2000).default('') }).strict(), request.body ?? {}, 'acknowledgement').note
    const i = await engine.notifier.acknowledge(request.params.id, who(request), note)
    if (!i) throw new BeaconError('not_found', `no incident ${request.params.id}`)
    return incidentView(i)
  })
}
