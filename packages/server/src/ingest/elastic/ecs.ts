import { attrs, type Attributes, type LogRecord } from '../../pipeline/record.ts'
import { capBytes, enforceAttributeLimit, flattenDocument, flattenMembers, type FlatDocument, type Limits } from './flatten.ts'
import { ScannedDocument } from './scan.ts'
import { serviceFromIndex } from './service-name.ts'
import { parseTimestamp } from './timestamp.ts'

/**
 * One Elasticsearch document (ECS or free-form JSON) → one LogRecord.
 *
 *   document ─ message taken whole (own size limit) ─┐
 *            └ flatten → resource / attributes ──────┴→ pick mapped fields → limits → LogRecord
 *
 * Mapped fields (first present wins; the chosen one leaves the attributes, the others stay):
 *   time      `@timestamp`, `timestamp`, `time`, `timereported` (first that parses; an unparsable
 *             one stays an attribute; fallback: the receive time)
 *   body      `message`, `msg`, `log` (a string), `MESSAGE` (journald); none → the remaining
 *             attributes as JSON text
 *   severity  `log.level`, `level`, `severity` (and `priority` in rsyslog's default template),
 *             then `log.syslog.severity.name` (kept too)
 *   service   `service.name`, `service` (a string), `app`, `kubernetes.labels.app`,
 *             `log.syslog.appname`, `appname`, `programname` (all but the first two kept), then
 *             the index name (service-name.ts)
 *   trace     `trace.id` / `span.id` (also `trace_id`, `traceId`, `span_id`, `spanId`), only when
 *             32 / 16 hex characters; otherwise they stay attributes
 * Everything else keeps its ECS name as an attribute (`http.response.status_code`, `url.path`,
 * `user.id`, `event.action`, `client.ip`, `order.id`, …); the producer's field sets (`host.*`,
 * `agent.*`, `ecs.*`, `cloud.*`, `container.*`, `kubernetes.*`, `orchestrator.*`, `service.*`) go
 * to the resource. The index is kept as `elastic.index`.
 */

export interface MappingContext {
  limits: Limits
  /** Receive time of the request, ns since epoch (also the fallback event time). */
  observedTimeUnixNano: string
}

const MESSAGE_KEYS = ['message', 'msg', 'log', 'MESSAGE'] as const
// `timereported` / `priority`: rsyslog omelasticsearch's default template (StdJSONFmt), which
// sends {"message","fromhost","facility","priority","timereported","timegenerated"}.
const TIME_KEYS = ['@timestamp', 'timestamp', 'time', 'timereported'] as const
const LEVEL_KEYS = ['log.level', 'level', 'severity'] as const
const RSYSLOG_LEVEL_KEYS = ['log.level', 'level', 'severity', 'priority'] as const
const TRACE_KEYS = ['trace.id', 'trace_id', 'traceId'] as const
const SPAN_KEYS = ['span.id', 'span_id', 'spanId'] as const
const SERVICE_KEPT_KEYS = ['app', 'kubernetes.labels.app', 'log.syslog.appname', 'appname', 'programname'] as const
const HEX32 = /^[0-9a-fA-F]{32}$/
const HEX16 = /^[0-9a-fA-F]{16}$/

/** Attribute set on a record whose document had more fields than `limits.maxAttributes`. */
export const TRUNCATED_ATTRIBUTE = 'beacon.truncated'
/** Attribute holding the Elasticsearch index (or data stream) the document was sent to. */
export const INDEX_ATTRIBUTE = 'elastic.index'

/** A document as parsed (JSON.parse), or as read from the request bytes (bulk.ts, scan.ts). */
export type Document = Record<string, unknown> | ScannedDocument

