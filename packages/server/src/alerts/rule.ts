import { z } from 'zod'
import { parseQuery, QueryError, type Ast } from '@beacon/query'
import { BeaconError } from '../errors.ts'

/**
 * What an alert rule is (API body, `alerts.rules` in beacon.config.yaml, built-in detectors).
 *
 *   instant     every record as it passes ingest (the in-memory evaluator); fires at once
 *   threshold   an aggregate over a sliding window, per group, compared with a threshold
 *   absence     no matching record for `windowSeconds` (per group seen before, or at all)
 *   new_value   a value of `field` not seen in the last `newValueDays` days
 *   anomaly     count per window against a seasonal median/MAD baseline and an EWMA
 *   lost_messages  a RabbitMQ publish span without a consumer span in its trace within `windowSeconds`
 *   storage_cap    a service's stored bytes at `threshold` % or more of its retention size cap (per service)
 */
export const RULE_KINDS = ['instant', 'threshold', 'absence', 'new_value', 'anomaly', 'lost_messages', 'storage_cap'] as const
export type RuleKind = (typeof RULE_KINDS)[number]
export const AGGREGATES = ['count', 'rate', 'ratio', 'distinct', 'percentile', 'sum'] as const
export type Aggregate = (typeof AGGREGATES)[number]
export const SEVERITIES = ['critical', 'warning', 'info'] as const
export type AlertSeverity = (typeof SEVERITIES)[number]

const fieldName = z.string().min(1).max(256)

export const ruleInputSchema = z.object({
  name: z.string().min(1).max(200),
  kind: z.enum(RULE_KINDS).default('threshold'),
  /** Which records: logs or spans. */
  target: z.enum(['logs', 'spans']).default('logs'),
  query: z.string().max(10_000).default(''),
  /** threshold rules: what is computed over the window. */
  aggregate: z.enum(AGGREGATES).default('count'),
  /** ratio: the denominator query (default: every record of the target). */
  ratioOf: z.string().max(10_000).default(''),
  /** distinct / percentile / sum / new_value: the field. */
  field: fieldName.optional(),
  /** percentile: 0 < p < 100. */
  percentile: z.number().gt(0).lt(100).default(99),
  op: z.enum(['>', '>=', '<', '<=']).default('>='),
  threshold: z.number().finite().default(1),
  /** Fewer records than this in the window (denominator for ratios): no decision (quiet). */
  minCount: z.number().int().min(0).default(0),
  windowSeconds: z.number().int().min(10).max(7 * 86_400).default(60),
  groupBy: z.array(fieldName).max(4).default([]),
  /** Seconds the condition must hold before pending becomes firing. */
  for: z.number().int().min(0).max(86_400).default(0),
  severity: z.enum(SEVERITIES).default('warning'),
  /** Channel names or ids; empty: the default channels. */
  channels: z.array(z.string().min(1)).default([]),
  enabled: z.boolean().default(true),
  /** Re-notify a firing, unacknowledged alert this often (0: never). */
  renotifySeconds: z.number().int().min(0).default(3600),
  newValueDays: z.number().int().min(1).max(90).default(7),
  anomaly: z.object({
    direction: z.enum(['up', 'down', 'both']).default('up'),
    /** Band half-width in robust standard deviations. */
    sensitivity: z.number().positive().default(4),
    /** Intervals of history the EWMA needs before it may fire on its own (warm-up). */
    warmupIntervals: z.number().int().min(1).default(30),
  }).default({ direction: 'up', sensitivity: 4, warmupIntervals: 30 }),
  description: z.string().max(2000).default(''),
}).strict()

export type RuleInput = z.input<typeof ruleInputSchema>
export type RuleSpec = z.output<typeof ruleInputSchema>

/** A stored rule: its spec plus identity. `builtin` names the detector it came from. */
export interface Rule extends RuleSpec {
  id: string
  builtin: string
  source: 'api' | 'config' | 'builtin'
  updatedAt: string
  /** Built-in detectors: the shipped spec it was created from (JSON), to tell an unedited one. */
  defaultSpec?: string
}

