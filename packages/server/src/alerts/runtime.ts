import type { BusinessKeys } from '../config/schema.ts'
import type { LogRecord, SpanRecord } from '../pipeline/record.ts'
import { compileRecordMatcher, type RecordMatcher, type SharedMatchers } from './matcher.ts'
import { fieldGetter, recordTimeMs, type FieldGetter, type LiveRecord } from './record-fields.ts'
import { parseRuleQueries, type Rule } from './rule.ts'
import { RuleRollups, type Sample } from './rollups.ts'
import type { EwmaState } from './anomaly.ts'
import { LastSeen } from './last-seen.ts'

/**
 * A rule ready to run: its queries compiled to predicates, its group getters, and the live state
 * its kind needs. `onRecord` runs on the ingest path for every record of the rule's target: one
 * predicate call, and for matches a few map updates — no I/O, no allocation for non-matches.
 */

/** A match of an event rule (instant, new value, lost message), handled off the ingest path. */
export interface Hit { groupKey: string; labels: Record<string, string>; sample: Sample }

export interface RuleRuntime {
  rule: Rule
  matcher: RecordMatcher
  denominator?: RecordMatcher
  groups: [string, FieldGetter][]
  field?: FieldGetter
  rollups?: RuleRollups
  /** absence: when each group was last seen (ms); bounded (last-seen.ts). */
  lastSeen?: LastSeen
  /** new_value: values seen in the last N days; `fresh` = new ones to persist. */
  seen?: Set<string>
  fresh?: string[]
  /** new_value: false until the seen-set is loaded (no alerts for a cold set). */
  ready: boolean
  /** lost_messages: publishes waiting for a consumer, consumers seen (by trace id). */
  published?: Map<string, { ms: number; labels: Record<string, string>; sample: Sample }>
  consumed?: Map<string, number>
  /** lost_messages: publishes to write to ClickHouse, and ones settled (consumed or alerted) since the last write. */
  pendingNew?: string[]
  pendingDone?: string[]
  /** lost_messages: trace ids whose publish is in ClickHouse as pending. */
  persistedPending?: Set<string>
  /** anomaly: EWMA per group; seasonal points per group (refreshed hourly). */
  ewma?: Map<string, EwmaState>
  seasonal?: { at: number; byGroup: Map<string, number[]> }
  hits: Hit[]
  /** The order-id getter, for samples. */
  orderGet: FieldGetter
  /** `nowSec` / `nowMs`: the batch's arrival time (one clock read per batch, not per record). */
  onRecord(r: LiveRecord, nowSec: number, nowMs?: number): void
}

const MAX_TRACKED = 100_000

export function sampleOf(r: LiveRecord, orderGet: FieldGetter): Sample {
  const isLog = 'body' in r
  return {
    timeMs: recordTimeMs(r) || Date.now(),
    service: r.serviceName,
    message: isLog ? (r as LogRecord).body.slice(0, 1000) : `${(r as SpanRecord).name} ${(r as SpanRecord).statusCode} ${(r as SpanRecord).statusMessage}`.trim().slice(0, 1000),
    traceId: r.traceId,
    orderId: orderGet(r) ?? '',
  }
}

