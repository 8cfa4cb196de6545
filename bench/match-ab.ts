/**
 * Alert matching on the ingest path, A/B in one process: the 62-rule set of `npm run bench:alerts`
 * (11 built-in detectors, the 5xx rule, 50 cost rules) over the benchmark's own records.
 *   A = one predicate per rule per record (rt.onRecord for every rule),  B = shared predicates, once per record (alerts/matcher.ts matchBatch).
 * Prints µs CPU per record, alternating A and B rounds.
 *
 *   node --import tsx bench/match-ab.ts
 *   MATCH_RULES=12 node --import tsx bench/match-ab.ts   # the built-in detectors only
 */
import { businessKeysSchema } from '../packages/server/src/config/schema.ts'
import { DETECTORS } from '../packages/server/src/alerts/detectors.ts'
import { validateRule, type Rule } from '../packages/server/src/alerts/rule.ts'
import { buildRuntime, type RuleRuntime } from '../packages/server/src/alerts/runtime.ts'
import { matchBatch, SharedMatchers } from '../packages/server/src/alerts/matcher.ts'
import { attrs, type LogRecord } from '../packages/server/src/pipeline/record.ts'
import { genRecord } from './generate.ts'

const keys = businessKeysSchema.parse({})
const inputs: unknown[] = [...Object.values(DETECTORS)]
inputs.push({ name: 'bench 5xx', kind: 'threshold', query: 'http.status:>=500', threshold: 5, windowSeconds: 60, groupBy: ['service'], channels: ['slack'] })
const queries = ['level:error', 'http.status:>=500', 'http.status:[400 TO 499]', 'service:shop-api', 'http.route:"/orders"', 'body:timeout', 'level:warn', 'client.ip:*', 'http.status:200', 'service:crm-api AND level:error']
for (let i = 0; i < 50; i++) {
  const agg = i % 5 === 0 ? { aggregate: 'ratio', ratioOf: 'http.status:*', threshold: 0.99 } : i % 5 === 1 ? { aggregate: 'distinct', field: 'client.ip', threshold: 100000 } : { aggregate: 'count', threshold: 1_000_000 }
  inputs.push({ name: `cost ${i}`, kind: 'threshold', query: queries[i % queries.length], windowSeconds: 300, groupBy: i % 2 ? ['service'] : ['service', 'http.route'], channels: ['slack'], ...agg })
}
// MATCH_RULES=12: only the built-in detectors and the 5xx rule (a default installation).
const rules: Rule[] = inputs.slice(0, Number(process.env.MATCH_RULES ?? inputs.length)).map((input, i) => ({ ...validateRule(input).spec, id: `r${i}`, builtin: '', source: 'api', updatedAt: '' }))

const N = Number(process.env.MATCH_RECORDS ?? 20_000)
const now = Date.now()
const records: LogRecord[] = Array.from({ length: N }, () => {
  const g = genRecord(now, 60_000, 100_000)
  const a = attrs()
  for (const [k, v] of g.attrs) a[k] = v
  const res = attrs()
  res['service.name'] = g.service
  return { timeUnixNano: g.tsNs, observedTimeUnixNano: g.tsNs, severityText: g.level, severityNumber: g.sev, serviceName: g.service, body: g.body,
    traceId: g.traceId, spanId: g.spanId, traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: res, attributes: a }
})
const BATCH = 1000

function setA(): (batch: LogRecord[], nowSec: number) => void {
  const rts: RuleRuntime[] = rules.filter((r) => r.target === 'logs').map((r) => buildRuntime(r, keys))
  return (batch, nowSec) => { for (const rt of rts) for (const r of batch) rt.onRecord(r, nowSec); for (const rt of rts) rt.hits.length = 0 }
}
function setB(): (batch: LogRecord[], nowSec: number) => void {
  const shared = new SharedMatchers(keys)
  const rts: RuleRuntime[] = rules.filter((r) => r.target === 'logs').map((r) => buildRuntime(r, keys, shared))
  return (batch, nowSec) => { matchBatch(rts, batch, nowSec, shared); for (const rt of rts) rt.hits.length = 0 }
}

function round(run: (batch: LogRecord[], nowSec: number) => void): number {
  const nowSec = Math.floor(Date.now() / 1000)
  const c0 = process.cpuUsage()
  for (let i = 0; i < N; i += BATCH) run(records.slice(i, i + BATCH), nowSec)
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / N
}

const a = process.env.MATCH_ONLY === "B" ? setB() : setA(), b = process.env.MATCH_ONLY === "A" ? setA() : setB()
round(a); round(b)
const ra: number[] = [], rb: number[] = []
for (let i = 0; i < Number(process.env.MATCH_ROUNDS ?? 5); i++) { ra.push(round(a)); rb.push(round(b)) }
const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
console.log(`${rules.length} rules, ${N} records, batches of ${BATCH}: µs CPU per record, median of ${ra.length} alternating rounds`)
console.log(`  A one predicate per rule per record: ${med(ra).toFixed(2)}  (${ra.map((x) => x.toFixed(2)).join(' ')})`)
console.log(`  B shared, once per record:           ${med(rb).toFixed(2)}  (${rb.map((x) => x.toFixed(2)).join(' ')})`)
