/**
 * A service name derived from an Elasticsearch index name, for documents that carry none.
 *
 * The rule, applied in order:
 *  1. Leading `.ds-` (a data stream's backing index) and leading dots are dropped.
 *  2. Rollover and date suffixes are dropped: `-000001`, `-2026.11.22`, `-2026-11-22`, `-2026.11`,
 *     `-20261122`, `-2026.11.22.10` (Logstash/Filebeat/Fluentd `logstash_format` naming).
 *  3. A Beats version suffix is dropped: `filebeat-8.17.0` → `filebeat`.
 *  4. A data stream name `{type}-{dataset}-{namespace}` (type logs, metrics, traces, synthetics)
 *     gives its dataset: `logs-shop-api-default` → `shop-api`, `logs-nginx.access-prod` →
 *     `nginx.access`. The catch-all dataset `generic` (Logstash's default) names no service.
 *  5. What remains is the service (`crm-api-2026.11.22` → `crm-api`) — unless it is the name of a
 *     shipper (`filebeat`, `logstash`, `fluentd`, `vector`, `rsyslog`, …), which says who
 *     delivered the log, not who wrote it. Then `shipper` is true and the mapping looks at the
 *     document's container/agent fields first, using the shipper name only as the last resort
 *     (see ecs.ts `serviceFor`). Generic names (`logs`, `events`, `docker`, …) are treated the
 *     same way but give no service at all (the normalize stage then says `unknown_service`).
 */

export interface IndexService {
  /** The derived name ('' when the index names no service). */
  service: string
  /** True when the index is a log shipper's default or a generic name rather than an application. */
  shipper: boolean
}

const SHIPPERS: ReadonlySet<string> = new Set([
  'filebeat', 'winlogbeat', 'journalbeat', 'auditbeat', 'packetbeat', 'heartbeat', 'metricbeat', 'functionbeat',
  'logstash', 'fluentd', 'fluent-bit', 'fluentbit', 'td-agent', 'vector', 'rsyslog', 'syslog', 'syslog-ng', 'ecs-logstash',
])
/** Index names that say nothing about the writer: like a shipper's, but not even a last resort. */
const GENERIC: ReadonlySet<string> = new Set(['logs', 'log', 'events', 'docker', 'kubernetes', 'k8s', 'default'])

const ROLLOVER = /-\d{6}$/
const DATE = /[-_.](?:\d{4}[.\-_]\d{2}(?:[.\-_]\d{2}(?:[.\-_]\d{2})?)?|\d{8})$/
const BEATS_VERSION = /-\d+\.\d+\.\d+(?:-[a-z0-9]+)?$/i
const DATA_STREAM = /^(?:logs|metrics|traces|synthetics)-(.+)-[^-]+$/

const NONE: IndexService = { service: '', shipper: false }
const cache = new Map<string, IndexService>()

/** The service an index name stands for; see the module comment for the rule. */
export function serviceFromIndex(index: string): IndexService {
  const hit = cache.get(index)
  if (hit) return hit
  const result = derive(index)
  if (cache.size >= 10_000) cache.clear() // bounded: index names come from clients
  cache.set(index, result)
  return result
}

function derive(index: string): IndexService {
  let name = index.trim()
  if (name.startsWith('.ds-')) name = name.slice(4)
  while (name.startsWith('.')) name = name.slice(1)
  name = name.replace(ROLLOVER, '')
  name = name.replace(DATE, '')
  name = name.replace(BEATS_VERSION, '')
  const ds = DATA_STREAM.exec(name)
  if (ds) {
    const dataset = ds[1]
    if (dataset === 'generic') return NONE
    name = dataset
  }
  if (name === '' || /[*?{}<>%]/.test(name)) return NONE // empty, a pattern or an unresolved template
  const lower = name.toLowerCase()
  if (GENERIC.has(lower)) return { service: '', shipper: true }
  if (SHIPPERS.has(lower)) return { service: name, shipper: true }
  return { service: name, shipper: false }
}