/** `shared`: rules with the same query share one predicate, evaluated once per record (the engine's). */
export function buildRuntime(rule: Rule, keys: BusinessKeys, shared?: SharedMatchers): RuleRuntime {
  const q = parseRuleQueries(rule)
  const compile = (ast: typeof q.ast): RecordMatcher => (shared ? shared.get(ast, rule.target) : compileRecordMatcher(ast, rule.target, keys))
  const matcher = compile(q.ast)
  const groups: [string, FieldGetter][] = rule.groupBy.map((g) => [g, fieldGetter(g, rule.target, keys)])
  const orderGet = fieldGetter('order', rule.target, keys)
  const rt: RuleRuntime = { rule, matcher, groups, hits: [], ready: true, orderGet, onRecord: () => {} }
  if (rule.field) rt.field = fieldGetter(rule.field, rule.target, keys)

  const labelsOf = (r: LiveRecord): Record<string, string> => {
    const labels: Record<string, string> = {}
    for (const [name, get] of groups) labels[name] = get(r) ?? ''
    return labels
  }
  // The key is built without allocating labels; labels are made only for a new (interval, group).
  const ownKey = groups.length === 0 ? () => ''
    : groups.length === 1 ? (r: LiveRecord) => groups[0][1](r) ?? ''
      : (r: LiveRecord) => { let k = groups[0][1](r) ?? ''; for (let i = 1; i < groups.length; i++) k += '\u0001' + (groups[i][1](r) ?? ''); return k }
  // Rules grouped by the same fields share the key, built once per record (and hashed once).
  const keyOfRecord = shared && groups.length > 1 ? shared.groupKey(rule.groupBy, rule.target, ownKey) : ownKey
  const group = (r: LiveRecord): [string, Record<string, string>] => [keyOfRecord(r), labelsOf(r)]

  switch (rule.kind) {
    case 'instant':
      rt.onRecord = (r) => {
        if (!matcher(r)) return
        const [groupKey, labels] = group(r)
        rt.hits.push({ groupKey, labels, sample: sampleOf(r, orderGet) })
      }
      break
    case 'new_value': {
      rt.seen = new Set()
      rt.fresh = []
      rt.ready = false
      const field = rt.field!
      rt.onRecord = (r) => {
        if (!matcher(r)) return
        const v = field(r)
        if (v === undefined || v === '' || rt.seen!.has(v)) return
        if (rt.seen!.size < MAX_TRACKED) rt.seen!.add(v)
        rt.fresh!.push(v)
        if (rt.ready) rt.hits.push({ groupKey: v, labels: { [rule.field!]: v }, sample: sampleOf(r, orderGet) })
      }
      break
    }
    case 'lost_messages': {
      rt.published = new Map()
      rt.consumed = new Map()
      rt.pendingNew = []
      rt.pendingDone = []
      rt.persistedPending = new Set()
      const dest = fieldGetter('messaging.destination.name', 'spans', keys)
      rt.onRecord = (r) => {
        const s = r as SpanRecord
        if (!s.traceId || s.attributes['messaging.system'] !== 'rabbitmq') return
        if (s.kind === 'Consumer') {
          if (rt.published!.delete(s.traceId)) rt.pendingDone!.push(s.traceId)
          if (rt.consumed!.size < MAX_TRACKED) rt.consumed!.set(s.traceId, Date.now())
        } else if (s.kind === 'Producer' && matcher(r) && !rt.consumed!.has(s.traceId) && rt.published!.size < MAX_TRACKED) {
          rt.published!.set(s.traceId, { ms: Date.now(), labels: { destination: dest(r) ?? s.attributes['messaging.rabbitmq.exchange'] ?? '' }, sample: sampleOf(r, orderGet) })
          rt.pendingNew!.push(s.traceId)
        }
      }
      break
    }
    case 'storage_cap':
      // Evaluated from the retention enforcer's cap usage; reads no records.
      break
    case 'absence':
      rt.lastSeen = new LastSeen()
      rt.onRecord = (r, t) => {
        if (!matcher(r)) return
        rt.lastSeen!.note(keyOfRecord(r), t * 1000, labelsOf, r)
      }
      break
    default: {
      // threshold and anomaly: live rollups
      const agg = rule.kind === 'anomaly' ? 'count' : rule.aggregate
      // Grouped by at most one field, a group's labels are its key: made when evaluated, not per group.
      const name = groups[0]?.[0]
      const labelsOfKey = groups.length === 0 ? () => ({}) : groups.length === 1 ? (key: string) => ({ [name]: key }) : undefined
      const rollups = new RuleRollups(rule.id, agg === 'distinct', agg === 'percentile', { labelsOfKey, toSample: (r) => sampleOf(r, orderGet) })
      rt.rollups = rollups
      if (rule.kind === 'anomaly') rt.ewma = new Map()
      const field = rt.field
      if (agg === 'ratio') {
        const denominator = compile(q.ratioAst!)
        rt.denominator = denominator
        rt.onRecord = (r, t, ms) => {
          if (!denominator(r)) return
          const groupKey = keyOfRecord(r)
          rollups.addDenominator(t, groupKey, labelsOf, r)
          if (matcher(r)) rollups.add(t, groupKey, labelsOf, undefined, r, ms)
        }
      } else {
        rt.onRecord = (r, t, ms) => {
          if (!matcher(r)) return
          rollups.add(t, keyOfRecord(r), labelsOf, field ? field(r) : undefined, r, ms)
        }
      }
    }
  }
  return rt
}
