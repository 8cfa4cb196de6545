import pino, { type Logger } from 'pino'

/**
 * Beacon's own log: JSON lines on stdout. Paths that could carry credentials are censored, so a
 * secret sent to Beacon never reaches Beacon's log either.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'beacon' },
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie',
        '*.password', '*.token', '*.apiKey', 'password', 'token', 'apiKey', 'clickhouse.password',
      ],
      censor: '[REDACTED]',
    },
  })
}
