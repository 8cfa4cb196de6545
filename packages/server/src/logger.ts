import pino, { type DestinationStream, type Logger } from 'pino'

/**
 * Beacon's own log: JSON lines on stdout (or `destination`, for tests that read it). Paths that
 * could carry credentials are censored, so a secret sent to Beacon never reaches Beacon's log either.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'beacon' },
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie',
        '*.password', '*.token', '*.apiKey', 'password', 'token', 'apiKey', 'clickhouse.password',
      ],
      censor: '[REDACTED]',
    },
  }
  return destination ? pino(options, destination) : pino(options)
}
