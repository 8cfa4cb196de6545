import type { FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Ast } from '@beacon/query'
import type { Config } from '../config/schema.ts'
import type { Store } from '../store/connection.ts'
import type { LiveFeed } from '../pipeline/live.ts'
import type { ArchiveReader } from './archive-search.ts'

/** What API route modules need from the process. */
export interface ApiDeps {
  store: Store
  config: Config
  log: Logger
  /** Readiness facts owned by other parts (migrations, ingest backlog). */
  health(): Promise<Record<string, unknown>>
  /** Applied to every parsed search before it is compiled (security: encrypted fields → blind index). */
  rewriteSearch?: (ast: Ast) => Ast
  /** Durable records as they pass the ingest pipeline (live tail, instant alert rules). */
  live: LiveFeed
  /** Decryption and audit for live tails (set by the security layer; see api/tail.ts). */
  liveReader?: import('./tail.ts').LiveReader
  /**
   * Set by the security layer when it installs (auth/reader-reveal.ts): decrypts or withholds
   * encrypted values in records a route writes itself (streams such as export), as the JSON
   * answers get in preSerialization. Absent: values are passed as stored.
   */
  revealRecords?: (request: FastifyRequest) => RecordReveal
  /** The archive, read in place by `/api/search?scope=archive|all` (absent when the archive is off). */
  archive?: ArchiveReader
}

/** Per-request reader view of records: `apply` rewrites encrypted values in place; `finish` audits the decryptions. */
export interface RecordReveal {
  apply<T>(value: T): T
  finish(): void
}

/** Route-level permission, read by the security layer's preHandler (deny by default). */
export type Permission =
  | 'logs:read' | 'traces:read' | 'aggregates:read' | 'sensitive:decrypt' | 'alerts:read' | 'alerts:manage'
  | 'users:manage' | 'keys:manage' | 'retention:manage' | 'audit:read' | 'public'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the caller must be allowed; routes without it are refused by the security layer. */
    permission?: Permission | Permission[]
  }
}

/** Query-string value as a string ('' when absent or repeated oddly). */
export function qs(query: unknown, name: string): string {
  const v = (query as Record<string, unknown> | undefined)?.[name]
  if (Array.isArray(v)) return String(v[0] ?? '')
  return v === undefined || v === null ? '' : String(v)
}

export function intParam(query: unknown, name: string, dflt: number, min: number, max: number): number {
  const raw = qs(query, name)
  if (raw === '') return dflt
  const n = Number(raw)
  if (!Number.isInteger(n)) return dflt
  return Math.min(max, Math.max(min, n))
}
