import { createHash } from 'node:crypto'
import * as grpc from '@grpc/grpc-js'
import type { IngestOutcome } from '../../pipeline/pipeline.ts'
import type { Batch, LogRecord, SpanRecord } from '../../pipeline/record.ts'
import type { ListenerTls, OpenListener, ReceiverDeps, SocketReceiver } from '../receiver.ts'
import { decodeLogs, decodeTraces, type DecodeResult } from './decode.ts'
import { ProtoWriter, exportResponse, type OtlpSignal } from './responses.ts'

/**
 * OTLP/gRPC receiver (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc) on BEACON_OTLP_GRPC_PORT.
 * No generated stubs: each Export method takes the raw request bytes and hands them to the same
 * protobuf decoders as OTLP/HTTP (decode.ts).
 *
 *   LogsService/Export, TraceService/Export (grpc-encoding gzip handled by grpc-js)
 *     message over limits.maxBodyBytes (wire or inflated) ──▶ RESOURCE_EXHAUSTED (grpc-js)
 *     authorization metadata ──✗──▶ UNAUTHENTICATED / PERMISSION_DENIED
 *     decode ──✗──▶ INVALID_ARGUMENT (never retried by exporters)
 *     Batch ──▶ ingest.submit ──▶ ok / duplicate → OK (partial_success when records were rejected)
 *                                 retry 429      → RESOURCE_EXHAUSTED + RetryInfo
 *                                 retry 503      → UNAVAILABLE + RetryInfo
 *                                 throws         → UNAVAILABLE + RetryInfo (logged; nothing stored)
 *   MetricsService/Export: accepted and dropped, with a partial_success warning (as on HTTP).
 */

const SERVICES: Record<OtlpSignal, string> = {
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
}
const METRICS_WARNING = 'Beacon does not store metrics: this export was accepted and dropped. Send logs and traces.'
const INTERNAL_RETRY_SECONDS = 5

const raw = (b: Buffer): Buffer => b

function definition(signal: OtlpSignal): grpc.ServiceDefinition {
  return {
    Export: {
      path: SERVICES[signal], requestStream: false, responseStream: false,
      requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw,
      originalName: 'export',
    },
  }
}

export interface OtlpGrpcOptions {
  tls?: ListenerTls
}

/** @example const listener = await createOtlpGrpcReceiver(deps).start({ host: '127.0.0.1', port: 4317 }) */
export function createOtlpGrpcReceiver(deps: ReceiverDeps, opts: OtlpGrpcOptions = {}): SocketReceiver {
  return {
    name: 'otlpGrpc',
    async start({ host, port }): Promise<OpenListener> {
      const server = new grpc.Server({
        'grpc.max_receive_message_length': deps.limits.maxBodyBytes,
        'grpc.max_send_message_length': 64 * 1024,
      })
      for (const signal of ['logs', 'traces', 'metrics'] as const) {
        server.addService(definition(signal), { Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
          exportCall(deps, signal, call).then((r) => done(r.error ?? null, r.response), (err: Error) => {
            deps.logger.error({ err: { message: err.message, stack: err.stack }, signal }, 'OTLP/gRPC export failed')
            done(retryError(grpc.status.UNAVAILABLE, 'Beacon could not store this batch because of an internal error (logged on the server); retry later', INTERNAL_RETRY_SECONDS))
          })
        } })
      }
      const creds = opts.tls
        ? grpc.ServerCredentials.createSsl(opts.tls.ca ?? null, [{ cert_chain: opts.tls.cert, private_key: opts.tls.key }], false)
        : grpc.ServerCredentials.createInsecure()
      const bound = await new Promise<number>((resolve, reject) => {
        server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p)))
      })
      return {
        address: `${host}:${bound}`,
        port: bound,
        close: () => new Promise<void>((resolve) => {
          const force = setTimeout(() => { server.forceShutdown(); resolve() }, 5000)
          server.tryShutdown(() => { clearTimeout(force); resolve() })
        }),
      }
    },
  }
}

interface CallResult { error?: grpc.ServiceError | Partial<grpc.StatusObject>; response?: Buffer }

async function exportCall(deps: ReceiverDeps, signal: OtlpSignal, call: grpc.ServerUnaryCall<Buffer, Buffer>): Promise<CallResult> {
  const authorization = call.metadata.get('authorization')[0]
  const auth = await deps.auth.authenticate({ authorization: typeof authorization === 'string' ? authorization : undefined })
  if (!auth.ok) return { error: { code: auth.status === 401 ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED, details: auth.message } }
  if (signal === 'metrics') return { response: exportResponse('protobuf', 'metrics', 0, METRICS_WARNING) as Buffer }

  const body = call.request
  const opts = { limits: deps.limits }
  const decoded: DecodeResult<LogRecord | SpanRecord> = signal === 'logs' ? decodeLogs('protobuf', body, opts) : decodeTraces('protobuf', body, opts)
  if (!decoded.ok) return { error: { code: grpc.status.INVALID_ARGUMENT, details: decoded.message } }
  const { records, rejected } = decoded
  const rejectionMessage = decoded.rejectionMessage ?? ''
  if (records.length === 0) return { response: exportResponse('protobuf', signal, rejected, rejectionMessage) as Buffer }

  const batch: Batch = {
    // The same bytes on the same method are the same batch: an exporter's retry is stored once.
    id: createHash('sha256').update(SERVICES[signal]).update('\n').update(body).digest('hex'),
    source: 'otlp-grpc',
    logs: signal === 'logs' ? (records as LogRecord[]) : [],
    spans: signal === 'traces' ? (records as SpanRecord[]) : [],
    principal: auth.principal,
    rejected,
    rejectionMessage: rejectionMessage || undefined,
  }
  const outcome: IngestOutcome = await deps.ingest.submit(batch)
  switch (outcome.status) {
    case 'ok':
      return { response: exportResponse('protobuf', signal, outcome.rejected, outcome.rejected > 0 ? outcome.message ?? rejectionMessage : '') as Buffer }
    case 'duplicate':
      return { response: exportResponse('protobuf', signal, rejected, rejectionMessage) as Buffer }
    case 'retry': {
      const code = outcome.httpStatus === 503 ? grpc.status.UNAVAILABLE : grpc.status.RESOURCE_EXHAUSTED
      return { error: retryError(code, `${outcome.reason}; retry after ${outcome.retryAfterSeconds} s`, outcome.retryAfterSeconds) }
    }
  }
}

/**
 * A status with google.rpc.RetryInfo in `grpc-status-details-bin`: the OTLP spec makes
 * RESOURCE_EXHAUSTED retryable only when the server says when to retry.
 *   Status { code = 1; message = 2; repeated Any details = 3 }
 *   Any { type_url = 1; value = 2 }  RetryInfo { Duration retry_delay = 1 }  Duration { seconds = 1 }
 */
export function retryError(code: grpc.status, message: string, retryAfterSeconds: number): Partial<grpc.StatusObject> {
  const duration = new ProtoWriter()
  duration.varintField(1, Math.max(0, Math.ceil(retryAfterSeconds)))
  const retryInfo = new ProtoWriter()
  retryInfo.bytesField(1, duration.finish())
  const any = new ProtoWriter()
  any.stringField(1, 'type.googleapis.com/google.rpc.RetryInfo')
  any.bytesField(2, retryInfo.finish())
  const status = new ProtoWriter()
  status.varintField(1, code)
  status.stringField(2, message)
  status.bytesField(3, any.finish())
  const metadata = new grpc.Metadata()
  metadata.set('grpc-status-details-bin', status.finish())
  return { code, details: message, metadata }
}
