import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import type { Ingestor } from '../pipeline/pipeline.ts'

/**
 * What every receiver (OTLP, Elasticsearch bulk, …) gets from the process. A receiver is a
 * function that registers its routes on the listener's Fastify instance; it decodes requests into
 * a Batch and hands it to `ingest`. It never writes to the store itself.
 */
export interface ReceiverDeps {
  ingest: Ingestor
  limits: Config['limits']
  logger: Logger
  auth: IngestAuth
}

export type Receiver = (app: FastifyInstance, deps: ReceiverDeps) => void | Promise<void>

/** Who is sending. `service` set means the key is bound to one service name. */
export interface IngestPrincipal { keyId?: string; service?: string }

export type IngestAuthResult =
  | { ok: true; principal: IngestPrincipal }
  | { ok: false; status: 401 | 403; message: string }

/**
 * Checks an ingest request's credentials (`Authorization: Bearer …` for OTLP; `ApiKey …` or
 * Basic for Elasticsearch shippers). The security module provides the real one; `openIngestAuth`
 * accepts everything (BEACON_AUTH=off on loopback).
 */
export interface IngestAuth {
  authenticate(headers: Record<string, string | string[] | undefined>): Promise<IngestAuthResult>
}

export const openIngestAuth: IngestAuth = {
  async authenticate() {
    return { ok: true, principal: {} }
  },
}
