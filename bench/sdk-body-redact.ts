/**
 * Redaction of captured request/response bodies in the SDK, per KB: `redactString` and `captureBody`
 * for JSON and text bodies of 0.2, 1, 3 and 10 KB, with and without a secret, A/B between two
 * checkouts (interleaved rounds, medians). Also JSON bodies redacted structurally (parse + redact +
 * stringify) versus as text, to pick the cheaper path per size.
 *
 *   node --import tsx bench/sdk-body-redact.ts [base=/path/to/packages/sdk/src] [--rounds=5]
 *
 * Without `base` only this checkout is measured. The memo of clean strings is defeated by making every
 * body distinct (a counter inside it), as bodies of a real service are.
 */
import { resolve } from 'node:path'

const args = process.argv.slice(2)
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 5)
const base = args.find((a) => a.startsWith('base='))?.slice(5)

interface Impl {
  name: string
  redactString: (s: string) => string
  redact: <T>(v: T) => T
  captureBody: (b: unknown, limit: number) => string | undefined
}

async function load(name: string, src: string): Promise<Impl> {
  const r = await import(resolve(src, 'redact/redact.ts'))
  const h = await import(resolve(src, 'http/request-record.ts'))
  return { name, redactString: r.redactString, redact: r.redact, captureBody: h.captureBody }
}

const impls: Impl[] = [await load('new', resolve(import.meta.dirname, '../packages/sdk/src'))]
if (base) impls.unshift(await load('base', base))

function orderJson(kb: number, secret: boolean, n: number): string {
  const items: unknown[] = []
  const o: Record<string, unknown> = { orderId: `ORD-${n}`, customer: { id: 'c-17', name: 'Ann Lee', email: 'ann@example.com' }, currency: 'EUR', items }
  if (secret) o.payment = { method: 'card', cardToken: 'tok_abcdef1234567890' }
  let i = 0
  while (JSON.stringify(o).length < kb * 1024) items.push({ sku: `BOLT-M${8 + (i % 5)}`, qty: 100 + i, price: 12.5, title: 'hex bolt, zinc plated', warehouse: 'north-2', line: i++ })
  return JSON.stringify(o)
}
function text(kb: number, secret: boolean, n: number): string {
  let s = `order=ORD-${n} status=accepted`
  if (secret) s += ' password=hunter2'
  let i = 0
  while (s.length < kb * 1024) s += ` item=${i} sku=BOLT-M8 qty=${100 + i++} note: delivered to dock 4, signed by Ann;`
  return s
}

const N = 400
function timeIt(f: (i: number) => unknown): number {
  const t0 = process.cpuUsage()
  for (let i = 0; i < N; i++) f(i)
  const t = process.cpuUsage(t0)
  return (t.user + t.system) / N
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]

interface Case { label: string; kb: number; run: (impl: Impl, i: number) => unknown }
const cases: Case[] = []
for (const kb of [0.2, 1, 3, 10]) {
  for (const secret of [false, true]) {
    const tag = `${kb} KB ${secret ? 'secret' : 'clean '}`
    const js = Array.from({ length: N }, (_, i) => orderJson(kb, secret, i))
    const tx = Array.from({ length: N }, (_, i) => text(kb, secret, i))
    cases.push({ label: `redactString json ${tag}`, kb, run: (m, i) => m.redactString(js[i]) })
    cases.push({ label: `redactString text ${tag}`, kb, run: (m, i) => m.redactString(tx[i]) })
    cases.push({ label: `captureBody  json ${tag}`, kb, run: (m, i) => m.captureBody(js[i], 16 * 1024) })
    cases.push({ label: `structural   json ${tag}`, kb, run: (m, i) => JSON.stringify(m.redact(JSON.parse(js[i]))) })
  }
}

const res = new Map<string, number[]>()
for (let r = 0; r < rounds + 1; r++) {
  for (const c of cases) {
    for (const m of r % 2 === 0 ? impls : impls.slice().reverse()) {
      const us = timeIt((i) => c.run(m, i))
      if (r === 0) continue // warm-up
      const k = `${c.label}|${m.name}`
      res.set(k, [...(res.get(k) ?? []), us])
    }
  }
}
console.log(`rounds ${rounds}, ${N} distinct bodies per case; µs CPU per call (median), µs per KB in brackets`)
console.log(['case', ...impls.map((m) => m.name)].join('\t'))
for (const c of cases) {
  console.log([c.label, ...impls.map((m) => { const v = median(res.get(`${c.label}|${m.name}`)!); return `${v.toFixed(1)} (${(v / c.kb).toFixed(1)}/KB)` })].join('\t'))
}
