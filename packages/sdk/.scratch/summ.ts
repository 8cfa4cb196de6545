import { readFileSync, readdirSync } from 'node:fs'
const dir = process.argv[2]
for (const f of readdirSync(dir)) {
  const prof = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'))
  const self = new Map<string, number>()
  const dt = prof.timeDeltas as number[]
  const byId = new Map(prof.nodes.map((n: any) => [n.id, n]))
  const counts = new Map<number, number>()
  prof.samples.forEach((s: number, i: number) => counts.set(s, (counts.get(s) ?? 0) + (dt[i] ?? 0)))
  let total = 0
  for (const [id, t] of counts) { const n: any = byId.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + t); total += t }
  console.log(f, 'total ms', (total / 1000).toFixed(0))
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((100 * t / total).toFixed(1).padStart(5), k)
}
