#!/usr/bin/env node
import { Command } from 'commander'
import { envHelp } from '../config/load.ts'
import { registerApiCommands } from './api-commands.ts'
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
  // Loaded on use: the server (store, receivers) is not needed by the commands that only call its API.
  .action(async () => (await import('./start.ts')).startCommand())

registerApiCommands(program)
registerSecurityCommands(program)
registerArchiveCommands(program)
registerAlertCommands(program)

program.parseAsync(process.argv).catch((err) => {
  console.error((err as Error).message)
  process.exit(1)
})
