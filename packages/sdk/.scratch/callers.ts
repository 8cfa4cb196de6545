import { readFileSync, readdirSync } from 'node:fs'
const dir = process.argv[2]; const target = process.argv[3]
const f = readdirSync(dir).sort()[0]
const prof = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'))
const byId = new Map<number, any>(prof.nodes.map((n: any) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const selfT = new Map<number, number>()
prof.samples.forEach((s: number, i: number) => selfT.set(s, (selfT.get(s) ?? 0) + (prof.timeDeltas[i] ?? 0)))
const stacks = new Map<string, number>()
const name = (n: any) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-3).join('/')}:${n.callFrame.lineNumber}`
for (const [id, t] of selfT) {
  const chain: string[] = []
  let cur: number | undefined = id
  while (cur !== undefined) { chain.push(name(byId.get(cur))); cur = parent.get(cur) }
  const idx = chain.findIndex((c) => c.startsWith(target))
  if (idx < 0) continue
  const k = chain.slice(idx, idx + 8).join(' <- ')
  stacks.set(k, (stacks.get(k) ?? 0) + t)
}
for (const [k, t] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log((t / 1000).toFixed(0), 'ms', k, '\n')
