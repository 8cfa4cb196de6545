import type { RuleInput } from './rule.ts'

/** The attribute the identical-requests detector counts (`alerts.bodyHashAttribute`). */
export const DEFAULT_BODY_HASH_ATTRIBUTE = 'http.request.body.hash'

/**
 * Built-in detectors, on by default, sent to the default channels. Each is an ordinary rule
 * (editable through the API, or in beacon.config.yaml `alerts.detectors.<id>`; `false` turns it off).
 * Thresholds are meant to stay quiet on the company's steady traffic and fire on the demo's incidents
 * (examples/company/test/alerts.int.test.ts; the 10-minute steady run in BENCHMARKS.md).
 */
export function builtinDetectors(bodyHashAttribute = DEFAULT_BODY_HASH_ATTRIBUTE, capWarnPercent = 80): Record<string, RuleInput> {
  return {
    ...DETECTORS,
    identical_requests: identicalRequests(bodyHashAttribute),
    storage_cap: storageCap(capWarnPercent),
  }
}

/** A service at `percent` % of its retention size cap (retention.capWarnPercent, the Storage page's warning). */
function storageCap(percent: number): RuleInput {
  return {
    name: 'Service near its storage size cap', kind: 'storage_cap', query: '', op: '>=', threshold: percent, windowSeconds: 60, groupBy: ['service'],
    severity: 'warning', renotifySeconds: 86_400,
    description: `A service's stored data reached ${percent} % of its size cap: above 100 % its oldest days are archived and dropped.`,
  }
}

/**
 * Identical requests: the same body to the same path. Grouped by `url.path` too, so that requests
 * whose data is in the path (`PATCH /orders/<id>/status {"status":"done"}`, one per order) are not
 * counted as one repeated request; records without `url.path` group by the hash alone.
 */
function identicalRequests(attr: string): RuleInput {
  return {
    name: 'Many identical requests', kind: 'threshold', query: `${attr}:*`, aggregate: 'count', op: '>=', threshold: 20,
    windowSeconds: 60, groupBy: ['service', 'url.path', attr], severity: 'warning',
    description: `The same request (path and body hash, attribute ${attr}) 20 or more times a minute.`,
  }
}

/** Shipped defaults of earlier versions: a stored detector still equal to one is upgraded at start. */
export const PREVIOUS_DEFAULTS: Record<string, RuleInput[]> = {
  identical_requests: [{
    name: 'Many identical requests', kind: 'threshold', query: 'http.request.body.hash:*', aggregate: 'count', op: '>=', threshold: 20,
    windowSeconds: 60, groupBy: ['service', 'http.request.body.hash'], severity: 'warning',
    description: 'The same request body (SDK body hash) 20 or more times a minute.',
  }],
}

export const DETECTORS: Record<string, RuleInput> = {
  fatal: {
    name: 'FATAL: a service or equipment failed', kind: 'instant', query: 'level:fatal', groupBy: ['service'],
    severity: 'critical', windowSeconds: 300, description: 'Every FATAL record, notified within seconds.',
  },
  http_5xx: {
    name: 'HTTP 5xx errors', kind: 'threshold', query: 'http.status:>=500', aggregate: 'count', op: '>=', threshold: 5,
    windowSeconds: 60, groupBy: ['service'], severity: 'critical', description: 'Five or more 5xx answers per service within a minute.',
  },
  http_4xx_rate: {
    name: 'Many invalid requests (4xx rate)', kind: 'threshold', query: 'http.status:[400 TO 499]', aggregate: 'ratio', ratioOf: 'http.status:*',
    op: '>=', threshold: 0.3, minCount: 30, windowSeconds: 60, groupBy: ['service'], for: 30, severity: 'warning',
    description: 'At least 30 % of a service\'s requests answered 4xx over a minute (at least 30 requests).',
  },
  http_4xx_client: {
    name: 'Many invalid requests from one client', kind: 'threshold', query: 'http.status:[400 TO 499]', aggregate: 'count', op: '>=', threshold: 30,
    windowSeconds: 60, groupBy: ['client.ip'], severity: 'warning', description: '30 or more 4xx answers to one client address within a minute.',
  },
  identical_requests: identicalRequests(DEFAULT_BODY_HASH_ATTRIBUTE),
  ops_jump: {
    name: 'Sudden jump in operations', kind: 'anomaly', query: 'http.status:*', windowSeconds: 60, groupBy: ['service'], minCount: 60,
    anomaly: { direction: 'up', sensitivity: 5, warmupIntervals: 30 }, severity: 'warning',
    description: 'Requests per service per minute far above the usual (seasonal median/MAD, else EWMA).',
  },
  ddos_client: {
    name: 'DDoS-like traffic from one client', kind: 'threshold', query: 'client.ip:*', aggregate: 'count', op: '>=', threshold: 600,
    windowSeconds: 60, groupBy: ['client.ip'], severity: 'critical', description: '600 or more requests per minute from one client address.',
  },
  ddos_distinct_ips: {
    name: 'Surge of distinct client addresses', kind: 'threshold', query: 'client.ip:*', aggregate: 'distinct', field: 'client.ip', op: '>=', threshold: 500,
    windowSeconds: 60, severity: 'critical', description: '500 or more distinct client addresses within a minute.',
  },
  orders_created: {
    name: 'Orders created: unusual volume', kind: 'anomaly', query: 'event.action:order.created', windowSeconds: 300, minCount: 10,
    anomaly: { direction: 'both', sensitivity: 4, warmupIntervals: 24 }, severity: 'warning',
    description: 'Orders created per 5 minutes outside the expected band (up or down).',
  },
  dead_letters: {
    name: 'Messages dead-lettered', kind: 'threshold', query: 'event.action:message.dead_lettered', aggregate: 'count', op: '>=', threshold: 1,
    windowSeconds: 60, groupBy: ['service'], severity: 'warning', description: 'Any RabbitMQ message landing in a dead-letter queue.',
  },
  storage_cap: storageCap(80),
  lost_messages: {
    name: 'Messages lost between CRM and MES', kind: 'lost_messages', target: 'spans', query: '', windowSeconds: 300, severity: 'critical',
    description: 'A RabbitMQ publish span with no consumer span in the same trace within 5 minutes.',
  },
}
