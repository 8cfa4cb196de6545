/**
 * @beacon/sdk: what a Node service adds to send Beacon its traces, logs and business events.
 * @example
 * import { init } from '@beacon/sdk'
 * const beacon = init({ service: 'shop-api' })
 * await import('./server.ts')
 */
export { init, beacon, type Beacon, type InitOptions } from './init.ts'
export { resolveConfig, type BeaconOptions, type ResolvedConfig, type LogLevel } from './config.ts'
export { createLogger, type CreateLoggerOptions, type Logger } from './logging/logger.ts'
export { createEvents, type BusinessEvents, type EventFields } from './events/events.ts'
export { beaconFastify, type FastifyRequestLoggingOptions } from './http/fastify.ts'
export { beaconExpress, beaconExpressErrors, type ExpressRequestLoggingOptions } from './http/express.ts'
export { tagRequest, type RequestKeys } from './http/request-record.ts'
export { consumeWithLogging, redeliveryCount, type ConsumeOptions } from './rabbitmq/consumer.ts'
export { watchDeadLetters, type DeadLetterWatchOptions } from './rabbitmq/dead-letters.ts'
export { statementWithoutValues } from './db/query-monitor.ts'
export { redact, redactString, redactHeaders, luhnValid, isSecretKey, REDACTED } from './redact/redact.ts'
export {
  withBusinessKeys, withOrder, currentBusinessKeys, contextWithBusinessKeys, tagActiveSpan, type BusinessKeys,
} from './telemetry/business-keys.ts'
export type { SignalStats } from './telemetry/bounded.ts'
