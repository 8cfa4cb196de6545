import type { Command } from 'commander'
import { CliError } from './client.ts'
import { queryCommand } from './query.ts'
import { traceCommand } from './trace.ts'
import { orderCommand } from './order.ts'
import { tailCommand } from './tail.ts'
import { exportCommand } from './export.ts'
import { loginCommand, logoutCommand } from './login.ts'
import { safe } from './terminal.ts'

/**
 * The commands that work through the running server's API with the user's token (`beacon login`
 * keeps it): query, trace, order, tail, export, login, logout. Each has `--json`.
 */
const TIME = 'ISO time, epoch ms or now-15m / now-2h / now-7d'

function withApi(cmd: Command): Command {
  return cmd
    .option('--json', 'print JSON (the API\'s answer) instead of text')
    .option('--api <url>', 'API address (default: BEACON_API_URL, else the one `beacon login` stored, else this machine\'s configuration)')
    .option('--token <token>', 'bearer token (default: BEACON_TOKEN, else the one `beacon login` stored)')
}

/** Runs an action; a refused request or an unreachable server is one readable line and an exit code. */
function run<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args)
    } catch (err) {
      if (!(err instanceof CliError)) throw err
      process.stderr.write(`${safe(err.message)}\n`)
      const position = (err as CliError & { position?: number }).position
      const q = args[0]
      if (typeof position === 'number' && typeof q === 'string') process.stderr.write(`  ${safe(q)}\n  ${' '.repeat(position)}^\n`)
      process.exit(err.exitCode)
    }
  }
}

/** --from, --to and --target, as `query` and `export` take them. */
function searchRange(cmd: Command): Command {
  return cmd
    .option('--from <time>', `start: ${TIME}`, 'now-15m')
    .option('--to <time>', 'end (same forms)', 'now')
    .option('--target <t>', 'logs or spans', 'logs')
}

export function registerApiCommands(program: Command): void {
  withApi(searchRange(program.command('query')
    .description('search logs (or spans) through the running server\'s API')
    .argument('<q>', 'search, e.g. \'service:shop-api AND level:error\' or \'order.id:A-1001\' (see docs/query-language.md)'))
    .option('--limit <n>', 'events to print (1-1000)', '50'))
    .action(run(queryCommand))

  withApi(program.command('trace')
    .description('one trace as a tree: offsets, durations, services, the critical path (*) and errors (✖), then its logs')
    .argument('<traceId>', '32 hexadecimal characters'))
    .action(run(traceCommand))

  withApi(program.command('order')
    .description('an order\'s story: each status with the time spent in it, the first error, then every record of the order')
    .argument('<orderId>', 'the order number, e.g. ORD-20261129-9C4E')
    .option('--from <time>', `start: ${TIME} (default: the retention period)`)
    .option('--to <time>', 'end (same forms)')
    .option('--kinds <kinds>', 'entries to list: any of logs,spans,events (the story is always told)'))
    .action(run(orderCommand))

  withApi(program.command('tail')
    .description('follow new records that match, as Beacon acknowledges them (Ctrl-C to stop)')
    .argument('[q]', 'search, e.g. \'service:crm-api level:>=warn\' (empty: everything)', '')
    .option('--target <t>', 'logs or spans', 'logs'))
    .action(run(tailCommand))

  withApi(searchRange(program.command('export')
    .description('every record matching a search, streamed as NDJSON (default) or CSV, up to the server\'s export cap')
    .argument('<q>', 'search (see docs/query-language.md); \'\' for everything'))
    .option('--format <f>', 'ndjson or csv (--json: ndjson)', 'ndjson')
    .option('--fields <list>', 'comma-separated fields, e.g. time,service,level,body,order.id')
    .option('--limit <n>', 'most records (the server caps it at BEACON_EXPORT_MAX_RECORDS)')
    .option('-o, --output <file>', 'write to a file instead of stdout'))
    .action(run(exportCommand))

  withApi(program.command('login')
    .description('sign in to a Beacon API and keep the token (file readable only by you) for the other commands')
    .option('--username <name>', 'user name (asked when on a terminal)')
    .option('--password-stdin', 'read the password from stdin (scripts), e.g. printf %s "$PW" | beacon login --username alice --password-stdin'))
    .action(run(loginCommand))

  withApi(program.command('logout').description('end the stored session and remove the stored token'))
    .action(run(logoutCommand))
}
