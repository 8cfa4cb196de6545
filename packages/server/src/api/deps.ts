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
  /**
   * What a reader may see of encrypted values, per request (set by the security layer:
   * auth/reader-decryption.ts): JSON answers, live-tail events and export lines all pass through
   * it. Absent: encrypted values are withheld from everyone.
   */
  reader?: Reader
  /** The archive, read in place by `/api/search?scope=archive|all` (absent when the archive is off). */
  archive?: ArchiveReader
}

/** The reader view of records for one request (its principal's permissions). */
export type Reader = (request: FastifyRequest) => ReaderView

export interface ReaderView {
  /** Decrypts (`sensitive:decrypt`) or withholds (`[encrypted]`) encryption tokens anywhere in a value, in place. */
  apply<T>(value: T): T
  /** Audits the decryptions applied since the last call (one `sensitive.decrypt` entry; nothing when none). */
  finish(): void
  /** Audits an access the route records itself (a live tail opening and closing). */
  audit(action: string, rows: number): void
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