/** A rule with its queries parsed once. */
export interface CompiledRuleQueries { ast: Ast; ratioAst?: Ast }

/**
 * Validates a rule; throws BeaconError('invalid_query' | 'bad_request') with the position of a
 * query problem (`{ field: 'query', position }`) or the list of schema problems.
 */
export function validateRule(input: unknown): { spec: RuleSpec; queries: CompiledRuleQueries } {
  const parsed = ruleInputSchema.safeParse(input)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(rule)'}: ${i.message}`)
    throw new BeaconError('bad_request', `Invalid rule: ${problems.join('; ')}`, { problems })
  }
  const spec = parsed.data
  const problems = ruleProblems(spec)
  if (problems.length) throw new BeaconError('bad_request', `Invalid rule: ${problems.join('; ')}`, { problems })
  return { spec, queries: parseRuleQueries(spec) }
}

export function parseRuleQueries(spec: RuleSpec): CompiledRuleQueries {
  return { ast: parseField(spec.query, 'query'), ratioAst: spec.aggregate === 'ratio' ? parseField(spec.ratioOf, 'ratioOf') : undefined }
}

function parseField(text: string, field: string): Ast {
  try {
    return parseQuery(text)
  } catch (err) {
    if (err instanceof QueryError) {
      throw new BeaconError('invalid_query', `${field}: ${err.message}`, { field, position: err.position, expected: err.expected })
    }
    throw err
  }
}

/** Problems the schema cannot express (combinations of fields). */
export function ruleProblems(s: RuleSpec): string[] {
  const p: string[] = []
  if ((s.aggregate === 'distinct' || s.aggregate === 'percentile' || s.aggregate === 'sum') && s.kind === 'threshold' && !s.field) {
    p.push(`field: required for aggregate ${s.aggregate}`)
  }
  if (s.kind === 'new_value' && !s.field) p.push('field: required for a new_value rule')
  if (s.aggregate === 'ratio' && s.kind === 'threshold' && (s.threshold < 0 || s.threshold > 1)) p.push('threshold: a ratio is between 0 and 1')
  if (s.kind === 'lost_messages' && s.target !== 'spans') p.push('target: lost_messages rules read spans')
  if (s.kind === 'storage_cap' && (s.threshold <= 0 || s.threshold > 1000)) p.push('threshold: a percentage of the size cap (e.g. 80)')
  if (s.windowSeconds % 10 !== 0) p.push('windowSeconds: a multiple of 10 (rollups are per 10 s)')
  return p
}

/** Compares a value with the rule's threshold. */
export function crosses(spec: Pick<RuleSpec, 'op' | 'threshold'>, value: number): boolean {
  switch (spec.op) {
    case '>': return value > spec.threshold
    case '>=': return value >= spec.threshold
    case '<': return value < spec.threshold
    case '<=': return value <= spec.threshold
  }
}

/** How a rule reads in a notification: `count(level:fatal) >= 1 over 60s by service`. */
export function describeCondition(r: RuleSpec): string {
  const q = r.query || '*'
  const by = r.groupBy.length ? ` by ${r.groupBy.join(', ')}` : ''
  switch (r.kind) {
    case 'instant': return `${q} (instant)${by}`
    case 'absence': return `no ${q} for ${r.windowSeconds}s${by}`
    case 'new_value': return `new ${r.field} in ${q} (not seen for ${r.newValueDays} d)`
    case 'anomaly': return `count(${q}) per ${r.windowSeconds}s outside the expected band (${r.anomaly.direction})${by}`
    case 'lost_messages': return `publish without consumer within ${r.windowSeconds}s`
    case 'storage_cap': return `stored bytes ${r.op} ${r.threshold} % of the service's size cap`
    default: {
      const agg = r.aggregate === 'ratio' ? `ratio(${q} / ${r.ratioOf || '*'})`
        : r.aggregate === 'percentile' ? `p${r.percentile}(${r.field})`
          : r.aggregate === 'count' || r.aggregate === 'rate' ? `${r.aggregate}(${q})` : `${r.aggregate}(${r.field})`
      return `${agg} ${r.op} ${r.threshold} over ${r.windowSeconds}s${by}`
    }
  }
}
