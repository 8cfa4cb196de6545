/**
 * `npm run demo`: the company's systems, instrumented, against the local RabbitMQ and PostgreSQL,
 * reporting to an embedded Beacon, with traffic that makes real incidents happen.
 *
 *   preflight (PostgreSQL + database, RabbitMQ) ─▶ Beacon (child) ─▶ crm-api, mes-api, mes-worker, shop-api (children)
 *     ─▶ traffic generator (flags passed through) ─▶ checklist through Beacon's API ─▶ stop everything
 *
 * Options: every traffic-generator flag (--steady --invalid --repeat --spike --cost-errors --poison
 * --slow-queries --crash --equipment-failure --http-500 --ddos --lost-message --all --duration=S --every=S); --keep keeps everything
 * running after the traffic until Ctrl-C.
 * Environment: DEMO_DATA_DIR (data/demo), DEMO_BEACON_API_PORT (5080), DEMO_BEACON_OTLP_PORT (4318),
 * DEMO_ADMIN_PASSWORD, DEMO_INGEST_KEY, and the company's (see src/shared/config.ts).
 */
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadCompanyConfig } from './shared/config.ts'
import { preflight } from './preflight.ts'
import { supervise, waitForHttp, type Supervised } from './supervisor.ts'
import { beaconLogin, createBeaconApi } from './shared/beacon-api.ts'
import { followOrder, runChecks } from './checklist.ts'

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const here = fileURLToPath(new URL('.', import.meta.url))
const say = (line = '') => console.log(line)
const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  say(`npm run demo [-- options]: the company's four services, instrumented, reporting to an embedded Beacon, with traffic.

Needs RabbitMQ on 127.0.0.1:5672 (guest/guest) and PostgreSQL on 127.0.0.1:5432 (user postgres).

Scenarios (default: all of them, for the default duration):
  --steady --invalid --repeat --spike --cost-errors --poison --slow-queries --crash --equipment-failure
  --http-500 --ddos --lost-message --all
  --duration=S   how long the traffic runs, seconds (120; 0 = until Ctrl-C)
  --every=S      seconds between rounds of incident scenarios (70)
  --keep         keep everything running after the traffic until Ctrl-C

Environment: DEMO_DATA_DIR (data/demo), DEMO_BEACON_API_PORT (5080), DEMO_BEACON_OTLP_PORT (4318),
DEMO_ADMIN_PASSWORD, DEMO_INGEST_KEY; the company's own settings in examples/company/src/shared/config.ts.`)
  process.exit(0)
}
const keep = args.includes('--keep')
const trafficArgs = args.filter((a) => a !== '--keep')

const cfg = loadCompanyConfig()
const dataDir = process.env.DEMO_DATA_DIR ?? join(root, 'data', 'demo')
const logDir = join(dataDir, 'logs')
const apiPort = Number(process.env.DEMO_BEACON_API_PORT ?? 5080)
const otlpPort = Number(process.env.DEMO_BEACON_OTLP_PORT ?? 4318)
const adminPassword = process.env.DEMO_ADMIN_PASSWORD ?? 'beacon-demo-lathe-7'
const ingestKey = process.env.DEMO_INGEST_KEY ?? 'beacon-demo-ingest-key'
const apiUrl = `http://127.0.0.1:${apiPort}`
const otlpUrl = `http://127.0.0.1:${otlpPort}`

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer()
    s.once('error', () => done(false))
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)))
  })
}

const running: Supervised[] = []
async function stopAll(): Promise<void> {
  // Services first (their SDKs flush to Beacon on SIGTERM), Beacon last.
  await Promise.all(running.filter((p) => p.name !== 'beacon').map((p) => p.stop()))
  await Promise.all(running.filter((p) => p.name === 'beacon').map((p) => p.stop()))
}
async function fail(message: string): Promise<never> {
  console.error(`\n✖ ${message}`)
  await stopAll()
  process.exit(1)
}
// SIGINT (Ctrl-C, or `kill -INT <pid>` of `npm run demo`, which runs this process through `exec`
// so npm's forwarded signal reaches it) and SIGTERM stop the children before exiting: the demo
// never leaves Beacon or a service running behind it.
let interrupted = false
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupted) process.exit(130)
  interrupted = true
  say(`\nstopping on ${signal} (Ctrl-C again to force)…`)
  void stopAll().then(() => process.exit(signal === 'SIGTERM' ? 143 : 130))
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

