import type { Logger } from 'pino'
import type { Config } from './config/schema.ts'
import type { BeaconExtensions } from './app.ts'

/** Builds the security extensions (auth, redaction, encryption, audit) for a start. */
export async function securityExtensions(_config: Config, _log: Logger): Promise<BeaconExtensions> {
  return {}
}
