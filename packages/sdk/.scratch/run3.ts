import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
function start(args: string[], env: any): Promise<{ p: any; port: number }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''; let done = false
    p.stdout.on('data', (d: Buffer) => { if (out.length < 5000) out += d; const m = /READY (\d+)/.exec(out); if (m && !done) { done = true; res({ p, port: Number(m[1]) }) } })
  })
}
const sink = await start(['--import', 'tsx', 'bench/sdk-sink.ts'], {})
for (const v of process.argv.slice(2)) {
  const srv = await start(['--import', 'tsx', 'packages/sdk/.scratch/srv3.ts'], { VARIANT: v, BEACON_ENDPOINT: `http://127.0.0.1:${sink.port}` })
  const url = `http://127.0.0.1:${srv.port}/hello`
  await autocannon({ url, connections: 50, duration: 4 })
  const r = await autocannon({ url, connections: 50, duration: 10 })
  console.log(v, r.requests.average)
  await new Promise((ok) => { srv.p.once('exit', ok); srv.p.kill('SIGTERM') })
}
sink.p.kill('SIGTERM')
