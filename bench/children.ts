/** The SDK benches' child processes (servers and the sink): started through tsx, ready when they print `READY <port> [extra]`. */
import { spawn, type ChildProcess } from 'node:child_process'

export interface Child { proc: ChildProcess; port: number; extra?: string; out: () => string }

export function startChild(file: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<Child> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    let ready = false
    proc.stdout!.on('data', (d: Buffer) => {
      // Only the first lines matter (READY, SINK); the instrumented server's JSON log lines are dropped.
      if (out.length < 10_000) out += d.toString()
      const m = /READY (\d+)(?: (\d+))?/.exec(out)
      if (m && !ready) { ready = true; resolve({ proc, port: Number(m[1]), extra: m[2], out: () => out }) }
    })
    proc.once('exit', (code) => { if (!ready) reject(new Error(`${file} exited ${code}`)) })
  })
}

export function stop(proc: ChildProcess): Promise<void> {
  return new Promise((r) => { proc.once('exit', () => r()); proc.kill('SIGTERM') })
}
