import type { Stage } from '../pipeline.ts'
import { createClassifyStage } from './classify.ts'
import { createNormalizeStage } from './normalize.ts'
import { createServiceBindingStage } from './service-binding.ts'

/**
 * Every pipeline stage, in the order it runs. This is the one place stages are registered;
 * a stage's code may live with the feature that owns it (security owns redaction and encryption).
 *
 *   normalize        defaults and canonical forms (severity, ids, times, `unknown_service`)   ./normalize.ts
 *   classify         a level for records that gave none (HTTP 5xx → ERROR, exceptions)         ./classify.ts
 *   service-binding  an ingest key bound to a service writes only that service                 ./service-binding.ts
 *   redact           secrets dropped, cards truncated, personal data masked          security/redact.ts
 *   encrypt          configured sensitive fields encrypted (AES-256-GCM)            security/encrypt.ts
 *   enrich           free slot for enrichment (geo, business keys, …)
 *
 * Order comes from the slots, never from stage names. Slots with no stage are skipped.
 */
export const STAGE_ORDER = ['normalize', 'classify', 'service-binding', 'redact', 'encrypt', 'enrich'] as const
export type StageSlot = (typeof STAGE_ORDER)[number]

/** Stages whose code lives here and that always run. */
export function createCoreStages(): Partial<Record<StageSlot, Stage>> {
  return { normalize: createNormalizeStage(), classify: createClassifyStage(), 'service-binding': createServiceBindingStage() }
}

/**
 * The stage list in slot order: `provided` (security's redact/encrypt, built from its
 * configuration in security/stages.ts) fill or replace slots of the core stages.
 */
export function assembleStages(provided: Partial<Record<StageSlot, Stage>> = {}): Stage[] {
  const core = createCoreStages()
  return STAGE_ORDER.flatMap((slot) => provided[slot] ?? core[slot] ?? [])
}
