/**
 * Runs the company's processes as children: output to a log file each, restarted when they
 * crash (the demo crashes one on purpose), stopped with SIGTERM so the SDK flushes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import { join } from 'node:path'

export interface ProcessSpec {
  name: string
  /** The program to run; Node itself unless given (Beacon runs through its launcher). */
  command?: string
  args: string[]
  env: NodeJS.ProcessEnv
  /** Restart after an unexpected exit. */
  restart: boolean
  /** Lines of its output that contain one of these are echoed to the console. */
  echo?: RegExp
}

export interface Supervised {
  readonly name: string
  child: ChildProcess
  stop(): Promise<void>
}

export function supervise(spec: ProcessSpec, logDir: string, say: (line: string) => void): Supervised {
  mkdirSync(logDir, { recursive: true })
  const out = createWriteStream(join(logDir, `${spec.name}.log`), { flags: 'a' })
  let stopping = false
  const self: Supervised = {
    name: spec.name,
    child: launch(),
    async stop() {
      stopping = true
      const c = self.child
      if (c.exitCode !== null || c.signalCode !== null) return
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { c.kill('SIGKILL') }, 15_000)
        c.once('exit', () => { clearTimeout(t); resolve() })
        c.kill('SIGTERM')
      })
      out.end()
    },
  }

  function launch(): ChildProcess {
    const c = spawn(spec.command ?? process.execPath, spec.args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let tail = ''
    const onData = (chunk: Buffer) => {
      out.write(chunk)
      if (spec.echo === undefined) return
      tail += chunk.toString('utf8')
      const lines = tail.split('\n')
      tail = lines.pop() ?? ''
      for (const l of lines) if (spec.echo.test(l)) say(`  [${spec.name}] ${l}`)
    }
    c.stdout!.on('data', onData)
    c.stderr!.on('data', onData)
    c.on('exit', (code, signal) => {
      if (stopping || (!spec.restart && code === 0)) return
      say(`  ✖ ${spec.name} exited (${signal ?? `code ${code}`})${spec.restart ? ' — restarting in 2 s' : ''}`)
      if (spec.restart) setTimeout(() => { if (!stopping) self.child = launch() }, 2000)
    })
    return c
  }
  return self
}

/** Polls `url` until it answers 2xx or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return true
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}
