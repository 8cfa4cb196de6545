import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Limits } from './flatten.ts'
import { JSON_TYPE, sendJson } from './http.ts'

/**
 * The cluster-level answers shippers check before they send anything:
 *  - `GET /` (and `HEAD /`): Beats, the official clients, Logstash, Fluentd and Vector read
 *    `version.number` (≥ 8 → no `_type`), Logstash also `build_flavor`, elasticsearch-ruby the
 *    `tagline` for old versions; all of them the `X-Elastic-Product` header (http.ts).
 *  - `GET /_license`, `GET /_xpack`: Beats and Logstash check for an active license and ILM.
 *  - `GET /_nodes/…`: clients that sniff take `http.publish_address` — the address they used.
 *  - `GET /_cluster/health`: Vector's health check; `GET|HEAD /_cat/health`: rsyslog's
 *    omelasticsearch probes it before resuming a suspended action.
 */

export const VERSION = '8.17.0'
const LUCENE_VERSION = '9.12.0'
const BUILD_HASH = '0000000000000000000000000000000000beacon'
const BUILD_DATE = '2024-12-11T12:08:05.663969764Z'
const CLUSTER_NAME = 'beacon'
const CLUSTER_UUID = randomUUID()
const NODE_ID = randomBytes(16).toString('base64url').slice(0, 22)
const LICENSE_UID = randomUUID()
const STARTED = Date.now()

export function clusterInfo(): Record<string, unknown> {
  return {
    name: 'beacon',
    cluster_name: CLUSTER_NAME,
    cluster_uuid: CLUSTER_UUID,
    version: {
      number: VERSION,
      build_flavor: 'default',
      build_type: 'tar',
      build_hash: BUILD_HASH,
      build_date: BUILD_DATE,
      build_snapshot: false,
      lucene_version: LUCENE_VERSION,
      minimum_wire_compatibility_version: '7.17.0',
      minimum_index_compatibility_version: '7.0.0',
    },
    tagline: 'You Know, for Search',
  }
}

function license(): Record<string, unknown> {
  return {
    license: {
      status: 'active',
      uid: LICENSE_UID,
      type: 'basic',
      issue_date: new Date(STARTED).toISOString(),
      issue_date_in_millis: STARTED,
      max_nodes: 1000,
      max_resource_units: null,
      issued_to: CLUSTER_NAME,
      issuer: 'elasticsearch',
      start_date_in_millis: -1,
    },
  }
}

function xpack(): Record<string, unknown> {
  const on = { available: true, enabled: true }
  const off = { available: false, enabled: false }
  return {
    build: { hash: BUILD_HASH, date: BUILD_DATE },
    license: { uid: LICENSE_UID, type: 'basic', mode: 'basic', status: 'active' },
    features: {
      ilm: on, slm: on, data_streams: on, data_tiers: on, enrich: on, logstash: on, rollup: on, transform: on,
      monitoring: { available: true, enabled: false }, security: { available: true, enabled: false },
      ml: off, watcher: off, graph: off, ccr: off, searchable_snapshots: off, sql: on,
    },
    tagline: 'You know, for X',
  }
}

/** The address the client reached us on: sniffing clients connect to what `_nodes` publishes. */
function publishAddress(request: FastifyRequest): string {
  const host = request.headers.host
  if (host) return host
  const s = request.socket
  return `${s.localAddress ?? '127.0.0.1'}:${s.localPort ?? 9200}`
}

function nodes(request: FastifyRequest, limits: Limits): Record<string, unknown> {
  const address = publishAddress(request)
  const ip = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  return {
    _nodes: { total: 1, successful: 1, failed: 0 },
    cluster_name: CLUSTER_NAME,
    nodes: {
      [NODE_ID]: {
        name: 'beacon',
        transport_address: address,
        host: ip,
        ip,
        version: VERSION,
        build_flavor: 'default',
        build_type: 'tar',
        build_hash: BUILD_HASH,
        roles: ['data', 'ingest', 'master'],
        attributes: {},
        http: { bound_address: [address], publish_address: address, max_content_length_in_bytes: limits.maxBodyBytes },
        ingest: { processors: [] },
      },
    },
  }
}

function health(): Record<string, unknown> {
  return {
    cluster_name: CLUSTER_NAME,
    status: 'green',
    timed_out: false,
    number_of_nodes: 1,
    number_of_data_nodes: 1,
    active_primary_shards: 1,
    active_shards: 1,
    relocating_shards: 0,
    initializing_shards: 0,
    unassigned_shards: 0,
    unassigned_primary_shards: 0,
    delayed_unassigned_shards: 0,
    number_of_pending_tasks: 0,
    number_of_in_flight_fetch: 0,
    task_max_waiting_in_queue_millis: 0,
    active_shards_percent_as_number: 100.0,
  }
}

/** `_cat/health`: text columns by default, JSON with `?format=json`. */
function catHealth(query: Record<string, string | undefined>): { json: boolean; body: string } {
  const now = new Date()
  const row = {
    epoch: String(Math.floor(now.getTime() / 1000)), timestamp: now.toISOString().slice(11, 19), cluster: CLUSTER_NAME,
    status: 'green', 'node.total': '1', 'node.data': '1', shards: '1', pri: '1', relo: '0', init: '0',
    unassign: '0', 'unassign.pri': '0', pending_tasks: '0', max_task_wait_time: '-', active_shards_percent: '100.0%',
  }
  if (query.format === 'json') return { json: true, body: JSON.stringify([row]) }
  const header = query.v !== undefined ? Object.keys(row).join(' ') + '\n' : ''
  return { json: false, body: header + Object.values(row).join(' ') + '\n' }
}

export function registerClusterRoutes(app: FastifyInstance, limits: Limits): void {
  const get = (url: string, body: (request: FastifyRequest) => unknown): void => {
    app.route({ method: 'GET', url, exposeHeadRoute: true, handler: (request, reply) => sendJson(reply, 200, body(request)) })
  }
  get('/', () => clusterInfo())
  get('/_license', () => license())
  get('/_xpack/license', () => license())
  get('/_xpack', () => xpack())
  get('/_nodes', (r) => nodes(r, limits))
  get('/_nodes/*', (r) => nodes(r, limits))
  get('/_cluster/health', () => health())
  get('/_cluster/health/:index', () => health())
  app.route({
    method: 'GET',
    url: '/_cat/health',
    exposeHeadRoute: true,
    handler: (request, reply) => {
      const { json, body } = catHealth(request.query as Record<string, string | undefined>)
      return reply.code(200).header('content-type', json ? JSON_TYPE : 'text/plain; charset=UTF-8').send(body)
    },
  })
}
