/**
 * Response shapes of the Beacon API the UI reads (see packages/server/src/api). Record, order-row
 * and service-map shapes are the server's own types, imported as types only (erased by the build:
 * no server code in the bundle); the rest are declared here.
 */
import type { LogView, MapEdge, MapNode, OrderListRow, SpanView } from '@beacon/server/api-types'

/** A log record as search, context, tail and the timeline answer it (the server's own type). */
export type LogHit = Omit<LogView, 'id'> & { id?: string }

/** A span as the API answers it (the server's own type). */
export interface SpanHit extends Omit<SpanView, 'id'> {
  id?: string
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

export type OrderRow = OrderListRow

export interface ServiceStats {
  name: string; logs: number; errors: number; fatals: number; spans: number; spanErrors: number; p95SpanMs: number | null; lastSeen: string
}

export interface AggregateResponse {
  from: string; to: string; intervalMs?: number; metrics: string[]; groupBy: string[]
  rows: { time?: string; key: Record<string, string>; values: Record<string, number | null> }[]
  truncated?: boolean
}

export interface ServiceMapResponse { from: string; to: string; nodes: MapNode[]; edges: MapEdge[] }

export interface SavedSearch { id: string; name: string; query: string; owner: string; createdAt: string }

export interface ApiError { status: number; error: string; message: string; position?: number; expected?: string }