say('Beacon demo: the company (shop → CRM → RabbitMQ → MES worker → MES API) reporting to Beacon\n')
say(`1. checking PostgreSQL (${new URL(cfg.databaseUrl).host}) and RabbitMQ (${new URL(cfg.amqpUrl).host})`)
const pre = await preflight(cfg.databaseUrl, cfg.amqpUrl)
if (!pre.ok) {
  for (const p of pre.problems) console.error(`\n✖ ${p}`)
  console.error('\nThe demo needs both; nothing was started.')
  process.exit(1)
}
say(`   ✔ both reachable; database ${new URL(cfg.databaseUrl).pathname.slice(1)} ready`)

const busy: string[] = []
for (const [name, port] of [['Beacon API', apiPort], ['Beacon OTLP', otlpPort], ['shop-api', cfg.ports.shop], ['crm-api', cfg.ports.crm], ['mes-api', cfg.ports.mes]] as const) {
  if (!(await portFree(port))) busy.push(`${name} port ${port}`)
}
if (busy.length) await fail(`ports in use: ${busy.join(', ')} (another demo running? stop it, or set DEMO_BEACON_API_PORT / SHOP_PORT / CRM_PORT / MES_PORT)`)

say(`2. starting Beacon (embedded ClickHouse, data in ${dataDir})`)
const beaconEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH, HOME: process.env.HOME,
  BEACON_DATA_DIR: join(dataDir, 'beacon'), BEACON_HOST: '127.0.0.1', BEACON_API_PORT: String(apiPort), BEACON_OTLP_PORT: String(otlpPort),
  // The company's services speak OTLP/HTTP only: the other receivers stay off (no port clashes).
  BEACON_ES_PORT: '0', BEACON_OTLP_GRPC_PORT: '0', BEACON_SYSLOG_PORT: '0', BEACON_SYSLOG_TLS_PORT: '0', BEACON_FORWARD_PORT: '0',
  BEACON_ADMIN_PASSWORD: adminPassword, BEACON_INGEST_KEY: ingestKey,
}
// Through Beacon's launcher, as `npm start` does (it fixes glibc's mmap threshold: docs/ingest.md).
running.push(supervise({ name: 'beacon', command: join(root, 'packages/server/bin/beacon'), args: ['start'], env: beaconEnv, restart: false, echo: /credentials|admin password|ingest key|"level":(50|60)/ }, logDir, say))
if (!(await waitForHttp(`${apiUrl}/api/health`, 180_000))) await fail(`Beacon did not become healthy within 3 minutes; see ${join(logDir, 'beacon.log')}`)
let token: string | undefined
try {
  token = await beaconLogin(apiUrl, 'admin', adminPassword)
} catch (err) {
  say(`   (could not sign in as admin: ${(err as Error).message}; if this data dir was created with another password, set DEMO_ADMIN_PASSWORD or remove ${dataDir})`)
}
say(`   ✔ Beacon at ${apiUrl}, OTLP at ${otlpUrl}`)

