import type { Stage } from '../pipeline.ts'
import type { Batch } from '../record.ts'
import { isUnknownService } from './normalize.ts'

/**
 * Service binding: an ingest key bound to a service (`beacon key create --scope ingest --service
 * shop-api`) may only write as that service.
 *   - records of the bound service pass;
 *   - records without a service name (`unknown_service`, `unknown_service:<process>`) are
 *     assigned the bound service;
 *   - records naming another service are dropped and counted as rejected (OTLP partial_success,
 *     Elasticsearch item errors, …), never stored under the other name.
 *
 * Runs after normalize (which fills empty names with `unknown_service`) and BEFORE redaction:
 * rejected records are never worth redacting or encrypting, and the check must see the service
 * name the sender claimed, not a masked one.
 */
export function createServiceBindingStage(): Stage {
  return {
    name: 'service-binding',
    process(batch: Batch): void {
      const bound = batch.principal?.service
      if (!bound) return
      let rejected = 0
      const keep = <T extends { serviceName: string; resource: Record<string, string> }>(r: T): boolean => {
        if (r.serviceName === bound) return true
        if (r.serviceName === '' || isUnknownService(r.serviceName)) {
          r.serviceName = bound
          r.resource['service.name'] = bound
          return true
        }
        rejected++
        return false
      }
      batch.logs = batch.logs.filter(keep)
      batch.spans = batch.spans.filter(keep)
      if (rejected > 0) {
        batch.rejected += rejected
        const msg = `${rejected} record(s) rejected: this ingest key may only write service ${bound}`
        batch.rejectionMessage = batch.rejectionMessage ? `${batch.rejectionMessage}; ${msg}` : msg
      }
    },
  }
}
