#!/usr/bin/env node
import { Command } from 'commander'
import { envHelp } from '../config/load.ts'
import { startCommand } from './start.ts'
import { queryCommand } from './query.ts'
import { registerSecurityCommands } from './security-commands.ts'
import { registerArchiveCommands } from './archive-commands.ts'
import { registerAlertCommands } from './alerts-commands.ts'

const program = new Command()
program
  .name('beacon')
  .description('Beacon: centralized logs, traces and alerts on embedded ClickHouse')
  .addHelpText('after', `\nConfiguration: ./beacon.config.yaml (or BEACON_CONFIG=path) and environment variables:\n${envHelp()}`)

program
  .command('start')
  .description('start Beacon: OTLP/HTTP (:4318), OTLP/gRPC (:4317), Elasticsearch bulk (:9200), syslog (:5514, TLS :6514), Fluentd Forward (:24224) and the API (:5080); data in BEACON_DATA_DIR (./data)')
  .action(startCommand)

program
  .command('query')
  .description('search logs (or spans) from the terminal through the running server\'s API')
  .argument('<q>', 'search, e.g. \'service:shop-api AND level:error\' or \'order.id:A-1001\' (see docs/query-language.md)')
  .option('--from <time>', 'start: ISO time, epoch ms or now-15m / now-2h / now-7d', 'now-15m')
  .option('--to <time>', 'end (same forms)', 'now')
  .option('--limit <n>', 'events to print (1-1000)', '50')
  .option('--target <t>', 'logs or spans', 'logs')
  .option('--json', 'print the API response as JSON')
  .option('--api <url>', 'API address (default from configuration, or BEACON_API_URL)')
  .option('--token <token>', 'API bearer token (default BEACON_TOKEN)')
  .action(queryCommand)

registerSecurityCommands(program)
registerArchiveCommands(program)
registerAlertCommands(program)

program.parseAsync(process.argv).catch((err) => {
  console.error((err as Error).message)
  process.exit(1)
})
