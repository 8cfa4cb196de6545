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
const mode = process.argv[2] ?? 'instrumented'
const extra = process.argv.slice(3)
const srv = await start([...extra, '--import', 'tsx', process.env.SRVFILE ?? 'bench/sdk-fastify-server.ts', mode], { BEACON_ENDPOINT: `http://127.0.0.1:${sink.port}`, ...(process.env.SRVENV ? JSON.parse(process.env.SRVENV) : {}) })
const r = await autocannon({ url: `http://127.0.0.1:${srv.port}/hello`, connections: 50, duration: Number(process.env.DUR ?? 6) })
console.log(mode, 'req/s', r.requests.average)
await new Promise((ok) => { srv.p.once('exit', ok); srv.p.kill('SIGTERM') })
sink.p.kill('SIGTERM')