say('3. starting the company: crm-api, mes-api, mes-worker, shop-api (SDK → Beacon; each logs to a file too)')
const serviceEnv: NodeJS.ProcessEnv = {
  ...process.env,
  BEACON_ENDPOINT: otlpUrl, BEACON_API_KEY: ingestKey, BEACON_ENVIRONMENT: 'demo',
  COMPANY_ALLOW_CRASH: '1', MES_EQUIPMENT_FAILURE_RATE: process.env.MES_EQUIPMENT_FAILURE_RATE ?? '0.01',
}
const FATAL_LINE = /"level":"fatal"/
for (const svc of ['crm-api', 'mes-api', 'mes-worker', 'shop-api']) {
  running.push(supervise({ name: svc, args: ['--import', 'tsx', join(here, svc, 'main.ts')], env: serviceEnv, restart: true, echo: FATAL_LINE }, logDir, say))
}
for (const [svc, port] of [['crm-api', cfg.ports.crm], ['mes-api', cfg.ports.mes], ['shop-api', cfg.ports.shop]] as const) {
  if (!(await waitForHttp(`http://${cfg.host}:${port}/health`, 60_000))) await fail(`${svc} did not start; see ${join(logDir, `${svc}.log`)}`)
}
say(`   ✔ shop http://${cfg.host}:${cfg.ports.shop}  crm http://${cfg.host}:${cfg.ports.crm}  mes http://${cfg.host}:${cfg.ports.mes}  (logs: ${logDir})`)

const auth = token ? ` -H 'Authorization: Bearer ${token}'` : ''
say(`
Where to look (Beacon API; sign in as admin / ${adminPassword} with POST /api/auth/login):
  curl -s${auth} '${apiUrl}/api/services'
  curl -s${auth} '${apiUrl}/api/search?q=level:>=error&from=now-15m'
  curl -s${auth} '${apiUrl}/api/search?q=event.action:order.status_changed'
  curl -s${auth} '${apiUrl}/api/orders/<orderId>/timeline'      (order ids are printed below)
  curl -s${auth} '${apiUrl}/api/traces/<traceId>'
`)

const started = new Date(Date.now() - 60_000).toISOString()
say('4. traffic generator ' + (trafficArgs.length ? trafficArgs.join(' ') : '(all scenarios, 120 s)'))
const traffic = supervise({ name: 'traffic', args: ['--import', 'tsx', join(here, 'traffic', 'main.ts'), ...trafficArgs], env: serviceEnv, restart: false, echo: /^(?!ORDERS)/ }, logDir, (l) => say(l.replace('  [traffic] ', '')))
running.push(traffic)
await new Promise<void>((done) => traffic.child.once('exit', () => done()))
if (interrupted) await new Promise(() => {})

say('\n5. what Beacon holds now (waiting 5 s for the last batches)')
await new Promise((r) => setTimeout(r, 5000))
const api = createBeaconApi(apiUrl, token)
const results = await runChecks(api, started)
for (const r of results) say(`   ${r.total > 0 ? '✔' : '✖'} ${r.kind.padEnd(70)} ${String(r.total).padStart(6)}   q=${r.q}`)
const story = await followOrder(api, started).catch((err) => { say(`   (could not follow an order: ${(err as Error).message})`); return undefined })
if (story) {
  say(`\n   one order, ${story.orderId}:`)
  say(`     trace ${story.traceId}: ${story.spanCount} spans from ${story.services.join(', ')}; RabbitMQ publish ${story.hasPublish ? '✔' : '✖'} consume ${story.hasConsume ? '✔' : '✖'}`)
  say(`     timeline: ${story.statuses.join(' → ')} ${story.complete ? '✔' : '✖'}`)
  say(`     curl -s${auth} '${apiUrl}/api/orders/${story.orderId}/timeline'`)
  say(`     curl -s${auth} '${apiUrl}/api/traces/${story.traceId}'`)
}
const allPresent = results.every((r) => r.total > 0) && story?.complete === true && ['shop-api', 'crm-api', 'mes-worker', 'mes-api'].every((s) => story.services.includes(s))

if (keep) {
  say('\n--keep: everything keeps running; Ctrl-C to stop.')
  await new Promise(() => {})
}
say('\n6. stopping the services (their SDKs flush on SIGTERM) and Beacon')
await stopAll()
say(allPresent ? '\n✔ every kind of event from DESIGN §1 is in Beacon, and the order story is complete.' : '\n✖ some kinds of events are missing (see ✖ above); the traffic may have been too short (--duration) or filtered by flags.')
process.exit(allPresent ? 0 : 1)