/** Maps one document. Never throws for any JSON object. */
export function documentToRecord(doc: Document, index: string, ctx: MappingContext): LogRecord {
  const { limits } = ctx
  const scanned = doc instanceof ScannedDocument
  let messageKey: string | undefined
  let body = ''
  for (const k of MESSAGE_KEYS) {
    let v: unknown
    if (scanned) {
      const i = doc.keys.indexOf(k)
      if (i < 0) continue
      v = doc.values[i]
    } else {
      if (!Object.hasOwn(doc, k)) continue
      v = doc[k]
    }
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      messageKey = k
      body = capBytes(String(v), limits.maxBodyFieldBytes)
      break
    }
  }
  const flat = scanned ? flattenMembers(doc.keys, doc.values, limits, messageKey) : flattenDocument(doc, limits, messageKey)
  let attributes = flat.attributes
  const resource = flat.resource
  takenAttributes.length = 0
  takenResource.length = 0

  let timeUnixNano = ctx.observedTimeUnixNano
  for (const k of TIME_KEYS) {
    const v = attributes[k]
    if (v === undefined) continue
    const t = parseTimestamp(v)
    if (t !== undefined) { timeUnixNano = t; take(flat, attributes, k); break }
  }
  let severityText = ''
  // `priority` means the syslog severity only in rsyslog's default template; elsewhere it is data.
  for (const k of attributes.timegenerated !== undefined ? RSYSLOG_LEVEL_KEYS : LEVEL_KEYS) {
    const v = attributes[k]
    if (v !== undefined) { severityText = v; take(flat, attributes, k); break }
  }
  if (severityText === '') severityText = attributes['log.syslog.severity.name'] ?? ''
  const traceId = pickId(flat, attributes, TRACE_KEYS, HEX32)
  const spanId = pickId(flat, attributes, SPAN_KEYS, HEX16)
  const serviceName = serviceFor(flat, index)
  // The mapped fields leave their maps by a copy without them: `delete` would turn each map into a
  // slow dictionary for every later stage and the encoder.
  if (takenAttributes.length > 0) attributes = flat.attributes = without(attributes, takenAttributes)
  if (takenResource.length > 0) flat.resource = without(resource, takenResource)

  const dropped = enforceAttributeLimit(flat, limits.maxAttributes)
  if (messageKey === undefined) body = bodyFromAttributes(attributes, limits.maxBodyFieldBytes)
  if (index !== '') attributes[INDEX_ATTRIBUTE] = index
  if (dropped > 0) attributes[TRUNCATED_ATTRIBUTE] = 'attributes' // same value as the OTLP receiver

  return {
    timeUnixNano,
    observedTimeUnixNano: ctx.observedTimeUnixNano,
    severityText,
    severityNumber: 0,
    serviceName,
    body,
    traceId,
    spanId,
    traceFlags: 0,
    eventName: '',
    scopeName: '',
    scopeVersion: '',
    resource: flat.resource,
    attributes,
  }
}

/** Keys taken out of the current document's maps (documentToRecord is synchronous: one pair of lists is enough). */
const takenAttributes: string[] = []
const takenResource: string[] = []

function take(flat: FlatDocument, map: Attributes, key: string): void {
  ;(map === flat.resource ? takenResource : takenAttributes).push(key)
  flat.count--
}

function without(map: Attributes, keys: readonly string[]): Attributes {
  const out = attrs()
  for (const k in map) if (!keys.includes(k)) out[k] = map[k]
  return out
}

function pickId(flat: FlatDocument, attributes: Attributes, keys: readonly string[], re: RegExp): string {
  for (const k of keys) {
    const v = attributes[k]
    if (v === undefined) continue
    if (!re.test(v)) return '' // present but not an OTel id: stays an attribute only
    take(flat, attributes, k)
    return v.toLowerCase()
  }
  return ''
}

/** See the module comment: explicit service fields, then the index, then for shipper indices the container/agent. */
function serviceFor(flat: FlatDocument, index: string): string {
  const { resource, attributes } = flat
  const explicit = resource['service.name'] ?? resource['service']
  if (explicit !== undefined && explicit !== '') {
    take(flat, resource, resource['service.name'] !== undefined ? 'service.name' : 'service')
    return explicit
  }
  for (const k of SERVICE_KEPT_KEYS) {
    const v = attributes[k] ?? resource[k]
    if (v !== undefined && v !== '') return v
  }
  const fromIndex = serviceFromIndex(index)
  if (!fromIndex.shipper) return fromIndex.service
  // A shipper's default index (filebeat-*, logstash-*, …) says who delivered the log. A container
  // name, or an agent name set apart from the host name, says more about who wrote it.
  const container = resource['container.name'] ?? resource['kubernetes.container.name']
  if (container) return container
  const agent = resource['agent.name']
  if (agent && agent !== resource['host.name'] && agent !== resource['host.hostname']) return agent
  return fromIndex.service
}

/** A document without a message: its remaining event fields, as JSON text, make the body. */
function bodyFromAttributes(attributes: Attributes, maxBytes: number): string {
  let empty = true
  for (const _ in attributes) { empty = false; break }
  return empty ? '' : capBytes(JSON.stringify(attributes), maxBytes)
}
