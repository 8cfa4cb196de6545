import type { Receiver } from '../receiver.ts'
import { registerClusterRoutes } from './cluster.ts'
import { installErrorHandling, installHooks } from './http.ts'
import { createMetadataState, registerMetadataRoutes } from './metadata.ts'
import { registerWriteRoutes } from './writes.ts'

/**
 * The Elasticsearch-compatible receiver: Filebeat, Logstash, Fluentd, Fluent Bit, Vector and
 * rsyslog point their Elasticsearch output at it unchanged.
 *
 *   GET / , _license, _xpack, _nodes, _cluster/health, _cat/health     cluster.ts  (version 8.17.0)
 *   templates, ILM, pipelines, data streams, indices, aliases          metadata.ts (acknowledged, in memory)
 *   POST /_bulk, /{index}/_bulk, /{index}/_doc[/{id}], /_create/{id}  writes.ts → bulk.ts → ecs.ts → ingest
 *
 * Every response carries `X-Elastic-Product: Elasticsearch`; errors have Elasticsearch's shape
 * (`{ error: { type, reason }, status }`). The listener gets its own Fastify instance with raw
 * bodies (`acceptRawBodies`); this receiver installs its hooks, error and not-found handlers on it.
 *
 * @example
 *   const app = Fastify()
 *   acceptRawBodies(app, config.limits)
 *   await createElasticReceiver()(app, { ingest, limits: config.limits, logger, auth })
 *   await app.listen({ port: 9200 })
 *   // curl -XPOST localhost:9200/_bulk -H 'content-type: application/x-ndjson' --data-binary @logs.ndjson
 */
export function createElasticReceiver(): Receiver {
  return (app, deps) => {
    const state = createMetadataState()
    installHooks(app, deps.auth)
    installErrorHandling(app, deps.logger, deps.limits)
    registerClusterRoutes(app, deps.limits)
    registerMetadataRoutes(app, state, deps.limits)
    registerWriteRoutes(app, deps, state)
  }
}

export { parseBulk, type BulkItem, type ParsedBulk } from './bulk.ts'
export { documentToRecord, type MappingContext } from './ecs.ts'
export { serviceFromIndex } from './service-name.ts'
