import { freeKey } from '../otlp/attributes.ts'
import { attrs, type Attributes } from '../../pipeline/record.ts'
import type { Config } from '../../config/schema.ts'

/**
 * Flattening of one Elasticsearch (ECS) document into dotted string attributes, within the
 * configured limits. This runs for every document of every bulk request, so it allocates little:
 * one pass over the document's own keys, writing straight into the two target maps.
 *
 *   {"http":{"request":{"method":"GET"}}, "host.name":"web-1", "tags":["a","b"], "n":3}
 *     → attributes { 'http.request.method': 'GET', tags: '["a","b"]', n: '3' }
 *       resource   { 'host.name': 'web-1' }
 *
 * - Nested objects and dotted keys both end as dotted keys; arrays become JSON text; numbers and
 *   booleans become text; `null` is skipped (Elasticsearch treats it as "no value").
 * - Only own keys are read (`Object.keys`) and the targets are `attrs()` maps (no inherited
 *   keys, fast properties), so `__proto__` / `constructor` in a document are ordinary keys, never pollution.
 * - Objects deeper than `limits.maxDepth` are kept whole, as JSON text.
 */

export type Limits = Config['limits']

/** Top-level ECS field sets that describe the producer, not the event: they go to the resource. */
export const RESOURCE_ROOTS: ReadonlySet<string> = new Set([
  'host', 'agent', 'ecs', 'cloud', 'container', 'kubernetes', 'orchestrator', 'service',
])

/** Ends every value cut by a size limit. */
export const TRUNCATION_MARK = '…[truncated]'
const MARK_BYTES = Buffer.byteLength(TRUNCATION_MARK)

/** `s` cut to at most `maxBytes` UTF-8 bytes (ending with TRUNCATION_MARK when cut). */
export function capBytes(s: string, maxBytes: number): string {
  // Fast path: a UTF-16 code unit is at most 3 UTF-8 bytes.
  if (s.length * 3 <= maxBytes) return s
  if (Buffer.byteLength(s) <= maxBytes) return s
  const keep = Math.max(0, maxBytes - MARK_BYTES)
  let cut = Buffer.from(s.slice(0, keep)).subarray(0, keep).toString()
  // A cut inside a multi-byte character leaves a replacement character: drop it.
  while (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1)
  return cut + TRUNCATION_MARK
}

/** JSON text of a value that is kept whole (arrays, too-deep objects). Never throws. */
export function jsonText(v: unknown, maxBytes: number): string {
  let s: string
  try {
    s = JSON.stringify(v) ?? ''
  } catch {
    s = '[unserializable]' // nesting deeper than the stack allows
  }
  return capBytes(s, maxBytes)
}

export interface FlatDocument {
  attributes: Attributes
  resource: Attributes
  /** Keys stored in both maps together (at least; see `put`). */
  count: number
  /** Keys not stored because the document has far more fields than `maxAttributes`. */
  dropped: number
}

/**
 * Flattened keys that are looked up after flattening (timestamp, level, service, ids…). When a
 * document has so many fields that flattening stops storing them, these are still kept, so a huge
 * document still gets its time and service right.
 */
const PRIORITY_KEYS: ReadonlySet<string> = new Set([
  '@timestamp', 'timestamp', 'time', 'log.level', 'level', 'severity', 'log.syslog.severity.name',
  'service.name', 'service', 'app', 'kubernetes.labels.app', 'log.syslog.appname', 'appname', 'programname',
  'trace.id', 'span.id', 'trace_id', 'span_id', 'traceId', 'spanId',
  'container.name', 'kubernetes.container.name', 'agent.name', 'host.name', 'host.hostname',
])

/**
 * Flattens `doc` into a new FlatDocument. `skip` names one top-level key left out (the message,
 * which the caller takes whole with its own, larger limit).
 */
export function flattenDocument(doc: Record<string, unknown>, limits: Limits, skip?: string): FlatDocument {
  const out = newFlat()
  const hardCap = limits.maxAttributes + 64
  const keys = Object.keys(doc)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    if (key !== skip) member(out, key, doc[key], limits, hardCap)
  }
  return out
}

/** The same from a document's member names and values in order (a ScannedDocument's). */
export function flattenMembers(keys: readonly string[], values: readonly unknown[], limits: Limits, skip?: string): FlatDocument {
  const out = newFlat()
  const hardCap = limits.maxAttributes + 64
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    if (key !== skip) member(out, key, values[i], limits, hardCap)
  }
  return out
}

