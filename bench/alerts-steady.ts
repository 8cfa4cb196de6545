/**
 * `npm run bench:alerts -- --steady` (or BENCH_STEADY_MINUTES=10 npm run bench:alerts): the demo's
 * steady traffic for N minutes with every built-in detector on, counting notifications. Goal: 0.
 *
 *   Beacon (this process, embedded chDB, shipped detector thresholds; Telegram + Slack receivers as
 *   default channels) ◀─ OTLP ─ shop-api, crm-api, mes-api, mes-worker (real RabbitMQ + PostgreSQL)
 *                                  ◀─ traffic generator `--steady` (the demo's customers)
 *
 * The services run with the demo's settings (MES_STEP_MS 300) except random equipment failures
 * (MES_EQUIPMENT_FAILURE_RATE 0: a failure is an incident, not steady traffic).
 *
 *   BENCH_STEADY_MINUTES=10
 *   BENCH_DETECTORS='{"identical_requests":{"groupBy":["service","http.request.body.hash"]}}'  (overrides, to try thresholds)
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startReceiver, type Receiver } from '../packages/server/src/alerts/test-utils.ts'
import { createCompany, startBeacon } from '../examples/company/test/test-utils.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

export async function steadyBench(minutes: number): Promise<number> {
  const [telegram, slack] = await Promise.all([startReceiver(), startReceiver()])
  const detectors = process.env.BENCH_DETECTORS ? JSON.parse(process.env.BENCH_DETECTORS) as Record<string, unknown> : {}
  if (Object.keys(detectors).length) console.log(`detector overrides: ${JSON.stringify(detectors)}`)
  const beacon = await startBeacon({ BEACON_ALERT_ALLOW_NETWORKS: '127.0.0.0/8' }, { 'alerts.detectors': detectors })
  const tb = beacon.test
  const post = (path: string, body: unknown) => tb.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const company = await createCompany(beacon.otlpUrl, beacon.ingestKey, { MES_STEP_MS: '300', MES_EQUIPMENT_FAILURE_RATE: '0', BEACON_EXPORT_INTERVAL_MS: '1000' })
  const received = (r: Receiver, name: string): string[] => r.received.map((x) => `${name}: ${String(x.json?.text ?? '').split('\n')[0].slice(0, 160)}`)
  try {
    for (const c of [
      { name: 'tg', type: 'telegram', botToken: '123456:STEADYSTEADYSTEADYST', chatId: '-1', apiBaseUrl: telegram.url, default: true },
      { name: 'slack', type: 'slack', url: `${slack.url}/services/steady`, default: true },
    ]) {
      const r = await post('/api/alerts/channels', c)
      if (r.status !== 201) throw new Error(`channel ${c.name}: ${r.status} ${JSON.stringify(r.body)}`)
    }
    const rules = (await tb.api('/api/alerts/rules')).body.rules as { id: string; enabled: boolean }[]
    console.log(`built-in detectors on: ${rules.filter((r) => r.id.startsWith('builtin:') && r.enabled).map((r) => r.id.slice(8)).join(', ')}`)
    for (const s of ['crm-api', 'mes-api', 'mes-worker', 'shop-api'] as const) await company.start(s)
    console.log(`services up; steady traffic for ${minutes} min`)

    const traffic = spawn(process.execPath, ['--import', 'tsx', 'examples/company/src/traffic/main.ts', '--steady', `--duration=${Math.round(minutes * 60)}`],
      { cwd: root, env: company.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    traffic.stdout!.on('data', (d: Buffer) => { out += d.toString() })
    traffic.stderr!.on('data', (d: Buffer) => { out += d.toString() })
    const started = Date.now()
    const progress = setInterval(() => {
      console.log(`  ${((Date.now() - started) / 60_000).toFixed(1)} min: ${telegram.received.length} Telegram, ${slack.received.length} Slack notifications`)
    }, 60_000)
    const code = await new Promise<number | null>((resolve) => traffic.once('exit', (c) => resolve(c)))
    clearInterval(progress)
    if (code !== 0) throw new Error(`traffic generator exited ${code}:\n${out.slice(-2000)}`)
    // The last evaluation of the last minute, then count.
    await new Promise((r) => setTimeout(r, 12_000))
    await tb.beacon.alerts!.tick()
    await new Promise((r) => setTimeout(r, 1000))
    const orders = /(\d+) orders placed/.exec(out)?.[1] ?? '?'
    await tb.flush()
    const stats = await tb.api(`/api/search?q=${encodeURIComponent('http.status:*')}&from=now-${Math.ceil(minutes) + 2}m&limit=1`)
    const states = (await tb.api('/api/alerts')).body.alerts as { ruleId: string; state: string; labels: Record<string, string>; value: number }[]
    const status = (await tb.api('/api/alerts/rules')).body.rules as { id: string; status?: { warmingUpGroups?: number } }[]
    const notes = [...received(telegram, 'telegram'), ...received(slack, 'slack')]
    console.log(`steady traffic: ${minutes} min, ${orders} orders, ${stats.body.total ?? '?'} request records`)
    console.log(`pending/firing alerts at the end: ${states.length ? states.map((s) => `${s.ruleId} ${s.state} ${JSON.stringify(s.labels)} value=${s.value}`).join('; ') : 'none'}`)
    const warming = status.filter((r) => (r.status?.warmingUpGroups ?? 0) > 0).map((r) => r.id)
    if (warming.length) console.log(`anomaly detectors still warming up (no baseline yet, cannot fire): ${warming.join(', ')}`)
    console.log(`notifications in ${minutes} min of steady traffic: ${notes.length} (goal 0)`)
    for (const n of notes) console.log(`  ${n}`)
    return notes.length
  } finally {
    await company.close()
    await tb.stop()
    await Promise.all([telegram.close(), slack.close()])
  }
}
