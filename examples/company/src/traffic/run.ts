/** The traffic generator's run (loaded by main.ts after the SDK started). */
import { randomUUID } from 'node:crypto'
import { beacon as currentBeacon } from '@beacon/sdk'
import { loadCompanyConfig } from '../shared/config.ts'
import { topologyNames } from '../shared/topology.ts'
import { SCENARIOS, type Ctx, type ScenarioName } from './scenarios.ts'
import { signUp } from './shop-client.ts'

const NAMES = Object.keys(SCENARIOS) as ScenarioName[]
const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const a = args.find((x) => x === `--${name}` || x.startsWith(`--${name}=`))
  return a === undefined ? undefined : (a.split('=')[1] ?? '')
}
const unknown = args.filter((a) => !['all', 'duration', 'every', ...NAMES].includes(a.replace(/^--/, '').split('=')[0]))
if (unknown.length) {
  console.error(`unknown option(s): ${unknown.join(' ')}\nscenarios: ${NAMES.map((n) => `--${n}`).join(' ')} --all; --duration=S --every=S`)
  process.exit(2)
}
const chosen = flag('all') !== undefined ? NAMES : NAMES.filter((n) => flag(n) !== undefined)
const scenarios = chosen.length ? chosen : NAMES
const duration = Number(flag('duration') ?? 120)
const every = Number(flag('every') ?? 70)

const cfg = loadCompanyConfig()
const say = (line: string) => console.log(line)
const t0 = Date.now()
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s`
let stopped = false
const stop = () => stopped || (duration > 0 && Date.now() - t0 > duration * 1000)
process.on('SIGINT', () => { stopped = true })
process.on('SIGTERM', () => { stopped = true })

const run = randomUUID().slice(0, 6)
say(`traffic: signing up 5 customers (run ${run})`)
const customers = []
for (let i = 1; i <= 5; i++) customers.push(await signUp(`http://${cfg.host}:${cfg.ports.shop}`, `customer${i}.${run}@example.com`, `pw-${run}-${i}-secret`, `Customer ${i}`))

const ctx: Ctx = {
  shop: `http://${cfg.host}:${cfg.ports.shop}`,
  crm: cfg.urls.crm,
  mes: cfg.urls.mes,
  amqpUrl: cfg.amqpUrl,
  exchange: topologyNames(cfg.mqPrefix).exchange,
  customers,
  say,
  orders: [],
  owners: new Map(),
}

async function fire(name: ScenarioName): Promise<void> {
  const s = SCENARIOS[name]
  say(`${elapsed()} ▶ ${name}: ${s.title}\n         look in Beacon: ${s.look}`)
  try {
    await s.run(ctx, stop)
  } catch (err) {
    say(`${elapsed()}   ${name} stopped: ${(err as Error).message}`)
  }
}

const tasks: Promise<void>[] = []
if (scenarios.includes('steady')) tasks.push(fire('steady'))
const incidents = scenarios.filter((n) => n !== 'steady')
tasks.push((async () => {
  while (!stop()) {
    for (const name of incidents) {
      if (stop()) return
      await new Promise((r) => setTimeout(r, incidents.length > 1 ? 6000 : 1000))
      if (stop()) return
      await fire(name)
    }
    if (incidents.length === 0 || every <= 0) return
    const until = Date.now() + every * 1000
    while (!stop() && Date.now() < until) await new Promise((r) => setTimeout(r, 500))
  }
})())
await Promise.all(tasks)

say(`${elapsed()} traffic done: ${ctx.orders.length} orders placed${ctx.orders.length ? `, e.g. ${ctx.orders.slice(-3).join(', ')}` : ''}`)
if (ctx.orders.length) console.log(`ORDERS ${JSON.stringify(ctx.orders.slice(-20))}`)
await currentBeacon()?.flush()
process.exit(0)