function newFlat(): FlatDocument {
  return { attributes: attrs(), resource: attrs(), count: 0, dropped: 0 }
}

// Flattening keeps going past maxAttributes (fields looked up later may come last), but stops
// storing ordinary fields at `hardCap` so a document with a million keys costs bounded memory.
function member(out: FlatDocument, key: string, value: unknown, limits: Limits, hardCap: number): void {
  const target = describesProducer(key) ? out.resource : out.attributes
  // Vector and syslog shippers send `host` as a plain string: that is ECS `host.name`.
  if (key === 'host' && typeof value === 'string') put(out, target, 'host.name', value, limits, hardCap)
  else visit(out, target, key, value, 1, limits, hardCap)
}

// Whether a top-level key belongs to the resource, by key: the same few keys come in every document,
// and a lookup by a key string (its hash kept in it) is cheaper than slicing out its root to look up.
const producerKeys = new Map<string, boolean>()

function describesProducer(key: string): boolean {
  let yes = producerKeys.get(key)
  if (yes === undefined) {
    const dot = key.indexOf('.')
    yes = RESOURCE_ROOTS.has(dot < 0 ? key : key.slice(0, dot))
    if (producerKeys.size >= 10_000) producerKeys.clear() // bounded: field names come from clients
    producerKeys.set(key, yes)
  }
  return yes
}

function visit(out: FlatDocument, target: Attributes, key: string, value: unknown, depth: number, limits: Limits, hardCap: number): void {
  if (value === null || value === undefined) return
  switch (typeof value) {
    case 'string':
      put(out, target, key, value, limits, hardCap)
      return
    case 'number':
    case 'boolean':
    case 'bigint':
      put(out, target, key, String(value), limits, hardCap)
      return
    case 'object':
      break
    default:
      return
  }
  if (Array.isArray(value)) {
    if (value.length > 0) put(out, target, key, jsonText(value, limits.maxAttributeValueBytes), limits, hardCap)
    return
  }
  if (depth >= limits.maxDepth) {
    put(out, target, key, jsonText(value, limits.maxAttributeValueBytes), limits, hardCap)
    return
  }
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj)
  const children = childKeys(key)
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]
    let child = children.get(k)
    if (child === undefined) {
      child = key + '.' + k
      children.set(k, child)
      cachedKeys++
    }
    visit(out, target, child, obj[k], depth + 1, limits, hardCap)
  }
}

// Dotted keys are built once and reused: documents of one stream repeat the same fields, and a
// reused key string carries its computed hash, so storing it in the attribute map is cheaper than
// concatenating (and hashing) a fresh string per field per document.
const keyCache = new Map<string, Map<string, string>>()
let cachedKeys = 0

function childKeys(parent: string): Map<string, string> {
  let m = keyCache.get(parent)
  if (m === undefined) {
    if (cachedKeys > 100_000) { keyCache.clear(); cachedKeys = 0 } // bounded: field names come from clients
    m = new Map()
    keyCache.set(parent, m)
  }
  return m
}

// `count` counts stores, not distinct keys (a dotted key and the same nested path are rare);
// enforceAttributeLimit counts exactly when the limit may be exceeded.
function put(out: FlatDocument, target: Attributes, key: string, value: string, limits: Limits, hardCap: number): void {
  if (out.count >= hardCap && !PRIORITY_KEYS.has(key)) {
    out.dropped++
    return
  }
  // `"a.b": 1` and `"a": {"b": 2}` flatten to one key: keep both (`a.b#2`)
  target[target[key] === undefined ? key : freeKey(target, key)] = capBytes(value, limits.maxAttributeValueBytes)
  out.count++
}

/**
 * Enforces `limits.maxAttributes` over resource and attributes together: resource keys (few, and
 * describing the source) are kept first, then attributes in document order. Returns how many keys
 * were dropped (including those flattening already skipped).
 */
export function enforceAttributeLimit(flat: FlatDocument, maxAttributes: number): number {
  let dropped = flat.dropped
  if (flat.count <= maxAttributes) return dropped
  flat.count = Object.keys(flat.resource).length + Object.keys(flat.attributes).length
  if (flat.count <= maxAttributes) return dropped
  let budget = maxAttributes
  for (const map of [flat.resource, flat.attributes]) {
    for (const k of Object.keys(map)) {
      if (budget > 0) budget--
      else { delete map[k]; dropped++ }
    }
  }
  flat.count = maxAttributes
  return dropped
}
