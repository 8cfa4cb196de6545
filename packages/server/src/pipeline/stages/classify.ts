import type { Stage } from '../pipeline.ts'
import type { Batch } from '../record.ts'
import { unspecifiedSeverity } from './normalize.ts'

/**
 * Derives what shippers leave implicit: a log without a level but with an HTTP 5xx status is an
 * ERROR (4xx a WARN); a record with `exception.*` or `error.*` but no level is an ERROR.
 * Only for records whose source gave no severity at all.
 */
const STATUS_KEYS = ['http.response.status_code', 'http.status_code']

export function createClassifyStage(): Stage {
  return {
    name: 'classify',
    process(batch: Batch) {
      for (const r of batch.logs) {
        if (!unspecifiedSeverity.has(r)) continue
        let status = 0
        for (const k of STATUS_KEYS) { const v = r.attributes[k]; if (v !== undefined) { status = Number(v) | 0; break } }
        if (status >= 500) { r.severityText = 'ERROR'; r.severityNumber = 17 }
        else if (r.attributes['exception.type'] !== undefined || r.attributes['error.message'] !== undefined) { r.severityText = 'ERROR'; r.severityNumber = 17 }
      }
    },
  }
}
