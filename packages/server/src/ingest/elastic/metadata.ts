import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Limits } from './flatten.ts'
import { readBody, sendError, sendJson } from './http.ts'

/**
 * The set-up calls shippers make at start — index templates (composable and legacy), component
 * templates, ILM policies, ingest pipelines, data streams, indices and aliases — answered so they
 * proceed. Beacon has one schema for every log, so these are recorded in memory (a shipper that
 * checks "does my template exist?" sees the one it put; after a restart it puts it again) and
 * acknowledged; they change nothing in the store.
 */

const MAX_ENTRIES = 1000 // per kind: names come from clients

type Kind = 'index_template' | 'template' | 'component_template' | 'ilm_policy' | 'pipeline' | 'data_stream'

export interface MetadataState {
  objects: Record<Kind, Map<string, unknown>>
  /** Indices created with `PUT /{index}` or written to, with their aliases. */
  indices: Map<string, Set<string>>
}

export function createMetadataState(): MetadataState {
  return {
    objects: {
      index_template: new Map(), template: new Map(), component_template: new Map(),
      ilm_policy: new Map(), pipeline: new Map(), data_stream: new Map(),
    },
    indices: new Map(),
  }
}

/** Notes an index name seen in a write (so `HEAD /{index}` and `GET /_data_stream/{name}` find it). */
export function noteIndex(state: MetadataState, index: string): void {
  if (state.indices.has(index) || state.indices.size >= MAX_ENTRIES * 10) return
  state.indices.set(index, new Set())
}

function setBounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (!map.has(key) && map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string)
  map.set(key, value)
}

const isPattern = (name: string): boolean => /[*,]/.test(name)

