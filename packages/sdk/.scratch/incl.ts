import { readFileSync, readdirSync } from 'node:fs'
const dir = process.argv[2]
const f = readdirSync(dir).sort()[0]
const prof = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'))
const byId = new Map<number, any>(prof.nodes.map((n: any) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const selfT = new Map<number, number>()
prof.samples.forEach((s: number, i: number) => selfT.set(s, (selfT.get(s) ?? 0) + (prof.timeDeltas[i] ?? 0)))
const incl = new Map<string, number>()
let total = 0
for (const [id, t] of selfT) {
  total += t
  const seen = new Set<string>()
  let cur: number | undefined = id
  while (cur !== undefined) {
    const n = byId.get(cur)
    const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`
    if (!seen.has(k)) { incl.set(k, (incl.get(k) ?? 0) + t); seen.add(k) }
    cur = parent.get(cur)
  }
}
for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 60))) console.log((100 * t / total).toFixed(1).padStart(5), k)
