/**
 * What the built-in alert rules cost on the ingest path, in one process, without a server: the 10
 * built-in detectors on logs (default config; of 12, storage_cap reads no records and lost_messages spans) over fresh bench records (`genRecord`, a new client address
 * per record, as in the fill), 1,000-record batches at a simulated arrival rate, every rule
 * evaluated each simulated 10 s (engine.ts's tick, without persistence). Prints µs CPU per record
 * for matching (matchBatch) and for the evaluations, and the heap after a full collection at each
 * 2 simulated seconds once the windows are full (what alerting retains: rollups and their newest records).
 *
 *   node --expose-gc --import tsx bench/alerts-mem.ts
 *   ALERTS_ROOT=/work/main node --expose-gc --import tsx bench/alerts-mem.ts   # another checkout's alerts code
 *   ALERTS_RECORDS=3500000 ALERTS_RATE=35000 …                                 # records (≥ 70 s of them for a heap figure), records per simulated second
 */
import { resolve } from 'node:path'
import { genRecord } from './generate.ts'

const root = resolve(process.env.ALERTS_ROOT ?? resolve(import.meta.dirname, '..'))
const src = `${root}/packages/server/src`
const { businessKeysSchema } = await import(`${src}/config/schema.ts`)
const { builtinDetectors } = await import(`${src}/alerts/detectors.ts`)
const { validateRule } = await import(`${src}/alerts/rule.ts`)
const { buildRuntime } = await import(`${src}/alerts/runtime.ts`)
const { matchBatch, SharedMatchers } = await import(`${src}/alerts/matcher.ts`)
const { evaluateRule } = await import(`${src}/alerts/evaluate.ts`)
const { attrs } = await import(`${src}/pipeline/record.ts`)

const N = Number(process.env.ALERTS_RECORDS ?? 3_500_000)
const RATE = Number(process.env.ALERTS_RATE ?? 35_000)
const BATCH = 1000
const keys = businessKeysSchema.parse({})
const rules = Object.entries(builtinDetectors()).map(([id, input]) => ({ ...validateRule(input).spec, id, builtin: id, source: 'config', updatedAt: '' }))
const shared = new SharedMatchers(keys)
const rts: any[] = rules.filter((r) => r.target === 'logs' && r.kind !== 'storage_cap').map((r) => buildRuntime(r, keys, shared))
const states = { ofRule: () => [], get: () => undefined }

const gc = (globalThis as { gc?: () => void }).gc
const heapMb = (): number => { gc?.(); return process.memoryUsage().heapUsed / 1048576 }
const base = heapMb()
let matchUs = 0
let evalUs = 0
let heapMax = 0
const heaps: number[] = []
let lastHeapSec = 0
let observations = 0
const t0 = Math.floor(Date.now() / 1000)
let lastTick = t0
const cpu = (): number => { const c = process.cpuUsage(); return c.user + c.system }
for (let i = 0; i < N; i += BATCH) {
  const nowSec = t0 + Math.floor(i / RATE)
  const batch = []
  for (let j = 0; j < BATCH; j++) {
    const g = genRecord(nowSec * 1000, 60_000, 100_000)
    const a = attrs()
    for (const [k, v] of g.attrs) a[k] = v
    const res = attrs()
    res['service.name'] = g.service
    batch.push({ timeUnixNano: g.tsNs, observedTimeUnixNano: g.tsNs, severityText: g.level, severityNumber: g.sev, serviceName: g.service, body: g.body,
      traceId: g.traceId, spanId: g.spanId, traceFlags: 0, eventName: '', scopeName: '', scopeVersion: '', resource: res, attributes: a })
  }
  let c = cpu()
  matchBatch(rts, batch, nowSec, shared)
  for (const rt of rts) rt.hits.length = 0
  matchUs += cpu() - c
  if (nowSec - lastTick >= 10) {
    lastTick = nowSec
    c = cpu()
    for (const rt of rts) observations += evaluateRule(rt, states, nowSec * 1000, {}).length
    evalUs += cpu() - c
  }
  // The heap after a full collection every 2 simulated seconds, once the 60 s windows are full.
  if (nowSec - t0 >= 70 && nowSec - lastHeapSec >= 2) {
    lastHeapSec = nowSec
    const h = heapMb() - base
    heaps.push(h)
    heapMax = Math.max(heapMax, h)
  }
}
console.log(`${root}: ${rts.length} rules, ${N} records at ${RATE}/s simulated: match ${(matchUs / N).toFixed(2)} µs/record, evaluate ${(evalUs / N).toFixed(2)} µs/record (${observations} observations), heap retained after gc (every 2 s once the windows are full): mean ${(heaps.reduce((a, b) => a + b, 0) / Math.max(1, heaps.length)).toFixed(1)} MB, max ${heapMax.toFixed(1)} MB (${heaps.length} samples)`)
