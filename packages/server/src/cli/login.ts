import { createInterface } from 'node:readline'
import { createClient, printJson, CliError, type ApiOptions } from './client.ts'
import { credentialsPath, readCredentials, removeCredentials, writeCredentials } from './credentials.ts'

interface LoginOptions extends ApiOptions { username?: string; passwordStdin?: boolean }

async function readAll(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

/** Asks on the terminal; `hidden` does not echo what is typed (passwords). */
function ask(question: string, hidden = false): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    if (hidden) {
      const write = (rl as unknown as { _writeToOutput: (s: string) => void })
      write._writeToOutput = (s: string) => { if (s.includes(question)) process.stderr.write(s) }
    }
    rl.question(question, (answer) => { rl.close(); if (hidden) process.stderr.write('\n'); resolve(answer) })
  })
}

/** `beacon login`: signs in through the API and keeps the token in a 0600 file for the other commands. */
export async function loginCommand(opts: LoginOptions): Promise<void> {
  const client = createClient({ ...opts, token: '' })
  let username = opts.username ?? ''
  let password: string
  if (opts.passwordStdin) {
    if (process.stdin.isTTY) throw new CliError('--password-stdin: pipe the password in, e.g. printf %s "$PW" | beacon login --username alice --password-stdin')
    password = await readAll()
  } else {
    if (!process.stdin.isTTY) throw new CliError('No terminal to ask for the password: use --password-stdin')
    if (!username) username = (await ask('user name: ')).trim()
    password = await ask('password: ', true)
  }
  if (!username) throw new CliError('--username is required (or type it when asked)')
  const res = await client.raw('/api/auth/login', {}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
    .catch((err: unknown) => {
      if (err instanceof CliError && err.exitCode === 4) throw new CliError(`Sign-in to ${client.base} refused: ${err.detail || 'wrong user name or password'}`, 4)
      throw err
    })
  const body = (await res.json()) as { token: string; username: string; roles: string[]; expiresAt: string }
  const path = writeCredentials({ api: client.base, token: body.token, username: body.username, expiresAt: body.expiresAt })
  if (opts.json) printJson({ api: client.base, username: body.username, roles: body.roles, expiresAt: body.expiresAt, credentials: path })
  else process.stdout.write(`Signed in to ${client.base} as ${body.username} (${body.roles.join(', ')}) until ${body.expiresAt}.\nToken kept in ${path} (readable only by you).\n`)
}

/** `beacon logout`: ends the session on the server and removes the stored token. */
export async function logoutCommand(opts: ApiOptions): Promise<void> {
  const stored = readCredentials()
  if (stored) {
    const client = createClient({ api: stored.api, token: stored.token })
    await client.raw('/api/auth/logout', {}, { method: 'POST' }).catch(() => undefined) // already expired: nothing to end
  }
  removeCredentials()
  if (opts.json) printJson({ signedOut: Boolean(stored), credentials: credentialsPath() })
  else process.stdout.write(stored ? `Signed out of ${stored.api}; removed ${credentialsPath()}.\n` : 'Not signed in.\n')
}
