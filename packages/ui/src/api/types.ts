/** Response shapes of the Beacon API the UI reads (see packages/server/src/api). */

export interface LogHit {
  kind: 'log'
  id?: string
  time: string
  timeUnixNano: string
  service: string
  level: string
  severityNumber: number
  body: string
  traceId: string
  spanId: string
  eventName: string
  orderId: string
  userId: string
  httpStatus: number | null
  httpRoute: string
  eventAction: string
  attributes: Record<string, string>
  resource: Record<string, string>
}

export interface SpanHit {
  kind: 'span'
  id?: string
  time: string
  timeUnixNano: string
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  spanKind: string
  service: string
  durationNano: string
  durationMs: number
  status: string
  statusMessage: string
  orderId: string
  userId: string
  httpStatus: number | null
  httpRoute: string
  attributes: Record<string, string>
  resource: Record<string, string>
  events: { time: string; timeUnixNano: string; name: string; attributes: Record<string, string> }[]
  /** `GET /api/traces/{id}` only: tree depth, children and critical-path flag (docs/api.md). */
  depth?: number
  childCount?: number
  critical?: boolean
}

export type Hit = LogHit | SpanHit

export interface SearchResponse {
  target: 'logs' | 'spans'
  query: string
  from: string
  to: string
  total: number
  events: Hit[]
  histogram: { bucketSeconds: number; buckets: { time: string; counts: Record<string, number> }[] }
  nextCursor: string | null
  warnings?: string[]
  eventsWithheld?: string
  /** `scope=archive|all` only: what was read from the archive. */
  archive?: { objectsRead: number; days: string[] }
}

export interface Me {
  kind?: string
  id?: string
  name?: string
  roles: string[]
  permissions: string[]
  authenticated: boolean
  csrfToken?: string
}

export interface TraceResponse {
  traceId: string
  services: string[]
  durationMs: number
  errors: number
  spans: SpanHit[]
  logs: LogHit[]
}

export interface TraceSummary {
  traceId: string; rootService: string; rootOperation: string; start: string
  durationMs: number; spanCount: number; services: string[]; errorCount: number
}

export interface TimelineResponse {
  orderId: string
  from: string
  to: string
  summary: {
    services: string[]; traceIds: string[]; first: string | null; last: string | null; errors: number
    currentStatus: string | null
    statusChanges: { time: string; service: string; from: string; to: string }[]
  }
  entries: Hit[]
}

export interface OrderRow {
  orderId: string; status: string; lastChange: string; firstSeen: string; lastService: string
  ageSeconds: number; stuck: boolean; reason: string | null; errors: number; complaints: number
}

export interface ServiceStats {
  name: string; logs: number; errors: number; fatals: number; spans: number; spanErrors: number; p95SpanMs: number | null; lastSeen: string
}

export interface AggregateResponse {
  from: string; to: string; intervalMs?: number; metrics: string[]; groupBy: string[]
  rows: { time?: string; key: Record<string, string>; values: Record<string, number | null> }[]
  truncated?: boolean
}

export interface ServiceMapResponse {
  from: string; to: string
  nodes: { id: string; kind: 'service' | 'queue'; requests: number; errors: number; errorRate: number; p95Ms: number | null; ratePerMin: number }[]
  edges: { source: string; target: string; kind: 'http' | 'messaging'; requests: number; errors: number; errorRate: number; p95Ms: number | null; ratePerMin: number }[]
}

export interface SavedSearch { id: string; name: string; query: string; owner: string; createdAt: string }

export interface ApiError { status: number; error: string; message: string; position?: number; expected?: string }
