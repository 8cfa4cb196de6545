/**
 * Redaction's text redactor (the default policy) over `npm run bench`'s record strings — bodies
 * and attribute values from bench/generate.ts — with two checkouts' code in one process, alternating.
 * Checks first that both give the same output for every string, and counts what each prefilter lets through.
 *
 *   node --import tsx bench/redact-text-ab.ts base@/work/main new@.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { genRecord } from './generate.ts'

interface Redactor {
  mayContain(text: string): boolean
  redact(value: string, hits: { add(rule: string): void }): string
}

async function load(root: string): Promise<Redactor> {
  const at = (file: string) => pathToFileURL(resolve(root, 'packages/server/src/security', file)).href
  const text = await import(at('redact-text.ts'))
  const names = await import(at('redact-names.ts'))
  const policy = await import(at('redact-policy.ts'))
  const p = policy.effectivePolicy(policy.redactionPolicySchema.parse({}))
  const classify = names.compileNameClassifier({ rules: p.fields, secrets: p.secrets, phones: p.phones, protect: () => false })
  return text.compileTextRedactor(p, classify) as Redactor
}

const args = process.argv.slice(2)
if (args.length !== 2) throw new Error('usage: redact-text-ab.ts base@<checkout> new@<checkout>')
const sides = await Promise.all(args.map(async (arg) => { const i = arg.indexOf('@'); return { name: arg.slice(0, i), r: await load(arg.slice(i + 1)), t: [] as number[] } }))
const ROUNDS = 24
const now = Date.now()
const recs = Array.from({ length: 20_000 }, () => genRecord(now, 86_400_000, 2_000_000))
// flat strings, as receivers hand over
const bodies = recs.map((r) => JSON.parse(JSON.stringify(r.body)) as string)
const attrs = recs.flatMap((r) => r.attrs.map(([, v]) => JSON.parse(JSON.stringify(v)) as string))
const noHits = { add() {} }
for (const v of [...bodies, ...attrs]) if (sides[0].r.redact(v, noHits) !== sides[1].r.redact(v, noHits)) throw new Error(`different output for ${JSON.stringify(v)}`)
for (const s of sides) console.log(`${s.name}: prefilter lets through ${bodies.filter((v) => s.r.mayContain(v)).length} of ${bodies.length} bodies, ${attrs.filter((v) => s.r.mayContain(v)).length} of ${attrs.length} attribute values`)
let sink = 0
for (let round = 0; round < ROUNDS; round++) {
  for (const s of round % 2 ? [...sides].reverse() : sides) {
    const t0 = process.cpuUsage()
    for (const v of bodies) sink += s.r.redact(v, noHits).length
    for (const v of attrs) sink += s.r.redact(v, noHits).length
    const used = process.cpuUsage(t0)
    s.t.push((used.user + used.system) / recs.length)
  }
}
const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1]
for (const s of sides) console.log(`${s.name.padEnd(6)} ${Math.min(...s.t).toFixed(3)} / ${median(s.t).toFixed(3)} µs CPU per record (body + attributes), min / median of ${ROUNDS}${sink < 0 ? '.' : ''}`)
