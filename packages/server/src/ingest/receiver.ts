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

/**
 * A receiver that owns its sockets (gRPC, syslog, Forward) instead of routes on an HTTP listener.
 * `start` binds and resolves once it accepts connections.
 */
export interface SocketReceiver {
  readonly name: string
  start(at: { host: string; port: number }): Promise<OpenListener>
}

export interface OpenListener {
  /** What the start banner prints, e.g. `127.0.0.1:4317` or `udp+tcp://127.0.0.1:5514`. */
  address: string
  port: number
  close(): Promise<void>
}

/** TLS material for socket receivers (the configured certificate; client CA when set). */
export interface ListenerTls { cert: Buffer; key: Buffer; ca?: Buffer }

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