/** Names in `map` matching `name` (`*` wildcards, comma-separated lists). */
function matching<V>(map: Map<string, V>, name: string): [string, V][] {
  const res = name.split(',').map((p) => new RegExp('^' + p.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$'))
  return [...map].filter(([k]) => res.some((re) => re.test(k)))
}

const ACK = { acknowledged: true }

interface KindRoutes {
  kind: Kind
  path: string
  /** GET response for found entries. */
  render: (entries: [string, unknown][]) => unknown
  /** 404 reason when a plain name is not found; undefined → Elasticsearch answers `{}` with 404. */
  missing?: (name: string) => [type: string, reason: string]
}

const KINDS: KindRoutes[] = [
  {
    kind: 'index_template', path: '/_index_template',
    render: (e) => ({ index_templates: e.map(([name, index_template]) => ({ name, index_template })) }),
    missing: (n) => ['resource_not_found_exception', `index template matching [${n}] not found`],
  },
  { kind: 'template', path: '/_template', render: (e) => Object.fromEntries(e) },
  {
    kind: 'component_template', path: '/_component_template',
    render: (e) => ({ component_templates: e.map(([name, component_template]) => ({ name, component_template })) }),
    missing: (n) => ['resource_not_found_exception', `component template matching [${n}] not found`],
  },
  {
    kind: 'ilm_policy', path: '/_ilm/policy',
    render: (e) => Object.fromEntries(e.map(([name, body]) => [name, {
      version: 1,
      modified_date: new Date().toISOString(),
      policy: (body as { policy?: unknown }).policy ?? body,
      in_use_by: { indices: [], data_streams: [], composable_templates: [] },
    }])),
    missing: (n) => ['resource_not_found_exception', `Lifecycle policy not found: ${n}`],
  },
  { kind: 'pipeline', path: '/_ingest/pipeline', render: (e) => Object.fromEntries(e) },
  {
    kind: 'data_stream', path: '/_data_stream',
    render: (e) => ({
      data_streams: e.map(([name]) => ({
        name, timestamp_field: { name: '@timestamp' }, indices: [], generation: 1, status: 'GREEN',
        template: '', hidden: false, system: false, allow_custom_routing: false, replicated: false,
      })),
    }),
    missing: (n) => ['index_not_found_exception', `no such index [${n}]`],
  },
]

/** A JSON request body (templates, policies, index settings); `{}` when empty. */
async function jsonBody(request: FastifyRequest, reply: FastifyReply, limits: Limits): Promise<Record<string, unknown> | undefined> {
  const body = await readBody(request, limits)
  if (body.length === 0) return {}
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
  } catch { /* answered below */ }
  sendError(reply, 400, 'parse_exception', 'request body must be a JSON object')
  return undefined
}

export function registerMetadataRoutes(app: FastifyInstance, state: MetadataState, limits: Limits): void {
  for (const k of KINDS) {
    const map = state.objects[k.kind]
    // Data streams also exist once written to (`logs-shop-default` via a `create` action).
    const entries = (name: string): [string, unknown][] => {
      const found = matching(map, name)
      if (k.kind === 'data_stream') for (const [idx] of matching(state.indices, name)) if (!map.has(idx)) found.push([idx, {}])
      return found
    }
    app.route({
      method: 'GET', url: k.path, exposeHeadRoute: true,
      handler: (_request, reply) => sendJson(reply, 200, k.render(entries('*'))),
    })
    app.route({
      method: 'GET', url: `${k.path}/:name`, exposeHeadRoute: true,
      handler: (request, reply) => {
        const { name } = request.params as { name: string }
        const found = entries(name)
        if (found.length > 0 || isPattern(name)) return sendJson(reply, 200, k.render(found))
        if (!k.missing) return sendJson(reply, 404, {})
        const [type, reason] = k.missing(name)
        return sendError(reply, 404, type, reason)
      },
    })
    app.route({
      method: ['PUT', 'POST'], url: `${k.path}/:name`,
      handler: async (request, reply) => {
        const { name } = request.params as { name: string }
        const body = await jsonBody(request, reply, limits)
        if (!body) return reply
        setBounded(map, name, body)
        return sendJson(reply, 200, ACK)
      },
    })
    app.route({
      method: 'DELETE', url: `${k.path}/:name`,
      handler: (request, reply) => {
        const { name } = request.params as { name: string }
        for (const [n] of matching(map, name)) map.delete(n)
        return sendJson(reply, 200, ACK)
      },
    })
  }
  registerIndexRoutes(app, state, limits)
}

function registerIndexRoutes(app: FastifyInstance, state: MetadataState, limits: Limits): void {
  const describe = (name: string, aliases: Set<string>) => ({
    aliases: Object.fromEntries([...aliases].map((a) => [a, {}])),
    mappings: {},
    settings: { index: { number_of_shards: '1', number_of_replicas: '0', provided_name: name } },
  })

  app.route({
    method: 'PUT', url: '/:index',
    handler: async (request, reply) => {
      const { index } = request.params as { index: string }
      const body = await jsonBody(request, reply, limits)
      if (!body) return reply
      if (state.indices.has(index)) {
        return sendError(reply, 400, 'resource_already_exists_exception', `index [${index}] already exists`)
      }
      noteIndex(state, index)
      const aliases = body.aliases
      if (aliases && typeof aliases === 'object') for (const a of Object.keys(aliases)) state.indices.get(index)?.add(a)
      return sendJson(reply, 200, { acknowledged: true, shards_acknowledged: true, index })
    },
  })
  app.route({
    method: 'GET', url: '/:index', exposeHeadRoute: true,
    handler: (request, reply) => {
      const { index } = request.params as { index: string }
      const found = matching(state.indices, index)
      if (found.length === 0 && !isPattern(index)) return sendError(reply, 404, 'index_not_found_exception', `no such index [${index}]`)
      return sendJson(reply, 200, Object.fromEntries(found.map(([n, a]) => [n, describe(n, a)])))
    },
  })
  const aliasesOf = (name: string) => [...state.indices].filter(([, a]) => name === '*' || a.has(name))
  const renderAliases = (list: [string, Set<string>][]) =>
    Object.fromEntries(list.map(([n, a]) => [n, { aliases: Object.fromEntries([...a].map((x) => [x, {}])) }]))
  app.route({
    method: 'GET', url: '/_alias', exposeHeadRoute: true,
    handler: (_request, reply) => sendJson(reply, 200, renderAliases(aliasesOf('*'))),
  })
  app.route({
    method: 'GET', url: '/_alias/:name', exposeHeadRoute: true,
    handler: (request, reply) => {
      const { name } = request.params as { name: string }
      const list = aliasesOf(name)
      if (list.length === 0) return sendJson(reply, 404, { error: `alias [${name}] missing`, status: 404 })
      return sendJson(reply, 200, renderAliases(list))
    },
  })
  app.route({
    method: ['PUT', 'POST'], url: '/:index/_alias/:name',
    handler: (request, reply) => {
      const { index, name } = request.params as { index: string; name: string }
      noteIndex(state, index)
      state.indices.get(index)?.add(name)
      return sendJson(reply, 200, ACK)
    },
  })
  app.route({
    method: 'POST', url: '/_aliases',
    handler: async (request, reply) => {
      const body = await jsonBody(request, reply, limits)
      if (!body) return reply
      for (const action of Array.isArray(body.actions) ? body.actions : []) {
        const add = (action as { add?: { index?: unknown; alias?: unknown } } | null)?.add
        if (add && typeof add.index === 'string' && typeof add.alias === 'string') {
          noteIndex(state, add.index)
          state.indices.get(add.index)?.add(add.alias)
        }
      }
      return sendJson(reply, 200, ACK)
    },
  })
}
